import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cache, TTL_MS, cacheKey } from '../../cache.js';
import { storageArea } from './fakes.js';

const SERVER = 'http://localhost:8080';
const PAGE = 'https://www.theguardian.com/world/2025/mar/01/bridge';

function clock(start = 1_700_000_000_000) {
  const c = () => c.t;
  c.t = start;
  return c;
}

describe('Cache', () => {
  it('keeps answers for ten minutes', () => {
    assert.equal(TTL_MS, 600_000);
  });

  it('returns an answer until it is ten minutes old, then nothing', async () => {
    const now = clock();
    const cache = new Cache({ storage: storageArea(), now });
    await cache.set(SERVER, PAGE, { story: { id: 's1' } });
    assert.deepEqual(await cache.get(SERVER, PAGE), { story: { id: 's1' } });
    now.t += TTL_MS - 1;
    assert.deepEqual(await cache.get(SERVER, PAGE), { story: { id: 's1' } });
    now.t += 1;
    assert.equal(await cache.get(SERVER, PAGE), null);
  });

  it('keeps one answer per page', async () => {
    const cache = new Cache({ storage: storageArea(), now: clock() });
    await cache.set(SERVER, PAGE, { n: 1 });
    await cache.set(SERVER, `${PAGE}-2`, { n: 2 });
    assert.deepEqual(await cache.get(SERVER, PAGE), { n: 1 });
    assert.deepEqual(await cache.get(SERVER, `${PAGE}-2`), { n: 2 });
    assert.equal(await cache.get(SERVER, `${PAGE}-3`), null);
  });

  it('treats URLs differing only in the fragment as one page', async () => {
    const cache = new Cache({ storage: storageArea(), now: clock() });
    await cache.set(SERVER, `${PAGE}#comments`, { n: 1 });
    assert.deepEqual(await cache.get(SERVER, PAGE), { n: 1 });
  });

  it('never answers for another server', async () => {
    const cache = new Cache({ storage: storageArea(), now: clock() });
    await cache.set(SERVER, PAGE, { n: 1 });
    assert.equal(await cache.get('https://parallax.example.org', PAGE), null);
  });

  it('ignores an entry from the future (clock moved back)', async () => {
    const now = clock();
    const cache = new Cache({ storage: storageArea(), now });
    await cache.set(SERVER, PAGE, { n: 1 });
    now.t -= 60_000;
    assert.equal(await cache.get(SERVER, PAGE), null);
  });

  it('drops expired entries and keeps at most maxEntries', async () => {
    const now = clock();
    const storage = storageArea({ unrelated: 1 });
    const cache = new Cache({ storage, now, maxEntries: 3 });
    await cache.set(SERVER, `${PAGE}/old`, { n: 0 });
    now.t += TTL_MS; // /old is now expired
    for (let i = 1; i <= 4; i++) {
      now.t += 1000;
      await cache.set(SERVER, `${PAGE}/${i}`, { n: i });
    }
    const keys = [...storage.data.keys()].sort();
    assert.deepEqual(keys, [cacheKey(SERVER, `${PAGE}/2`), cacheKey(SERVER, `${PAGE}/3`), cacheKey(SERVER, `${PAGE}/4`), 'unrelated'].sort());
  });

  it('clear forgets every answer and nothing else', async () => {
    const storage = storageArea({ unrelated: 1 });
    const cache = new Cache({ storage, now: clock() });
    await cache.set(SERVER, PAGE, { n: 1 });
    await cache.clear();
    assert.equal(await cache.get(SERVER, PAGE), null);
    assert.deepEqual([...storage.data.keys()], ['unrelated']);
  });
});
