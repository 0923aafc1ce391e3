// What the popup draws for a lookup answer, on a fake DOM with the real strings:
// the link to the full story, the blindspot badge, the headline of each side, the
// sentence under the balance bar and the factuality line; and that an older
// server's answer, without the fields of issue 11, still draws all it can.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { coverageView } from '../../coverage.js';
import { translator } from '../../dom.js';
import { Renderer } from '../../render.js';
import { answer, fakeDocument, i18n } from './fakes.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const fixture = (name) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const t = translator(i18n());

/** draw renders an answer as the popup does and returns the root. */
function draw(a, serverUrl = 'http://localhost:8080') {
  const root = globalThis.document.createElement('main');
  new Renderer({ root, t, locale: 'en', onOptions: () => {}, onRetry: () => {} }).coverage(coverageView(a, { now: NOW, locale: 'en', serverUrl }));
  return root;
}

describe('Renderer.coverage', () => {
  before(() => {
    globalThis.document = fakeDocument();
  });

  describe('an answer with the fields of issue 11', () => {
    let root;
    before(() => {
      root = draw(fixture('answer-story-pages.json'), 'https://example.org/parallax');
    });

    it("links to the full story on the reader's server, in a new tab", () => {
      const a = root.byTestId('story-link');
      assert.equal(a.tagName, 'A');
      assert.equal(a.getAttribute('href'), 'https://example.org/parallax/stories/st_7Qx2kP9d');
      assert.equal(a.getAttribute('target'), '_blank');
      assert.equal(a.getAttribute('rel'), 'noopener');
      assert.equal(a.textContent, 'Open the full story↗');
    });

    it('shows the blindspot as a disclosure with the reason inside, on hover too', () => {
      const d = root.byTestId('blindspot');
      assert.equal(d.tagName, 'DETAILS', 'a disclosure: keyboards and screen readers open it');
      assert.equal(d.getAttribute('data-side'), 'left');
      const [summary, reason] = d.children;
      assert.equal(summary.tagName, 'SUMMARY', 'its first child is the control');
      assert.equal(summary.textContent, 'Blindspot: hardly covered by the left');
      assert.equal(summary.getAttribute('title'), fixture('answer-story-pages.json').story.blindspot.reason);
      assert.equal(reason.textContent, summary.getAttribute('title'));
      assert.equal(summary.children[0].getAttribute('aria-hidden'), 'true', 'the marker shape is not read out');
    });

    it('puts the three sides side by side, then the summary, before the balance and the full list', () => {
      const sections = root.children.map((c) => c.getAttribute('class'));
      assert.deepEqual(sections, ['outlet', 'story', 'leads-section', 'summary-section', 'balance', 'coverage-section']);
      const rows = root.byTestId('leads').byClass('lead').map((li) => [li.getAttribute('data-side'), li.textContent]);
      assert.deepEqual(rows, [
        ['left', 'LeftNo left-leaning outlet has covered this story yet.'],
        ['center', 'CenterReuters3 hours agoUK opens inquiry into harbour tunnel contract'],
        ['right', 'RightThe Telegraph1 hour agoMinister faces inquiry over £2bn harbour tunnel contract'],
      ]);
      const link = root.byTestId('lead-right').byClass('lead-link')[0];
      assert.equal(link.tagName, 'A');
      assert.equal(link.getAttribute('href'), 'https://www.telegraph.co.uk/news/2025/03/01/harbour-tunnel-contract-inquiry/');
      assert.equal(link.getAttribute('target'), '_blank');
    });

    it("says under the bar what it rests on, in the server's words", () => {
      const section = root.byClass('balance')[0];
      const names = section.children.map((c) => c.getAttribute('data-testid') ?? c.getAttribute('class'));
      assert.deepEqual(names.slice(1, 3), ['balance-bar', 'balance-note'], 'the sentence follows the bar');
      assert.equal(root.byTestId('balance-note').textContent, 'Based on 6 of 8 outlets; 2 are unrated.');
      assert.equal(root.byTestId('balance-bar').getAttribute('aria-describedby'), 'balance-note');
    });

    it('shows the factuality spread in one line', () => {
      assert.equal(root.byTestId('factuality-spread').textContent, 'Factuality: 1 very high · 4 high · 1 mixed · 2 unrated');
    });
  });

  describe('the same story from an older server', () => {
    let root;
    before(() => {
      root = draw(fixture('answer-older-server.json'));
    });

    it('has no blindspot badge', () => assert.equal(root.byTestId('blindspot'), null));

    it('makes the based-on sentence from the counts', () => {
      assert.equal(root.byTestId('balance-note').textContent, 'Based on 6 of 8 outlets; 2 are unrated.');
    });

    it('counts the factuality itself, the same as the server', () => {
      assert.equal(root.byTestId('factuality-spread').textContent, 'Factuality: 1 very high · 4 high · 1 mixed · 2 unrated');
    });

    it('still links to the full story and compares the sides', () => {
      assert.equal(root.byTestId('story-link').getAttribute('href'), 'http://localhost:8080/stories/st_7Qx2kP9d');
      assert.equal(root.byTestId('leads').byClass('lead').length, 3);
    });
  });

  it('draws no link for an answer without a story id', () => {
    const a = answer({
      current: 'https://www.bbc.co.uk/news/articles/c0bridge',
      balance: { left: 1, center: 1, right: 0, unrated: 0, rated: 2, left_pct: 50, center_pct: 50, right_pct: 0 },
      rows: [
        { url: 'https://www.bbc.co.uk/news/articles/c0bridge', domain: 'bbc.co.uk', outlet: { id: 'bbc-news', name: 'BBC News', bias: 'center', factuality: 'high' } },
        { url: 'https://www.theguardian.com/world/bridge', domain: 'theguardian.com', outlet: { id: 'guardian', name: 'The Guardian', bias: 'lean-left', factuality: 'mixed' } },
      ],
    });
    delete a.story.id;
    const root = draw(a);
    assert.equal(root.byTestId('story-link'), null);
    assert.equal(root.byTestId('story-counts').textContent, '2 articles · 2 outlets');
    assert.equal(root.byTestId('balance-note').textContent, 'Based on all 2 outlets, each counted once.');
    // The article being read is its side's only one: shown, marked, not linked.
    const center = root.byTestId('lead-center').byClass('lead-link')[0];
    assert.equal(center.tagName, 'DIV');
    assert.equal(center.byClass('lead-current')[0].textContent, 'You are reading this');
  });

  it("says when the article is the reader's own unverified post, and draws its would-be story uncounted", () => {
    const a = answer({
      current: 'https://www.bbc.co.uk/news/articles/c0bridge',
      balance: { left: 0, center: 0, right: 0, unrated: 0, rated: 0, left_pct: 0, center_pct: 0, right_pct: 0 },
      rows: [],
    });
    a.article.verified = false;
    a.story.id = '';
    const root = draw(a);
    assert.match(root.byTestId('unverified-note').textContent, /^Only you see this article/);
    assert.equal(root.byTestId('story-link'), null);
    assert.equal(root.byTestId('story-counts').textContent, '0 articles · 0 outlets');
    a.article.verified = true;
    assert.equal(draw(a).byTestId('unverified-note'), null);
  });
});
