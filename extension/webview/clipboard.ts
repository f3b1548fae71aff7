/**
 * Puts text on the clipboard: through the asynchronous clipboard when the page may use it, else
 * through a `copy` event (VS Code's webviews allow both).
 */
export async function copyText(text: string): Promise<void> {
    try {
        await navigator.clipboard.writeText(text);
        return;
    } catch {
        // Not allowed here: fall back to the copy command, which fires a copy event we fill.
    }
    const fill = (e: ClipboardEvent): void => {
        e.clipboardData?.setData('text/plain', text);
        e.preventDefault();
    };
    document.addEventListener('copy', fill, { once: true });
    document.execCommand('copy');
    document.removeEventListener('copy', fill);
}
