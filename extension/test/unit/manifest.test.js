// The packaging facts the browsers and stores check, and every string the code asks for.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { describe, it } from 'node:test';

const root = new URL('../../', import.meta.url);
const read = (p) => readFileSync(new URL(p, root), 'utf8');
const manifest = JSON.parse(read('manifest.json'));
const messages = JSON.parse(read('_locales/en/messages.json'));
const sources = readdirSync(root).filter((f) => /\.(js|html)$/.test(f) && f !== 'web-ext-config.mjs');

function pngSize(path) {
  const b = readFileSync(new URL(path, root));
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG', path);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

describe('manifest', () => {
  it('is Manifest V3 for Chrome and Firefox', () => {
    assert.equal(manifest.manifest_version, 3);
    assert.equal(manifest.background.service_worker, 'background.js', 'Chrome');
    assert.deepEqual(manifest.background.scripts, ['background.js'], 'Firefox');
    assert.match(manifest.browser_specific_settings.gecko.id, /@/);
    // What the popup transmits when clicked, declared for Firefox's consent prompt:
    // the page's address (browsing activity) and, by default, the page (website content).
    assert.deepEqual(manifest.browser_specific_settings.gecko.data_collection_permissions, { required: ['browsingActivity', 'websiteContent'] });
  });

  it('asks only for activeTab, scripting and storage, and for hosts only on demand', () => {
    assert.deepEqual([...manifest.permissions].sort(), ['activeTab', 'scripting', 'storage']);
    assert.equal(manifest.host_permissions, undefined);
    assert.equal(manifest.content_scripts, undefined, 'nothing runs before the click');
    assert.deepEqual(manifest.optional_host_permissions, ['http://*/*', 'https://*/*']);
  });

  it('has a version the stores accept', () => assert.match(manifest.version, /^\d+(\.\d+){0,3}$/));

  it('has icons of the sizes it names', () => {
    for (const [size, path] of Object.entries(manifest.icons)) {
      assert.deepEqual(pngSize(path), [Number(size), Number(size)], path);
    }
    assert.deepEqual(Object.keys(manifest.icons), ['16', '32', '48', '128']);
  });

  it('names only messages that exist', () => {
    const used = JSON.stringify(manifest).match(/__MSG_(\w+)__/g).map((m) => m.slice(6, -2));
    for (const key of used) assert.ok(messages[key], key);
  });
});

describe('strings', () => {
  it('every message the code or pages ask for exists', () => {
    const dynamic = {
      'none_${side}': ['none_left', 'none_center', 'none_right', 'none_unrated'],
      'invalid_${err.code}': ['invalid_empty', 'invalid_invalid', 'invalid_scheme', 'invalid_credentials', 'invalid_token'],
      '${base}_${rule}': ['countArticles_one', 'countArticles_other', 'countOutlets_one', 'countOutlets_other'],
      'basedOnNoneRated_${rule(total)}': ['basedOnNoneRated_one', 'basedOnNoneRated_other'],
      'basedOnAll_${rule(total)}': ['basedOnAll_one', 'basedOnAll_other'],
      'basedOnSome_${rule(b.unrated)}': ['basedOnSome_one', 'basedOnSome_other'],
      'blindspot_${side}': ['blindspot_left', 'blindspot_right'],
      'blindspotWhy_${side}': ['blindspotWhy_left', 'blindspotWhy_right'],
    };
    const missing = [];
    for (const file of sources) {
      const text = read(file);
      const keys = [
        ...[...text.matchAll(/\bt\('(\w+)'/g)].map((m) => m[1]),
        ...[...text.matchAll(/data-i18n="(\w+)"/g)].map((m) => m[1]),
        ...[...text.matchAll(/data-i18n-attr="([^"]+)"/g)].flatMap((m) => m[1].split(';').map((p) => p.split(':')[1])),
        ...[...text.matchAll(/t\(`([^`]+)`/g)].flatMap((m) => dynamic[m[1]] ?? [m[1]]),
        ...[...text.matchAll(/: '((?:bias|fact|own|side)[A-Z]\w+)'/g)].map((m) => m[1]),
      ];
      for (const k of keys) if (!messages[k]) missing.push(`${file}: ${k}`);
    }
    assert.deepEqual(missing, []);
  });

  it('never parses markup: no innerHTML, outerHTML assignment or insertAdjacentHTML', () => {
    for (const file of sources.filter((f) => f.endsWith('.js'))) {
      const text = read(file);
      assert.doesNotMatch(text, /\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write/, file);
    }
  });

  it('makes no request outside the popup and options pages', () => {
    const bg = read('background.js');
    assert.doesNotMatch(bg, /fetch\(|XMLHttpRequest|WebSocket|sendBeacon/);
  });

  it('ships every file the pages load', () => {
    for (const file of sources.filter((f) => f.endsWith('.html'))) {
      for (const m of read(file).matchAll(/(?:src|href)="([^"#:]+)"/g)) {
        assert.ok(existsSync(new URL(m[1], root)), `${file}: ${m[1]}`);
      }
    }
  });
});
