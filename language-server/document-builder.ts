import { DefaultDocumentBuilder, type BuildOptions, type LangiumDocument, type ValidationCategory, type ValidationRegistry } from 'langium';

/**
 * Langium's document builder, quicker after an edit in a large workspace. After each change
 * Langium asks of every document whether its validation results are complete; the default looks
 * up the document's language services by URI for each one (a thousand documents: milliseconds on
 * every keystroke). With one language, the registry is looked up once.
 */
export class SegmentDocumentBuilder extends DefaultDocumentBuilder {
    protected override findMissingValidationCategories(document: LangiumDocument, options: BuildOptions | undefined): ValidationCategory[] {
        const state = this.buildState.get(document.uri.toString());
        const all = this.validationRegistry(document).getAllValidationCategories(document);
        const checks = state?.result?.validationChecks;
        const completed = !!state?.completed;
        const requested: Iterable<ValidationCategory> = options === undefined || options.validation === true
            ? all
            : typeof options.validation === 'object' ? (options.validation.categories ?? all) : [];
        const missing: ValidationCategory[] = [];
        for (const category of requested) if (checks ? !checks.includes(category) : !(completed && all.has(category))) missing.push(category);
        return missing;
    }

    private validationRegistry(document: LangiumDocument): ValidationRegistry {
        const languages = this.serviceRegistry.all;
        return (languages.length === 1 ? languages[0] : this.serviceRegistry.getServices(document.uri)).validation.ValidationRegistry;
    }
}
