// One lookup, from the click to an outcome the popup can draw: the page's address,
// the cache, the page capture, the server call and the mapping of every failure to a
// state the reader understands. No DOM here, so it is tested with a fake browser.
import { serverAccess } from './access.js';
import { Api, ApiError } from './api.js';
import { Cache } from './cache.js';
import { capturePage } from './capture.js';
import { coverageView, webHref, withoutFragment } from './coverage.js';
import { Settings } from './settings.js';

/**
 * PageLookup runs lookups. Everything it touches comes in through the constructor:
 * `browser` (storage, scripting, permissions, runtime), `fetch`, the clock and a logger.
 */
export class PageLookup {
  constructor({ browser, fetch, now = Date.now, locale = 'en', logger = console }) {
    this.browser = browser;
    this.fetch = fetch;
    this.now = now;
    this.locale = locale;
    this.logger = logger;
    this.settings = new Settings({ storage: browser.storage.local });
    this.cache = new Cache({ storage: browser.storage.session, now });
    this.access = serverAccess(browser);
  }

  /**
   * run looks up the page at `url` (shown in tab `tabId`, or null when there is no
   * tab to capture) and returns an outcome: { state, ... } where state is one of
   * coverage, unsupported, not_an_article, unreachable, unauthorized, timeout,
   * protocol or error. `force` skips the cache; `mark(name)` is called at each step, for timings.
   */
  async run({ url, tabId = null, force = false, mark = () => {} }) {
    // Only http and https pages are articles.
    const href = webHref(url);
    if (href === null) return { state: 'unsupported' };
    const page = withoutFragment(href);
    const settings = await this.settings.load();
    if (!force) {
      const cached = await this.cache.get(settings.serverUrl, page);
      if (cached) {
        mark('cache');
        return this.outcome(cached, 'cache', settings.serverUrl);
      }
    }
    let html = null;
    if (settings.sendPage && tabId !== null) {
      html = await capturePage({ scripting: this.browser.scripting, tabId, logger: this.logger });
      mark('captured');
    }
    const api = new Api({ serverUrl: settings.serverUrl, token: settings.token, fetch: this.fetch, logger: this.logger });
    let answer;
    try {
      answer = await this.ask(api, page, html);
      mark('answered');
    } catch (err) {
      return this.failure(err, settings.serverUrl);
    }
    const out = this.outcome(answer, 'server', settings.serverUrl);
    if (out.state === 'coverage') {
      // Not awaited by the caller before painting; a failed write only costs a refetch.
      out.saved = this.cache.set(settings.serverUrl, page, answer).catch((err) => this.logger.warn?.('parallax: cache:', err));
    }
    return out;
  }

  /**
   * ask posts the lookup. A page the server finds too large even when cut to the
   * body limit (it also caps a page's elements, extract.MaxElemsToParse) is asked
   * again by its URL alone, as if "send page content" were off.
   */
  async ask(api, page, html) {
    try {
      return await api.lookup({ url: page, html });
    } catch (err) {
      if (html === null || !(err instanceof ApiError) || err.status !== 413) throw err;
      this.logger.info?.('parallax: page too large for the server; asking by URL');
      return api.lookup({ url: page });
    }
  }

  /**
   * correct runs a "not this story" (action 'detach') or its undo ('attach') on the
   * configured server. The cached answers are dropped: the story they show changed.
   */
  async correct(action, storyId, articleId) {
    const settings = await this.settings.load();
    const api = new Api({ serverUrl: settings.serverUrl, token: settings.token, fetch: this.fetch, logger: this.logger });
    const out = action === 'attach' ? await api.attach({ storyId, articleId }) : await api.detach({ storyId, articleId });
    await this.cache.clear().catch((err) => this.logger.warn?.('parallax: cache:', err));
    return out;
  }

  /** outcome checks the answer's shape and makes the popup's view of it; serverUrl is the server that answered. */
  outcome(answer, source, serverUrl) {
    if (!answer?.article || !Array.isArray(answer?.story?.articles) || !answer.story.balance) {
      return { state: 'protocol', status: 200 };
    }
    return { state: 'coverage', source, view: coverageView(answer, { now: this.now(), locale: this.locale, serverUrl }) };
  }

  async failure(err, serverUrl) {
    if (!(err instanceof ApiError)) throw err;
    switch (err.kind) {
      case 'network': {
        // Below HTTP the browser does not say why; a missing host permission is the one
        // cause the reader can fix from here, so check it.
        const noPermission = !(await this.access.has(serverUrl).catch(() => true));
        return { state: 'unreachable', serverUrl, noPermission };
      }
      case 'timeout':
        return { state: 'timeout' };
      case 'protocol':
        return { state: 'protocol', status: err.status };
      default:
        if (err.code === 'not_an_article') return { state: 'not_an_article', message: err.message };
        if (err.status === 401) return { state: 'unauthorized', message: err.message };
        return { state: 'error', message: err.message, code: err.code, status: err.status };
    }
  }
}
