import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Api, ApiError, MAX_BODY_BYTES, lookupBody, pageBody, utf8Length } from '../../api.js';
import { fakeFetch, json, sentLookup, silent } from './fakes.js';

const URL_ = 'https://www.bbc.co.uk/news/articles/c0bridge';

// A small deterministic PRNG (mulberry32) so the property test is repeatable.
function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Characters of every JSON/UTF-8 cost class: 1-byte, escaped, control, 2-, 3-, 4-byte, lone surrogates.
const ALPHABET = ['a', '<', ' ', '"', '\\', '\n', '\u0001', 'é', 'ß', '€', '中', '😀', '👍🏽', '\ud800', '\udc00'];

describe('lookupBody', () => {
  it('leaves a page that fits untouched', () => {
    const html = '<html><body><p>Short page — “quoted”</p></body></html>';
    const { body, truncated } = lookupBody(URL_, html);
    assert.equal(truncated, false);
    assert.deepEqual(JSON.parse(body), { url: URL_, html });
  });

  it('sends the URL alone when there is no page', () => {
    const { body } = lookupBody(URL_, null);
    assert.deepEqual(JSON.parse(body), { url: URL_ });
  });

  it('cuts a 6 MiB page so the whole body fits the server limit of 5 MiB', () => {
    const html = `<html><body>${'<p>The bridge fell.</p>'.repeat(280_000)}</body></html>`;
    assert.ok(html.length > 6 * 1024 * 1024);
    const { body, truncated } = lookupBody(URL_, html);
    assert.equal(truncated, true);
    const bytes = utf8Length(body);
    assert.ok(bytes <= MAX_BODY_BYTES, `${bytes} > ${MAX_BODY_BYTES}`);
    assert.ok(bytes > MAX_BODY_BYTES - 8, `cut too much: ${bytes}`);
    assert.ok(html.startsWith(JSON.parse(body).html));
  });

  it('counts JSON escapes and multi-byte characters when cutting', () => {
    // Every character here costs more than one byte in the JSON body.
    const html = '"\\\n€😀'.repeat(1_000_000);
    const { body } = lookupBody(URL_, html);
    assert.ok(utf8Length(body) <= MAX_BODY_BYTES);
  });

  it('cuts at the last whole character, never inside a surrogate pair', () => {
    const rand = prng(42);
    for (let run = 0; run < 400; run++) {
      let html = '';
      const n = 50 + Math.floor(rand() * 400);
      for (let i = 0; i < n; i++) html += ALPHABET[Math.floor(rand() * ALPHABET.length)];
      const max = utf8Length(JSON.stringify({ url: URL_, html: '' })) + Math.floor(rand() * 600);
      const { body, truncated } = lookupBody(URL_, html, max);
      const sent = JSON.parse(body).html;
      assert.ok(utf8Length(body) <= max, `run ${run}: ${utf8Length(body)} > ${max}`);
      assert.ok(html.startsWith(sent), `run ${run}: not a prefix`);
      if (!truncated) {
        assert.equal(sent, html);
        continue;
      }
      // Not inside a pair: a cut before a low surrogate would leave its high half alone.
      const next = html.charCodeAt(sent.length);
      const last = sent.charCodeAt(sent.length - 1);
      assert.ok(!(last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff), `run ${run}: split a pair`);
      // The last whole character: one more would not fit.
      const step = next >= 0xd800 && next <= 0xdbff && html.charCodeAt(sent.length + 1) >= 0xdc00 && html.charCodeAt(sent.length + 1) <= 0xdfff ? 2 : 1;
      const more = JSON.stringify({ url: URL_, html: html.slice(0, sent.length + step) });
      assert.ok(utf8Length(more) > max, `run ${run}: cut more than needed`);
    }
  });
});

describe('pageBody', () => {
  const decode = (b) => (typeof b === 'string' ? b : new TextDecoder('utf-8', { fatal: true }).decode(b));

  it('sends a page that fits as it is', () => {
    const html = '<html><body><p>Short page — “quoted” 😀</p></body></html>';
    const { body, truncated } = pageBody(html);
    assert.equal(truncated, false);
    assert.equal(decode(body), html);
  });

  it('cuts a 6 MiB page to the server limit of 5 MiB', () => {
    const html = `<html><body>${'<p>The bridge fell — 中</p>'.repeat(200_000)}</body></html>`;
    assert.ok(utf8Length(html) > MAX_BODY_BYTES);
    const { body, truncated } = pageBody(html);
    assert.equal(truncated, true);
    assert.ok(body.length <= MAX_BODY_BYTES && body.length > MAX_BODY_BYTES - 4, `${body.length} bytes`);
    assert.ok(html.startsWith(decode(body)));
  });

  it('cuts at the last whole character, never inside a surrogate pair', () => {
    const rand = prng(7);
    for (let run = 0; run < 400; run++) {
      let html = '';
      const n = 50 + Math.floor(rand() * 400);
      // Lone surrogates are left out: the browser's serialiser never yields them
      // from a DOM, and encodeInto writes them as U+FFFD.
      for (let i = 0; i < n; i++) html += ALPHABET[Math.floor(rand() * (ALPHABET.length - 2))];
      const max = Math.floor(rand() * 600);
      const { body, truncated } = pageBody(html, max);
      const sent = decode(body); // throws on a split character
      assert.ok(utf8Length(sent) <= max, `run ${run}: ${utf8Length(sent)} > ${max}`);
      assert.ok(html.startsWith(sent), `run ${run}: not a prefix`);
      if (!truncated) {
        assert.equal(sent, html);
        continue;
      }
      const next = html.codePointAt(sent.length);
      assert.ok(utf8Length(html.slice(0, sent.length + (next > 0xffff ? 2 : 1))) > max, `run ${run}: cut more than needed`);
    }
  });
});

describe('Api', () => {
  const page = { url: URL_, html: '<html></html>' };

  it('posts the page as text/html with the URL in the query, without cookies', async () => {
    const fetch = fakeFetch(() => json(200, { article: {}, story: {} }));
    const api = new Api({ serverUrl: 'http://localhost:8080/', fetch, logger: silent() });
    await api.lookup(page);
    assert.equal(fetch.calls.length, 1);
    const { url, init } = fetch.calls[0];
    assert.equal(url, `http://localhost:8080/api/v1/lookup?url=${encodeURIComponent(URL_)}`);
    assert.equal(init.method, 'POST');
    assert.equal(init.headers['Content-Type'], 'text/html; charset=utf-8');
    assert.equal(init.credentials, 'omit');
    assert.ok(init.signal instanceof AbortSignal, 'every call is bounded');
    assert.equal(init.body, page.html);
    assert.equal('Authorization' in init.headers, false, 'no token, no header');
  });

  it('posts a lookup without a page as JSON', async () => {
    const fetch = fakeFetch(() => json(200, { article: {}, story: {} }));
    await new Api({ serverUrl: 'http://localhost:8080', fetch, logger: silent() }).lookup({ url: URL_ });
    const { url, init } = fetch.calls[0];
    assert.equal(url, 'http://localhost:8080/api/v1/lookup');
    assert.equal(init.headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(init.body), { url: URL_ });
  });

  it('posts the page as JSON to a server too old for text/html', async () => {
    // Such a server read every body as JSON, and so refused the page.
    const fetch = fakeFetch((_, init) => (init.headers['Content-Type'] === 'application/json'
      ? json(200, { article: {}, story: {} })
      : json(400, { error: { code: 'invalid_request', message: "The body is not valid JSON: invalid character '<' looking for beginning of value at byte 1." } })));
    await new Api({ serverUrl: 'http://localhost:8080', fetch, logger: silent() }).lookup(page);
    assert.equal(fetch.calls.length, 2);
    assert.deepEqual(sentLookup(fetch.calls[0]), page);
    assert.equal(fetch.calls[1].url, 'http://localhost:8080/api/v1/lookup');
    assert.deepEqual(JSON.parse(fetch.calls[1].init.body), page);
  });

  it('does not post the page again for another refusal', async () => {
    const fetch = fakeFetch(() => json(422, { error: { code: 'not_an_article', message: 'This page does not look like a news article.' } }));
    await assert.rejects(new Api({ serverUrl: 'http://localhost:8080', fetch, logger: silent() }).lookup(page), { code: 'not_an_article' });
    assert.equal(fetch.calls.length, 1);
  });

  it('keeps a path prefix of the server address', async () => {
    const fetch = fakeFetch(() => json(200, { status: 'ready' }));
    await new Api({ serverUrl: 'https://news.example.org/parallax', fetch }).ready();
    assert.equal(fetch.calls[0].url, 'https://news.example.org/parallax/readyz');
    assert.equal(fetch.calls[0].init.method, 'GET');
  });

  it('sends the token as a bearer token', async () => {
    const fetch = fakeFetch(() => json(200, { status: 'ready' }));
    await new Api({ serverUrl: 'http://localhost:8080', token: 's3cret-token', fetch }).ready();
    assert.equal(fetch.calls[0].init.headers.Authorization, 'Bearer s3cret-token');
  });

  const failures = [
    {
      name: 'the server says the page is no article',
      respond: () => json(422, { error: { code: 'not_an_article', message: 'This page does not look like a news article.' } }),
      want: { kind: 'server', status: 422, code: 'not_an_article', message: 'This page does not look like a news article.' },
    },
    {
      name: 'the server wants a token',
      respond: () => json(401, { error: { code: 'unauthorized', message: 'A valid API token is required.' } }),
      want: { kind: 'server', status: 401, code: 'unauthorized', message: 'A valid API token is required.' },
    },
    {
      name: 'the body was too large after all',
      respond: () => json(413, { error: { code: 'body_too_large', message: 'The request body is larger than 5 MiB.' } }),
      want: { kind: 'server', status: 413, code: 'body_too_large', message: 'The request body is larger than 5 MiB.' },
    },
    {
      name: 'a proxy answers an HTML error page',
      respond: () => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
      want: { kind: 'protocol', status: 502, code: '' },
    },
    {
      name: 'a 200 that is not JSON',
      respond: () => new Response('hello', { status: 200 }),
      want: { kind: 'protocol', status: 200, code: '' },
    },
    {
      name: 'the server is down (fetch rejects)',
      respond: () => {
        throw new TypeError('Failed to fetch');
      },
      want: { kind: 'network', status: 0, code: '' },
    },
    {
      name: 'the server does not answer in time',
      respond: () => {
        throw new DOMException('The operation timed out.', 'TimeoutError');
      },
      want: { kind: 'timeout', status: 0, code: '' },
    },
  ];
  for (const tc of failures) {
    it(`maps failure: ${tc.name}`, async () => {
      const api = new Api({ serverUrl: 'http://localhost:8080', fetch: fakeFetch(tc.respond), logger: silent() });
      await assert.rejects(api.lookup(page), (err) => {
        assert.ok(err instanceof ApiError);
        for (const [k, v] of Object.entries(tc.want)) assert.equal(err[k], v, k);
        return true;
      });
    });
  }
});
