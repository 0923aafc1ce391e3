// The story in brief in the popup: the server's summary bullets, collapsed to the
// first two with a toggle for the rest, each with its outlet and side linked to the
// article it quotes; nothing from an older server that sends none.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { coverageView, summaryOf } from '../../coverage.js';
import { translator } from '../../dom.js';
import { Renderer } from '../../render.js';
import { fakeDocument, i18n } from './fakes.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const fixture = (name) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const t = translator(i18n());

function draw(a) {
  const root = globalThis.document.createElement('main');
  new Renderer({ root, t, locale: 'en', onOptions: () => {}, onRetry: () => {} }).coverage(coverageView(a, { now: NOW, locale: 'en', serverUrl: 'http://localhost:8080' }));
  return root;
}

describe('summaryOf', () => {
  const cases = [
    ['an older server sends none', undefined, []],
    ['null', null, []],
    ['bullets without text are dropped', [{ text: '  ', url: 'https://a.example/1' }, { text: 'Kept.', url: 'https://a.example/2', domain: 'a.example', side: 'left', outlet: null }], [{ text: 'Kept.', href: 'https://a.example/2', outletName: 'a.example', side: 'left' }]],
    ['no javascript: link', [{ text: 'One.', url: 'javascript:alert(1)', domain: 'x.example', side: 'center', outlet: { name: 'X' } }], [{ text: 'One.', href: null, outletName: 'X', side: 'center' }]],
    ['a side the extension does not know is read from the bias', [{ text: 'Two.', url: 'https://b.example/', side: 'sideways', outlet: { name: 'B', bias: 'lean-right' } }], [{ text: 'Two.', href: 'https://b.example/', outletName: 'B', side: 'right' }]],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => assert.deepEqual(summaryOf(input), want));
  }
});

describe('the summary in the popup', () => {
  before(() => {
    globalThis.document = fakeDocument();
  });

  it('comes after the headlines, before the balance, with the first two bullets shown', () => {
    const root = draw(fixture('answer-story-pages.json'));
    const sections = root.children.map((c) => c.getAttribute('class'));
    assert.deepEqual(sections, ['outlet', 'story', 'leads-section', 'summary-section', 'balance', 'coverage-section']);
    const items = root.byTestId('summary').byClass('summary-item');
    assert.equal(items.length, 4);
    assert.deepEqual(items.map((li) => li.hidden), [false, false, true, true]);
    const first = items[0];
    assert.equal(first.byClass('summary-text')[0].textContent, fixture('answer-story-pages.json').story.summary[0].text);
    const link = first.byClass('summary-source')[0];
    assert.equal(link.tagName, 'A');
    assert.equal(link.getAttribute('href'), 'https://www.telegraph.co.uk/news/2025/03/01/harbour-tunnel-contract-inquiry/');
    assert.equal(link.getAttribute('target'), '_blank');
    assert.equal(link.textContent, 'RightThe Telegraph');
    // An outlet the registry does not know: its domain, unrated.
    assert.equal(items[3].byClass('summary-source')[0].textContent, 'Unratedharbour-gazette.co.uk');
  });

  it('shows all bullets on the toggle and collapses them again', () => {
    const root = draw(fixture('answer-story-pages.json'));
    const toggle = root.byTestId('summary-toggle');
    const items = root.byTestId('summary').byClass('summary-item');
    assert.equal(toggle.textContent, 'Show all 4');
    assert.equal(toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(toggle.getAttribute('aria-controls'), 'summary-list');
    toggle.listeners.click[0]();
    assert.deepEqual(items.map((li) => li.hidden), [false, false, false, false]);
    assert.equal(toggle.getAttribute('aria-expanded'), 'true');
    assert.equal(toggle.textContent, 'Show fewer');
    toggle.listeners.click[0]();
    assert.deepEqual(items.map((li) => li.hidden), [false, false, true, true]);
    assert.equal(toggle.textContent, 'Show all 4');
  });

  it('has no toggle with two bullets or fewer', () => {
    const a = fixture('answer-story-pages.json');
    a.story.summary = a.story.summary.slice(0, 2);
    const root = draw(a);
    assert.equal(root.byTestId('summary-toggle'), null);
    assert.deepEqual(root.byTestId('summary').byClass('summary-item').map((li) => li.hidden), [false, false]);
  });

  it('is left out when an older server sends none', () => {
    const root = draw(fixture('answer-older-server.json'));
    assert.equal(root.byTestId('summary'), null);
  });
});
