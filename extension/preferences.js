// What the options page does, without its DOM: save the settings and ask for access
// to exactly the reader's server, and test the connection.
import { Api, ApiError } from './api.js';
import { normalizeServerUrl, normalizeToken } from './settings.js';

/** Preferences saves settings and tests connections. Collaborators come in through the constructor. */
export class Preferences {
  /**
   * settings is a settings.Settings, access an access.ServerAccess, cache a
   * cache.Cache, fetch globalThis.fetch or a fake.
   */
  constructor({ settings, access, cache, fetch, logger = console }) {
    this.settings = settings;
    this.access = access;
    this.cache = cache;
    this.fetch = fetch;
    this.logger = logger;
  }

  /**
   * save validates the form, asks for host access to the server and stores the
   * settings. It resolves, once stored, to { saved, pattern, granted } where granted
   * is a promise of the reader's answer to the permission prompt (which may stay open
   * long after the settings are stored). Invalid input rejects with a
   * settings.SettingsError before anything is asked or stored.
   *
   * The permission request is made before the first await: browsers grant
   * permissions.request only while handling the click (Firefox strictly so).
   */
  async save({ serverUrl, token, sendPage }) {
    const url = normalizeServerUrl(serverUrl);
    normalizeToken(token);
    const pattern = this.access.pattern(url);
    const asked = this.access.request(url).catch((err) => {
      this.logger.warn?.('parallax: permission request:', err);
      return false;
    });
    const before = await this.settings.load();
    const saved = await this.settings.save({ serverUrl: url, token, sendPage });
    if (before.serverUrl !== saved.serverUrl || before.token !== saved.token) {
      // Answers from another server, or given to another token, must not show.
      await this.cache.clear();
    }
    return { saved, pattern, granted: asked };
  }

  /**
   * test asks the server's /readyz with the form's values (saved or not) and
   * resolves to { ok: true } or { ok: false, kind, message, code, noPermission }.
   */
  async test({ serverUrl, token }) {
    const url = normalizeServerUrl(serverUrl);
    const api = new Api({ serverUrl: url, token: normalizeToken(token), fetch: this.fetch, logger: this.logger });
    try {
      await api.ready();
      return { ok: true };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const noPermission = err.kind === 'network' ? !(await this.access.has(url).catch(() => true)) : false;
      return { ok: false, kind: err.kind, message: err.message, code: err.code, status: err.status, noPermission };
    }
  }
}
