// Settings: where the reader's Parallax server is, the optional API token, and whether
// the popup sends the rendered page. Kept in storage.local (never storage.sync: the
// server address and token belong to this browser, not to every device of the account).

/** The server a fresh install talks to: `go run ./server` listens here. */
export const DEFAULT_SERVER_URL = 'http://localhost:8080';

/** The defaults of every setting; a missing key reads as its default. */
export const DEFAULTS = Object.freeze({
  serverUrl: DEFAULT_SERVER_URL,
  // Sending the rendered page is what makes paywalled and logged-in pages work and
  // spares the server a fetch; readers can switch it off and send the URL only.
  sendPage: true,
  token: '',
});

/** Thrown by normalizeServerUrl for an address Parallax cannot use. */
export class SettingsError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'SettingsError';
    this.code = code;
  }
}

/**
 * normalizeServerUrl turns what a reader typed into the server's base URL: an
 * absolute http(s) URL without query, fragment, credentials or trailing slash.
 * A path is kept so that a server behind a reverse proxy at /parallax works.
 */
export function normalizeServerUrl(input) {
  const raw = String(input ?? '').trim();
  if (raw === '') throw new SettingsError('empty', 'empty server URL');
  let u;
  try {
    u = new URL(raw);
  } catch {
    throw new SettingsError('invalid', `not a URL: ${raw}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new SettingsError('scheme', `not http or https: ${raw}`);
  }
  if (u.username || u.password) {
    // Credentials in the URL would be stored and sent in clear; the token field exists for this.
    throw new SettingsError('credentials', 'put the token in the token field, not in the URL');
  }
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${path}`;
}

/**
 * normalizeToken trims a pasted API token and checks it can travel in an HTTP header:
 * RFC 6750's bearer token is visible ASCII, and fetch throws on anything else.
 */
export function normalizeToken(input) {
  const token = String(input ?? '').trim();
  if (!/^[\x21-\x7e]*$/.test(token)) {
    throw new SettingsError('token', 'the token may hold only visible ASCII characters');
  }
  return token;
}

/**
 * Settings reads and writes the reader's settings.
 * `storage` is browser.storage.local (or a fake with get/set).
 */
export class Settings {
  constructor({ storage }) {
    this.storage = storage;
  }

  /** load returns every setting, defaults filled in. */
  async load() {
    const got = await this.storage.get(Object.keys(DEFAULTS));
    const out = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS)) {
      if (got[key] !== undefined && typeof got[key] === typeof DEFAULTS[key]) out[key] = got[key];
    }
    return out;
  }

  /**
   * save validates and stores the given settings; it returns what was stored.
   * The token is trimmed; an empty token means "no token".
   */
  async save({ serverUrl, token, sendPage }) {
    const value = {
      serverUrl: normalizeServerUrl(serverUrl),
      token: normalizeToken(token),
      sendPage: Boolean(sendPage),
    };
    await this.storage.set(value);
    return value;
  }
}
