import type { LangiumSharedServices } from 'langium/lsp';
import type { SegmentCounts } from './segment-counts.js';

/**
 * Code lenses and hovers count at the extension's `segments.asOf` instant, so that every count a
 * user sees comes from one instant: the client sends the `segments` settings section
 * (`workspace/didChangeConfiguration`) at start and on each change.
 */
export function followAsOfSetting(shared: LangiumSharedServices, counts: SegmentCounts): void {
    shared.workspace.ConfigurationProvider.onConfigurationSectionUpdate(({ section, configuration }) => {
        if (section !== 'segments') return;
        const asOf = (configuration as { asOf?: unknown } | undefined)?.asOf;
        counts.setAsOf(typeof asOf === 'string' ? asOf : undefined);
    });
}
