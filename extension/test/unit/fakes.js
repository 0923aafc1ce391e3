import { readFileSync } from 'node:fs';

// Fakes of the browser APIs the extension uses, for node --test. They follow the
// promise-based WebExtension API's documented behaviour (MDN storage.StorageArea.get:
// null means every key, a string one key, an array some keys, an object keys with
// defaults) closely enough that the code under test cannot tell.

/** storageArea is an in-memory storage.local / storage.session. */
export function storageArea(initial = {}) {
  const data = new Map(Object.entries(structuredClone(initial)));
  return {
    data,
    async get(keys) {
      const out = {};
      if (keys === null || keys === undefined) {
        for (const [k, v] of data) out[k] = structuredClone(v);
        return out;
      }
      const list = typeof keys === 'string' ? [keys] : Array.isArray(keys) ? keys : Object.keys(keys);
      for (const k of list) {
        if (data.has(k)) out[k] = structuredClone(data.get(k));
        else if (keys && typeof keys === 'object' && !Array.isArray(keys)) out[k] = keys[k];
      }
      return out;
    },
    async set(items) {
      for (const [k, v] of Object.entries(items)) data.set(k, structuredClone(v));
    },
    async remove(keys) {
      for (const k of typeof keys === 'string' ? [keys] : keys) data.delete(k);
    },
  };
}

/** permissionsArea records requests; `grant` decides the answer to each. */
export function permissionsArea({ granted = [], grant = () => true } = {}) {
  const have = new Set(granted);
  const requests = [];
  return {
    requests,
    have,
    async contains({ origins = [] }) {
      return origins.every((o) => have.has(o));
    },
    async request({ origins = [] }) {
      requests.push(origins);
      const yes = grant(origins);
      if (yes) for (const o of origins) have.add(o);
      return yes;
    },
  };
}

/**
 * fakeBrowser is the subset of `browser` the extension touches. `scheme` picks the
 * browser: chrome-extension (Chrome) or moz-extension (Firefox).
 */
export function fakeBrowser({ scheme = 'chrome-extension', local = {}, session = {}, permissions = permissionsArea(), executeScript } = {}) {
  return {
    storage: { local: storageArea(local), session: storageArea(session) },
    permissions,
    runtime: { getURL: (p) => `${scheme}://abcdef/${p}` },
    scripting: {
      calls: [],
      async executeScript(opts) {
        this.calls.push(opts);
        if (!executeScript) throw new Error('Cannot access contents of the page.');
        return executeScript(opts);
      },
    },
  };
}

/**
 * fakeFetch answers with `respond(url, init)` (a Response, or throws) and records
 * every call.
 */
export function fakeFetch(respond) {
  const calls = [];
  const fn = async (url, init = {}) => {
    calls.push({ url, init });
    return respond(url, init);
  };
  fn.calls = calls;
  return fn;
}

/**
 * sentLookup reads back what a recorded lookup call sent, in either form: the page
 * as a text/html body with the URL in the query, or JSON.
 */
export function sentLookup({ url, init }) {
  if (init.headers['Content-Type'].startsWith('text/html')) {
    const body = typeof init.body === 'string' ? init.body : new TextDecoder('utf-8', { fatal: true }).decode(init.body);
    return { url: new URL(url).searchParams.get('url'), html: body };
  }
  return JSON.parse(init.body);
}

/** json builds a JSON Response. */
export function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** silent is a logger that records instead of printing. */
export function silent() {
  const lines = [];
  const log = (...args) => lines.push(args.join(' '));
  return { lines, info: log, warn: log, error: log };
}

/** answer builds a lookup answer like the server's, from a list of [url, outletId, name, bias] rows. */
export function answer({ current, rows, balance, outlet = null, title = 'Bridge collapses in Marlow Falls' }) {
  return {
    article: { url: current, canonical_url: current, title, byline: '', published: null, lang: 'en', excerpt: '', duplicate_of: null },
    outlet,
    story: {
      id: 's1',
      title,
      first_seen: '2025-03-01T10:00:00Z',
      updated: '2025-03-01T12:00:00Z',
      article_count: rows.length,
      outlet_count: new Set(rows.map((r) => r.outlet?.id ?? r.domain)).size,
      independent_outlets: rows.filter((r) => !r.duplicate_of).length,
      balance,
      articles: rows.map((r) => ({ published: null, duplicate_of: null, domain: '', title: 'T', ...r })),
    },
  };
}

/**
 * i18n is browser.i18n over the extension's own _locales/en/messages.json: getMessage
 * substitutes $1…$9 through the named placeholders, as the browsers do, and answers
 * '' for a missing key (so dom.translator shows the key).
 */
export function i18n() {
  const messages = JSON.parse(readFileSync(new URL('../../_locales/en/messages.json', import.meta.url), 'utf8'));
  return {
    getUILanguage: () => 'en',
    getMessage(key, subs = []) {
      const m = messages[key];
      if (!m) return '';
      const named = (name) => {
        const content = m.placeholders?.[name.toLowerCase()]?.content ?? '';
        return content.replace(/\$(\d)/g, (_, i) => subs[Number(i) - 1] ?? '');
      };
      return m.message.replace(/\$([A-Za-z_]\w*)\$/g, (_, name) => named(name));
    },
  };
}

/**
 * FakeNode is the little of the DOM the popup's views use (createElement, attributes,
 * children, text, listeners), enough to check what they build without a browser.
 */
class FakeNode {
  constructor(tag, text = null) {
    this.tagName = tag ? tag.toUpperCase() : null;
    this.text = text;
    this.attributes = new Map();
    this.children = [];
    this.listeners = {};
    this.style = {};
    this.hidden = false;
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  append(...nodes) {
    for (const n of nodes) this.children.push(typeof n === 'string' ? new FakeNode(null, n) : n);
  }

  replaceChildren(...nodes) {
    this.children = [];
    this.append(...nodes);
  }

  get childElementCount() {
    return this.children.filter((c) => c.tagName).length;
  }

  get textContent() {
    return this.text ?? this.children.map((c) => c.textContent).join('');
  }

  addEventListener(type, fn) {
    (this.listeners[type] ??= []).push(fn);
  }

  focus() {}

  /** all is every element below this one (depth first) that passes test. */
  all(test) {
    const out = [];
    for (const c of this.children) {
      if (!c.tagName) continue;
      if (test(c)) out.push(c);
      out.push(...c.all(test));
    }
    return out;
  }

  /** byTestId is the one element with data-testid=id, or null. */
  byTestId(id) {
    return this.all((n) => n.getAttribute('data-testid') === id)[0] ?? null;
  }

  /** byClass is every element that has the class. */
  byClass(name) {
    return this.all((n) => (n.getAttribute('class') ?? '').split(' ').includes(name));
  }
}

/** fakeDocument is a document whose elements are FakeNodes. */
export function fakeDocument() {
  return {
    createElement: (tag) => new FakeNode(tag),
    createTextNode: (text) => new FakeNode(null, text),
  };
}
