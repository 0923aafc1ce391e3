// The options page: server address, API token, "send the page" switch, connection test.
import { serverAccess } from './access.js';
import { browser } from './browser.js';
import { Cache } from './cache.js';
import { localize, translator } from './dom.js';
import { Preferences } from './preferences.js';
import { Settings, SettingsError } from './settings.js';

const t = translator(browser.i18n);
const form = document.getElementById('form');
const status = document.getElementById('status');
const fields = {
  serverUrl: document.getElementById('server-url'),
  token: document.getElementById('token'),
  sendPage: document.getElementById('send-page'),
};

const settings = new Settings({ storage: browser.storage.local });
const access = serverAccess(browser);
const prefs = new Preferences({
  settings,
  access,
  cache: new Cache({ storage: browser.storage.session }),
  fetch: globalThis.fetch.bind(globalThis),
});

function values() {
  return { serverUrl: fields.serverUrl.value, token: fields.token.value, sendPage: fields.sendPage.checked };
}

function say(kind, text) {
  status.dataset.kind = kind;
  status.textContent = text;
}

function invalid(err) {
  if (!(err instanceof SettingsError)) throw err;
  const input = err.code === 'token' ? fields.token : fields.serverUrl;
  input.setAttribute('aria-invalid', 'true');
  input.focus();
  say('error', t(`invalid_${err.code}`));
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  for (const input of Object.values(fields)) input.removeAttribute('aria-invalid');
  // No await before prefs.save: the permission request must stay inside the click.
  prefs.save(values()).then(
    async ({ saved, granted }) => {
      fields.serverUrl.value = saved.serverUrl;
      say('ok', t('saved'));
      const yes = await granted;
      say(yes ? 'ok' : 'warn', yes ? t('savedGranted', saved.serverUrl) : t('savedNotGranted', saved.serverUrl));
    },
    (err) => invalid(err),
  );
});

document.getElementById('test').addEventListener('click', async () => {
  for (const input of Object.values(fields)) input.removeAttribute('aria-invalid');
  say('busy', t('testing'));
  let result;
  try {
    result = await prefs.test(values());
  } catch (err) {
    return invalid(err);
  }
  if (result.ok) return say('ok', t('testOk'));
  if (result.kind === 'network') {
    return say('error', `${t('testUnreachable', fields.serverUrl.value.trim())} ${result.noPermission ? t('testNoPermission') : ''}`.trim());
  }
  if (result.kind === 'timeout') return say('error', t('timeoutBody'));
  if (result.kind === 'protocol') return say('error', t('protocolBody', result.status));
  return say('error', t('testServerError', result.message));
});

localize(document, t);
settings.load().then((s) => {
  fields.serverUrl.value = s.serverUrl;
  fields.token.value = s.token;
  fields.sendPage.checked = s.sendPage;
});
