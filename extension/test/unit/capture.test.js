import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CAPTURE_CHARS, capturePage, pageHTML } from '../../capture.js';
import { MAX_BODY_BYTES } from '../../api.js';
import { silent } from './fakes.js';

describe('capturePage', () => {
  it('runs pageHTML in the tab with the cap', async () => {
    const calls = [];
    const scripting = {
      async executeScript(opts) {
        calls.push(opts);
        return [{ frameId: 0, result: '<html></html>' }];
      },
    };
    assert.equal(await capturePage({ scripting, tabId: 3 }), '<html></html>');
    assert.deepEqual(calls, [{ target: { tabId: 3 }, func: pageHTML, args: [MAX_CAPTURE_CHARS] }]);
  });

  it('returns null when the browser refuses (no activeTab, browser page)', async () => {
    const scripting = {
      async executeScript() {
        throw new Error('Cannot access a chrome:// URL');
      },
    };
    const logger = silent();
    assert.equal(await capturePage({ scripting, tabId: 3, logger }), null);
    assert.match(logger.lines[0], /chrome:\/\//);
  });

  it('returns null when the script gives no string (a PDF viewer, a frame that went away)', async () => {
    const scripting = { executeScript: async () => [{ frameId: 0, result: null }] };
    assert.equal(await capturePage({ scripting, tabId: 3, logger: silent() }), null);
  });

  it('never captures more characters than the body can carry', () => {
    assert.ok(MAX_CAPTURE_CHARS <= MAX_BODY_BYTES);
  });
});
