// The lookup cache: a popup reopened on the same page within ten minutes shows the
// answer it already had, without a second request. It lives in storage.session, which
// the browser keeps in memory and clears when it quits, so the list of pages a reader
// looked up never reaches the disk.
import { withoutFragment } from './coverage.js';

/** TTL_MS is how long an answer is reused: long enough for rereading, short enough that new coverage shows. */
export const TTL_MS = 10 * 60 * 1000;

/**
 * MAX_ENTRIES bounds the cache. A lookup answer holds up to 200 coverage entries
 * (~60 KB); Chrome gives storage.session 10 MB, so 50 entries stay well inside it.
 */
export const MAX_ENTRIES = 50;

const PREFIX = 'lookup:';

/**
 * cacheKey names the entry of one page looked up on one server. The fragment is
 * dropped (it never changes the article); the server is part of the key so that
 * switching servers never shows the other server's answer.
 */
export function cacheKey(serverUrl, pageUrl) {
  return `${PREFIX}${serverUrl} ${withoutFragment(pageUrl)}`;
}

/** Cache keeps lookup answers for TTL_MS. */
export class Cache {
  /** `storage` is browser.storage.session (or a fake); `now` returns milliseconds. */
  constructor({ storage, now = Date.now, ttlMs = TTL_MS, maxEntries = MAX_ENTRIES }) {
    this.storage = storage;
    this.now = now;
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  /** get returns the answer stored for the page, or null when none is fresh. */
  async get(serverUrl, pageUrl) {
    const key = cacheKey(serverUrl, pageUrl);
    const got = await this.storage.get(key);
    const entry = got[key];
    if (!entry || typeof entry.at !== 'number') return null;
    const age = this.now() - entry.at;
    if (age < 0 || age >= this.ttlMs) return null;
    return entry.value;
  }

  /** set stores an answer, dropping expired entries and the oldest beyond maxEntries. */
  async set(serverUrl, pageUrl, value) {
    const now = this.now();
    const all = await this.storage.get(null);
    const live = [];
    const drop = [];
    for (const [key, entry] of Object.entries(all)) {
      if (!key.startsWith(PREFIX)) continue;
      const age = now - (entry?.at ?? 0);
      if (age < 0 || age >= this.ttlMs) drop.push(key);
      else live.push([key, entry.at]);
    }
    const key = cacheKey(serverUrl, pageUrl);
    const others = live.filter(([k]) => k !== key).sort((a, b) => b[1] - a[1]);
    for (const [k] of others.slice(this.maxEntries - 1)) drop.push(k);
    if (drop.length > 0) await this.storage.remove(drop);
    await this.storage.set({ [key]: { at: now, value } });
  }

  /** clear forgets every answer (after the reader changes servers or token). */
  async clear() {
    const all = await this.storage.get(null);
    const keys = Object.keys(all).filter((k) => k.startsWith(PREFIX));
    if (keys.length > 0) await this.storage.remove(keys);
  }
}
