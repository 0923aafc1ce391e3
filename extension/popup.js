// The popup: on click, look up the page in the active tab and draw the answer.
// Test entry point: popup.html?url=<page>[&tab=<tabId>] looks up that page instead
// of the active tab's (the end-to-end test and manual checks use it).
import { browser } from './browser.js';
import { localize, translator } from './dom.js';
import { PageLookup } from './lookup.js';
import { Renderer } from './render.js';

const t = translator(browser.i18n);
const locale = browser.i18n.getUILanguage();
const root = document.getElementById('main');

// Timings in milliseconds since the popup document started (performance.now()),
// exposed for the end-to-end test and for anyone curious in the devtools console.
const timing = {};
const mark = (name) => {
  timing[name] = Math.round(performance.now());
};
mark('script');

async function target() {
  const params = new URLSearchParams(location.search);
  const url = params.get('url');
  if (url) {
    const tab = Number.parseInt(params.get('tab') ?? '', 10);
    return { url, tabId: Number.isInteger(tab) ? tab : null };
  }
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return { url: tab?.url ?? '', tabId: tab?.id ?? null };
}

const openOptions = () => browser.runtime.openOptionsPage().then(() => window.close());
const lookup = new PageLookup({ browser, fetch: globalThis.fetch.bind(globalThis), locale });
const renderer = new Renderer({
  root,
  t,
  locale,
  onOptions: openOptions,
  onRetry: () => run({ force: true }),
  onDetach: (storyId, articleId) => lookup.correct('detach', storyId, articleId),
  onAttach: (storyId, articleId) => lookup.correct('attach', storyId, articleId),
});

async function run({ force = false } = {}) {
  root.setAttribute('aria-busy', 'true');
  if (force) root.replaceChildren(...skeleton.map((n) => n.cloneNode(true)));
  let outcome;
  try {
    const { url, tabId } = await target();
    mark('tab');
    outcome = await lookup.run({ url, tabId, force, mark });
  } catch (err) {
    console.error('parallax:', err);
    outcome = { state: 'error', message: String(err?.message ?? err) };
  }
  if (outcome.state === 'coverage') renderer.coverage(outcome.view);
  else renderer.state(outcome.state, outcome);
  document.body.dataset.state = outcome.state;
  // requestAnimationFrame runs just before the frame showing the answer is painted;
  // a task queued from it runs once that frame is out.
  requestAnimationFrame(() =>
    setTimeout(() => {
      mark('painted');
      timing.source = outcome.source ?? 'none';
      window.__parallaxTiming = { ...timing };
      document.body.dataset.paintedMs = String(timing.painted);
    }),
  );
}

localize(document, t);
// The loading skeleton is in popup.html so it is in the first frame; keep a copy for "try again".
const skeleton = [...root.children].map((n) => n.cloneNode(true));
document.getElementById('open-options').addEventListener('click', openOptions);
run();
