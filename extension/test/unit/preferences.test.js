import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerAccess, originPattern } from '../../access.js';
import { Cache } from '../../cache.js';
import { Preferences } from '../../preferences.js';
import { DEFAULTS, Settings, SettingsError, normalizeServerUrl } from '../../settings.js';
import { fakeFetch, json, permissionsArea, silent, storageArea } from './fakes.js';

describe('normalizeServerUrl', () => {
  const ok = [
    ['the default', 'http://localhost:8080', 'http://localhost:8080'],
    ['a trailing slash', 'http://localhost:8080/', 'http://localhost:8080'],
    ['spaces', '  https://parallax.example.org  ', 'https://parallax.example.org'],
    ['a path behind a proxy', 'https://example.org/parallax/', 'https://example.org/parallax'],
    ['query and fragment dropped', 'https://example.org/p?x=1#y', 'https://example.org/p'],
    ['an upper-case host', 'HTTPS://Parallax.Example.ORG', 'https://parallax.example.org'],
    ['the default port dropped', 'https://example.org:443/', 'https://example.org'],
  ];
  for (const [name, input, want] of ok) it(`accepts ${name}`, () => assert.equal(normalizeServerUrl(input), want));
  const bad = [
    ['nothing', '', 'empty'],
    ['no scheme', 'localhost:8080', 'scheme'],
    ['words', 'my server', 'invalid'],
    ['ftp', 'ftp://example.org', 'scheme'],
    ['credentials', 'https://user:pw@example.org', 'credentials'],
  ];
  for (const [name, input, code] of bad) {
    it(`rejects ${name}`, () => assert.throws(() => normalizeServerUrl(input), (e) => e instanceof SettingsError && e.code === code));
  }
});

describe('originPattern', () => {
  it('is exactly the origin in Chrome', () => assert.equal(originPattern('http://localhost:8080'), 'http://localhost:8080/*'));
  it('drops the path', () => assert.equal(originPattern('https://example.org/parallax'), 'https://example.org/*'));
  it('leaves out the port in Firefox, whose match patterns have none', () =>
    assert.equal(originPattern('http://localhost:8080', { portAllowed: false }), 'http://localhost/*'));
});

describe('Settings', () => {
  it('reads defaults on a fresh install: localhost:8080, send the page, no token', async () => {
    const s = await new Settings({ storage: storageArea() }).load();
    assert.deepEqual(s, { serverUrl: 'http://localhost:8080', sendPage: true, token: '' });
    assert.deepEqual(s, { ...DEFAULTS });
  });

  it('ignores stored values of the wrong type', async () => {
    const s = await new Settings({ storage: storageArea({ sendPage: 'yes', serverUrl: 42 }) }).load();
    assert.equal(s.sendPage, true);
    assert.equal(s.serverUrl, 'http://localhost:8080');
  });
});

function setup({ grant = () => true, local = {}, scheme = 'chrome' } = {}) {
  const storage = storageArea(local);
  const session = storageArea();
  const permissions = permissionsArea({ grant });
  const prefs = new Preferences({
    settings: new Settings({ storage }),
    access: new ServerAccess({ permissions, portAllowed: scheme === 'chrome' }),
    cache: new Cache({ storage: session }),
    fetch: fakeFetch(() => json(200, { status: 'ready' })),
    logger: silent(),
  });
  return { prefs, storage, session, permissions };
}

describe('Preferences.save', () => {
  it('stores the settings and asks for exactly the server origin', async () => {
    const { prefs, storage, permissions } = setup();
    const { saved, granted, pattern } = await prefs.save({ serverUrl: 'https://parallax.example.org:8443/', token: ' tok_123 ', sendPage: false });
    assert.deepEqual(saved, { serverUrl: 'https://parallax.example.org:8443', token: 'tok_123', sendPage: false });
    assert.deepEqual(Object.fromEntries(storage.data), saved);
    assert.equal(await granted, true);
    assert.equal(pattern, 'https://parallax.example.org:8443/*');
    assert.deepEqual(permissions.requests, [['https://parallax.example.org:8443/*']], 'one request, one origin, nothing broader');
  });

  it('asks for the host without port in Firefox', async () => {
    const { prefs, permissions } = setup({ scheme: 'firefox' });
    await prefs.save({ serverUrl: 'http://localhost:8080', token: '', sendPage: true });
    assert.deepEqual(permissions.requests, [['http://localhost/*']]);
  });

  it('asks for the permission before anything is awaited (inside the click)', () => {
    const { prefs, permissions } = setup();
    const pending = prefs.save({ serverUrl: 'http://localhost:8080', token: '', sendPage: true });
    assert.equal(permissions.requests.length, 1, 'requested synchronously');
    return pending;
  });

  it('saves even when the reader declines, and says so', async () => {
    const { prefs, storage } = setup({ grant: () => false });
    const { granted } = await prefs.save({ serverUrl: 'http://localhost:9090', token: '', sendPage: true });
    assert.equal(await granted, false);
    assert.equal(storage.data.get('serverUrl'), 'http://localhost:9090');
  });

  it('rejects a bad address before asking or storing anything', async () => {
    const { prefs, storage, permissions } = setup();
    await assert.rejects(prefs.save({ serverUrl: 'localhost:8080', token: '', sendPage: true }), SettingsError);
    await assert.rejects(prefs.save({ serverUrl: 'http://localhost:8080', token: 'two words', sendPage: true }), (e) => e.code === 'token');
    assert.equal(permissions.requests.length, 0);
    assert.equal(storage.data.size, 0);
  });

  it('forgets cached answers when the server changes', async () => {
    const { prefs, session } = setup({ local: { serverUrl: 'http://localhost:8080' } });
    await session.set({ 'lookup:http://localhost:8080 https://example.org/a': { at: Date.now(), value: {} } });
    await prefs.save({ serverUrl: 'http://localhost:9090', token: '', sendPage: true });
    assert.equal(session.data.size, 0);
  });

  it('keeps cached answers when only the switch changes', async () => {
    const { prefs, session } = setup({ local: { serverUrl: 'http://localhost:8080' } });
    await session.set({ 'lookup:http://localhost:8080 https://example.org/a': { at: Date.now(), value: {} } });
    await prefs.save({ serverUrl: 'http://localhost:8080', token: '', sendPage: false });
    assert.equal(session.data.size, 1);
  });
});

describe('Preferences.test', () => {
  it('reports a ready server', async () => {
    const { prefs } = setup();
    assert.deepEqual(await prefs.test({ serverUrl: 'http://localhost:8080', token: '' }), { ok: true });
  });

  it("reports the server's own message when it is not ready", async () => {
    const { prefs } = setup();
    prefs.fetch = fakeFetch(() => json(503, { error: { code: 'store_unavailable', message: 'The story index is unavailable; try again shortly.' } }));
    const r = await prefs.test({ serverUrl: 'http://localhost:8080', token: '' });
    assert.equal(r.ok, false);
    assert.equal(r.kind, 'server');
    assert.equal(r.message, 'The story index is unavailable; try again shortly.');
  });

  it('tells a missing permission apart when the server cannot be reached', async () => {
    const { prefs } = setup();
    prefs.fetch = fakeFetch(() => {
      throw new TypeError('Failed to fetch');
    });
    const r = await prefs.test({ serverUrl: 'http://localhost:8080', token: '' });
    assert.equal(r.kind, 'network');
    assert.equal(r.noPermission, true);
  });
});
