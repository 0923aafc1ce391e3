// Parallax's background script has one job: on first install, open the options page
// so the reader can point Parallax at their server and grant access to it. It makes
// no network request and keeps no state: everything else happens in the popup, only
// when the reader clicks. (MV3 workers are stopped when idle; module variables would
// be lost, so there are none.)
import { browser } from './browser.js';

browser.runtime.onInstalled.addListener(({ reason }) => {
  if (reason === 'install') {
    browser.runtime.openOptionsPage().catch((err) => console.warn('parallax: open options:', err));
  }
});
