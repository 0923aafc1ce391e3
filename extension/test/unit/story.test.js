// The popup's view of the story fields added for issue 11 ("Story pages"), from a
// server that sends them (test/fixtures/answer-story-pages.json) and from one that
// does not (answer-older-server.json: the same story as a server before issue 11
// answers it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { blindspotOf, coverageView, factualitySpread, leadOf, storyPageUrl } from '../../coverage.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const SERVER = 'http://localhost:8080';
const fixture = (name) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const NEW = fixture('answer-story-pages.json');
const OLD = fixture('answer-older-server.json');
const view = (a, serverUrl = SERVER) => coverageView(a, { now: NOW, locale: 'en', serverUrl });

describe('the story fields of issue 11', () => {
  it('the fixtures differ only by the new fields', () => {
    // summary is issue 12's (test/unit/summary.test.js).
    assert.deepEqual(Object.keys(NEW.story).filter((k) => !(k in OLD.story)).sort(), ['balance_note', 'blindspot', 'factuality', 'first_published', 'ownership', 'summary', 'timeline']);
    assert.ok(OLD.story.articles.every((a) => !('excerpt' in a) && !(a.outlet && 'ownership' in a.outlet)));
  });

  for (const [name, answer] of [['a server that sends them', NEW], ['an older server', OLD]]) {
    describe(`from ${name}`, () => {
      const v = view(answer);

      it("links to the story's page on the reader's server", () => {
        assert.equal(v.story.pageUrl, 'http://localhost:8080/stories/st_7Qx2kP9d');
      });

      it("picks each side's latest headline, skipping the one being read and copies", () => {
        const brief = (e) => e && [e.outletName, e.title, e.when, e.isCurrent];
        assert.equal(v.leads.left, null, 'no left-leaning outlet covers it');
        // The BBC article is the one being read: the center shows Reuters.
        assert.deepEqual(brief(v.leads.center), ['Reuters', 'UK opens inquiry into harbour tunnel contract', '3 hours ago', false]);
        // GB News is newer but carries The Telegraph's text: the right shows The Telegraph's own.
        assert.deepEqual(brief(v.leads.right), ['The Telegraph', 'Minister faces inquiry over £2bn harbour tunnel contract', '1 hour ago', false]);
        assert.equal(v.leads.unrated, undefined, 'the comparison has the three sides only');
      });

      it('counts the factuality of each outlet once, best first', () => {
        assert.deepEqual(v.factuality, [
          { value: 'very-high', count: 1 },
          { value: 'high', count: 4 },
          { value: 'mixed', count: 1 },
          { value: 'unrated', count: 2 },
        ]);
      });
    });
  }

  it("keeps the server's blindspot and balance note", () => {
    const v = view(NEW);
    assert.deepEqual(v.story.blindspot, { side: 'left', reason: NEW.story.blindspot.reason });
    assert.equal(v.balance.note, 'Based on 6 of 8 outlets; 2 are unrated.');
  });

  it('has neither from an older server', () => {
    const v = view(OLD);
    assert.equal(v.story.blindspot, null);
    assert.equal(v.balance.note, null, 'the popup then writes the sentence itself');
  });

  it("uses the server's factuality when it sends one, even where the articles say otherwise", () => {
    const a = structuredClone(NEW);
    a.story.factuality = [{ value: 'high', count: 7 }, { value: 'unrated', count: 1 }];
    assert.deepEqual(view(a).factuality, [{ value: 'high', count: 7 }, { value: 'unrated', count: 1 }]);
  });
});

describe('storyPageUrl', () => {
  const cases = [
    ['a plain server', SERVER, 's1', 'http://localhost:8080/stories/s1'],
    ['a server behind a proxy path', 'https://example.org/parallax', 's1', 'https://example.org/parallax/stories/s1'],
    ['a trailing slash', 'https://example.org/parallax/', 's1', 'https://example.org/parallax/stories/s1'],
    ['an id that needs escaping', SERVER, 'a/b c?d', 'http://localhost:8080/stories/a%2Fb%20c%3Fd'],
    ['no id', SERVER, '', null],
    ['an id that is no string', SERVER, 42, null],
    ['no server', '', 's1', null],
    ['a server that is not http', 'javascript:alert(1)//', 's1', null],
  ];
  for (const [name, server, id, want] of cases) it(name, () => assert.equal(storyPageUrl(server, id), want));
});

describe('blindspotOf', () => {
  const cases = [
    ['left', { side: 'left', reason: ' Few on the left. ' }, { side: 'left', reason: 'Few on the left.' }],
    ['right without a reason', { side: 'right' }, { side: 'right', reason: '' }],
    ['null', null, null],
    ['missing', undefined, null],
    ['a side that cannot miss a story', { side: 'center', reason: 'x' }, null],
    ['no side', { reason: 'x' }, null],
    ['a string', 'left', null],
  ];
  for (const [name, b, want] of cases) it(name, () => assert.deepEqual(blindspotOf(b), want));
});

describe('factualitySpread', () => {
  it('drops malformed counts and folds values it does not know into unknown, last', () => {
    const got = factualitySpread({
      factuality: [{ value: 'satire', count: 1 }, { value: 'low', count: 2 }, { value: 'high', count: 0 }, { value: 'mixed', count: '3' }, null, { value: 'tabloid', count: 2 }, { value: 'very-high', count: 1 }],
      articles: [],
    });
    assert.deepEqual(got, [{ value: 'very-high', count: 1 }, { value: 'low', count: 2 }, { value: 'unknown', count: 3 }]);
  });

  it('counts from the articles an outlet once, and an unlisted outlet once per domain', () => {
    const got = factualitySpread({
      articles: [
        { url: 'https://a.example/1', domain: 'a.example', outlet: { id: 'a', factuality: 'high' } },
        { url: 'https://a.example/2', domain: 'a.example', outlet: { id: 'a', factuality: 'high' } },
        { url: 'https://b.example/1', domain: 'b.example', outlet: { id: 'b', factuality: null } },
        { url: 'https://c.example/1', domain: 'c.example', outlet: null },
        { url: 'https://c.example/2', domain: 'c.example', outlet: null },
        { url: 'https://www.d.example/1', domain: '', outlet: null },
      ],
    });
    assert.deepEqual(got, [{ value: 'high', count: 1 }, { value: 'unrated', count: 3 }]);
  });

  it('is empty for an empty story', () => assert.deepEqual(factualitySpread({ articles: [] }), []));
});

describe('leadOf', () => {
  const e = (name, { isCurrent = false, copyOf = null } = {}) => ({ outletName: name, isCurrent, copyOf });
  const cases = [
    ['the first of the group', [e('A'), e('B')], 'A'],
    ['not the one being read', [e('A', { isCurrent: true }), e('B')], 'B'],
    ['not a copy', [e('A', { copyOf: 'B' }), e('B')], 'B'],
    ['a copy rather than the one being read', [e('A', { isCurrent: true }), e('C', { copyOf: 'A' })], 'C'],
    ['the one being read when it is all there is', [e('A', { isCurrent: true })], 'A'],
  ];
  for (const [name, entries, want] of cases) it(name, () => assert.equal(leadOf(entries).outletName, want));
  it('null for a side without coverage', () => assert.equal(leadOf([]), null));
});
