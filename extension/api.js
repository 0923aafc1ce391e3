// The client of the Parallax server's HTTP API (POST /api/v1/lookup, GET /readyz).
// fetch is injected so that tests pass a fake and so that nothing here reaches the
// network on its own.

/**
 * MAX_BODY_BYTES is the server's request body limit (server/api.go maxBodyBytes,
 * 5 MiB, enforced on Content-Length): a larger lookup is answered 413, so the page
 * is cut to fit.
 */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * LOOKUP_TIMEOUT_MS bounds one lookup. A posted page is extracted and matched in
 * well under a second; a URL-only lookup makes the server fetch the page, which the
 * server itself gives up on after 15 s (PARALLAX_FETCH_TIMEOUT), so 20 s lets its
 * own publisher_timeout answer arrive first.
 */
export const LOOKUP_TIMEOUT_MS = 20_000;

/** CORRECT_TIMEOUT_MS bounds a detach or an attach: a few store round trips. */
export const CORRECT_TIMEOUT_MS = 10_000;

/** READY_TIMEOUT_MS bounds the options page's connection test; /readyz answers within 2 s. */
export const READY_TIMEOUT_MS = 5_000;

/**
 * ApiError is every failure of a call. kind is:
 *  - 'network': the server could not be reached (down, wrong address, no permission, CORS);
 *  - 'timeout': no answer in time;
 *  - 'server':  the server answered an error; code and message are its own;
 *  - 'protocol': the server answered something that is not Parallax's JSON.
 */
export class ApiError extends Error {
  constructor(kind, { status = 0, code = '', message = '' } = {}) {
    super(message || kind);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
    this.code = code;
  }
}

const encoder = new TextEncoder();

/** utf8Length is the number of bytes of s encoded as UTF-8. */
export function utf8Length(s) {
  return encoder.encode(s).length;
}

/**
 * jsonCost is how many UTF-8 bytes JSON.stringify spends on the code unit at s[i],
 * or on it and the next one when they form a surrogate pair (the only case costing
 * 4, so a cost of 4 means two code units were consumed). It mirrors ECMA-262
 * QuoteJSONString: '"', '\\' and the short escapes take 2; other control characters
 * and lone surrogates take 6 (\uXXXX).
 */
function jsonCost(s, i) {
  const c = s.charCodeAt(i);
  if (c === 0x22 || c === 0x5c) return 2;
  if (c < 0x20) return c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1); // NaN past the end
    return d >= 0xdc00 && d <= 0xdfff ? 4 : 6;
  }
  if (c >= 0xdc00 && c <= 0xdfff) return 6;
  return 3;
}

/**
 * lookupBody serialises a lookup request so that the whole JSON body fits in
 * maxBytes of UTF-8. When the page does not fit, the HTML is cut at the last whole
 * character that fits (never inside a surrogate pair, so the body stays valid
 * UTF-8); `truncated` says so. The article is near the top of a page, and the server
 * extracts from a cut page as a browser would render it.
 */
export function lookupBody(url, html, maxBytes = MAX_BODY_BYTES) {
  if (html == null) {
    return { body: JSON.stringify({ url }), truncated: false };
  }
  const whole = JSON.stringify({ url, html });
  // Fast path: a UTF-8 string never has more bytes than 3 per code unit.
  if (whole.length * 3 <= maxBytes || utf8Length(whole) <= maxBytes) {
    return { body: whole, truncated: false };
  }
  let budget = maxBytes - utf8Length(JSON.stringify({ url, html: '' }));
  if (budget < 0) {
    return { body: JSON.stringify({ url }), truncated: true };
  }
  let i = 0;
  while (i < html.length) {
    const cost = jsonCost(html, i);
    if (cost > budget) break;
    budget -= cost;
    i += cost === 4 ? 2 : 1;
  }
  return { body: JSON.stringify({ url, html: html.slice(0, i) }), truncated: true };
}

/**
 * pageBody is the rendered page as a text/html lookup body: the page itself, cut to
 * fit maxBytes of UTF-8 when it does not (at the last whole character, never inside
 * a surrogate pair: TextEncoder.encodeInto stops before a character that does not
 * fit, and writes a lone surrogate as U+FFFD). Sent raw, the page costs the server
 * no JSON decoding, which took more of a posted lookup's time than readability.
 */
export function pageBody(html, maxBytes = MAX_BODY_BYTES) {
  // Fast path: a UTF-8 string never has more bytes than 3 per code unit.
  if (html.length * 3 <= maxBytes) return { body: html, truncated: false };
  const buf = new Uint8Array(maxBytes);
  const { read, written } = encoder.encodeInto(html, buf);
  if (read === html.length) return { body: buf.subarray(0, written), truncated: false };
  return { body: buf.subarray(0, written), truncated: true };
}

/**
 * olderServer says whether a failed text/html lookup met a server from before that
 * form, which read every body as JSON: it answers 400 invalid_request to a body that
 * is not JSON, which a server that takes pages never says to a page that is there.
 */
function olderServer(err) {
  return err instanceof ApiError && err.kind === 'server' && err.status === 400 && err.code === 'invalid_request';
}

/** Api calls one Parallax server. */
export class Api {
  /**
   * serverUrl is the server's base URL (settings.normalizeServerUrl); token, when
   * not empty, is sent as `Authorization: Bearer`; fetch is globalThis.fetch or a fake.
   */
  constructor({ serverUrl, token = '', fetch, logger = console }) {
    this.base = serverUrl.replace(/\/+$/, '');
    this.token = token;
    this.fetch = fetch;
    this.logger = logger;
  }

  /**
   * lookup asks the server for the story of the page at url. html, when given, is the
   * rendered page, posted as the text/html body (in JSON to a server too old for
   * that); it is cut to fit the server's body limit. Without it the URL goes alone.
   */
  async lookup({ url, html = null }) {
    if (html !== null && html !== '') {
      const { body, truncated } = pageBody(html);
      if (truncated) this.logger.info?.('parallax: page cut to fit the 5 MiB request limit');
      try {
        return await this.call(`/api/v1/lookup?url=${encodeURIComponent(url)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'text/html; charset=utf-8' },
          body,
        }, LOOKUP_TIMEOUT_MS);
      } catch (err) {
        if (!olderServer(err)) throw err;
        this.logger.info?.('parallax: the server takes no text/html lookups; posting the page as JSON');
      }
    }
    const { body, truncated } = lookupBody(url, html === '' ? null : html);
    if (truncated) this.logger.info?.('parallax: page cut to fit the 5 MiB request limit');
    return this.call('/api/v1/lookup', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    }, LOOKUP_TIMEOUT_MS);
  }

  /**
   * detach takes an article out of a story ("not this story"): the server moves it
   * to a story of its own and answers { outcome, story_id, ... }.
   */
  async detach({ storyId, articleId }) {
    return this.correct(storyId, articleId, 'detach');
  }

  /** attach puts an article back into a story: the undo of detach. */
  async attach({ storyId, articleId }) {
    return this.correct(storyId, articleId, 'attach');
  }

  async correct(storyId, articleId, action) {
    const path = `/api/v1/stories/${encodeURIComponent(storyId)}/articles/${encodeURIComponent(articleId)}/${action}`;
    return this.call(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }, CORRECT_TIMEOUT_MS);
  }

  /** ready asks /readyz whether the server and its store are up. */
  async ready() {
    return this.call('/readyz', { method: 'GET' }, READY_TIMEOUT_MS);
  }

  async call(path, init, timeoutMs) {
    const headers = { Accept: 'application/json', ...init.headers };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let resp;
    try {
      resp = await this.fetch(this.base + path, {
        ...init,
        headers,
        // The server never needs the reader's cookies; the token is the only credential.
        credentials: 'omit',
        cache: 'no-store',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
        throw new ApiError('timeout', { message: `no answer within ${timeoutMs / 1000} s` });
      }
      // fetch rejects with a TypeError for every failure below HTTP: refused
      // connection, DNS, TLS, a missing host permission or CORS. The browser does
      // not tell which, by design.
      throw new ApiError('network', { message: String(err?.message ?? err) });
    }
    let data = null;
    try {
      data = await resp.json();
    } catch {
      // handled below: a proxy's HTML error page, an empty body.
    }
    if (!resp.ok) {
      const e = data?.error;
      if (e && typeof e.code === 'string' && typeof e.message === 'string') {
        throw new ApiError('server', { status: resp.status, code: e.code, message: e.message });
      }
      throw new ApiError('protocol', { status: resp.status, message: `HTTP ${resp.status}` });
    }
    if (data === null || typeof data !== 'object') {
      throw new ApiError('protocol', { status: resp.status, message: 'the answer is not JSON' });
    }
    return data;
  }
}
