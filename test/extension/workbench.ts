import type { Frame, Locator, Page } from 'playwright-core';

/** Driving the VS Code workbench (code-server in Chromium) the way a user does: keyboard first. */

/**
 * Types `text` into the quick input opened by `key` and clicks `row`, as a user picks a file or
 * a command. When the key does not reach the workbench (the focus was left in a closed editor or
 * a webview), the command center above the editors opens it; when it closes under the typing (the
 * focus moving on after an editor closed), it is opened again.
 */
async function pickInQuickInput(page: Page, key: string, text: string, row: Locator): Promise<void> {
    const input = page.locator('.quick-input-widget input.input');
    let failure: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
        try {
            await page.keyboard.press(key);
            if (!(await input.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false))) {
                await page.locator('.command-center-center').first().click({ timeout: 5_000 });
                await input.waitFor({ state: 'visible', timeout: 5_000 });
            }
            await input.fill(text, { timeout: 5_000 });
            await row.click({ timeout: 20_000 });
            return;
        } catch (e) {
            failure = e;
            await page.keyboard.press('Escape');
        }
    }
    throw failure;
}

export async function runCommand(page: Page, title: string): Promise<void> {
    // The row of exactly this command: the first row is often another ("View: Close Editor" lists
    // "View: Close All Editor Groups" first).
    await pickInQuickInput(page, 'F1', `>${title}`, page.locator('.quick-input-list .monaco-list-row .label-name').getByText(title, { exact: true }).first());
}

/**
 * Runs `title` from the explorer's context menu on the file `name`, as a user right-clicks it.
 * The extension's items join the menu once the workbench has read the installed extensions: until
 * then the menu is closed and opened again. The hovered item runs on Enter (a click could land
 * while the menu still settles).
 */
export async function explorerMenuCommand(page: Page, name: string, title: string, timeout = 60_000): Promise<void> {
    const deadline = Date.now() + timeout;
    for (;;) {
        await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click({ button: 'right' });
        const item = page.locator('.context-view .action-label', { hasText: title }).first();
        if (await item.waitFor({ timeout: 2_000 }).then(() => true, () => false)) {
            await item.hover();
            await page.keyboard.press('Enter');
            return;
        }
        await page.keyboard.press('Escape');
        if (Date.now() > deadline) throw new Error(`"${title}" never appeared in the explorer's menu for ${name}`);
        await page.waitForTimeout(1_000);
    }
}

export async function openFile(page: Page, name: string): Promise<void> {
    // Clicked, as a user picks it: Enter was lost now and then when the focus came from a webview.
    await pickInQuickInput(page, 'Control+P', name, page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first());
    try {
        // In the group that has the focus (another group may show the file too).
        await page.locator(`.editor-group-container.active .tab.active[aria-label^="${name}"]`).waitFor({ timeout: 20_000 });
    } catch (e) {
        // What the window showed instead, for whoever reads the failure.
        await page.screenshot({ path: `test-results/failed-open-${name}.png` }).catch(() => undefined);
        throw e;
    }
}

export async function goToLine(page: Page, line: number): Promise<void> {
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await page.keyboard.type(String(line));
    // Enter only once the picker has read the number (an early Enter is lost, and what is typed
    // next goes into the picker), then on until the cursor is there.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: `line ${line}` }).first().waitFor({ timeout: 20_000 });
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item', { hasText: `Ln ${line},` }).first().waitFor({ timeout: 20_000 });
}

/** The webview frame (inside VS Code's two nested iframes) whose document has `selector`. */
export async function webviewFrame(page: Page, selector: string, timeout = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeout;
    for (;;) {
        for (const frame of page.frames()) {
            if (frame.name() !== 'active-frame' && !frame.url().includes('fake.html')) continue;
            try {
                if (await frame.locator(selector).count()) return frame;
            } catch {
                // a frame that went away while we looked
            }
        }
        if (Date.now() > deadline) throw new Error(`no webview shows ${selector}`);
        await page.waitForTimeout(250);
    }
}

/**
 * `what` on the webview that shows `selector`, or undefined when none does yet: for polling
 * while frames come and go (a reload, a refresh), finding the frame afresh on every try.
 */
export async function inWebview<T>(page: Page, selector: string, what: (frame: Frame) => Promise<T>): Promise<T | undefined> {
    try {
        return await what(await webviewFrame(page, selector, 5_000));
    } catch {
        return undefined;
    }
}
