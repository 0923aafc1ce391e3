// Capturing the page the reader is looking at, so the server reads what the reader
// reads (paywalled and logged-in pages included) instead of fetching it again.

/**
 * MAX_CAPTURE_CHARS bounds what leaves the page: the request body may not exceed
 * 5 MiB, and a UTF-16 code unit is at least one UTF-8 byte, so more is never sent.
 * api.lookupBody then cuts to the exact byte limit.
 */
export const MAX_CAPTURE_CHARS = 5 * 1024 * 1024;

/**
 * pageHTML runs inside the page (scripting.executeScript serialises it, so it must be
 * self-contained). It returns the rendered document without what the server does not
 * read and the reader would not want sent: scripts (inline application state can hold
 * session data; JSON-LD article metadata is kept), styles, SVG drawings, templates
 * and form fields (pre-filled values such as an e-mail address).
 */
export function pageHTML(maxChars) {
  const root = document.documentElement.cloneNode(true);
  const drop = 'script:not([type="application/ld+json"]), style, svg, template, input, textarea, select';
  for (const node of root.querySelectorAll(drop)) node.remove();
  const html = `<!DOCTYPE html>\n${root.outerHTML}`;
  if (html.length <= maxChars) return html;
  // Never end on the first half of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(html[maxChars - 1]) ? maxChars - 1 : maxChars;
  return html.slice(0, end);
}

/**
 * capturePage returns the HTML of the tab's top frame, or null when the browser does
 * not let the extension read it (a browser page, the web store, a PDF, no activeTab
 * grant). The lookup then goes ahead with the URL alone.
 */
export async function capturePage({ scripting, tabId, maxChars = MAX_CAPTURE_CHARS, logger = console }) {
  try {
    const [first] = await scripting.executeScript({
      target: { tabId },
      func: pageHTML,
      args: [maxChars],
    });
    return typeof first?.result === 'string' ? first.result : null;
  } catch (err) {
    logger.info?.('parallax: page not captured:', err?.message ?? err);
    return null;
  }
}
