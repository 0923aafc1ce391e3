// End-to-end: the server's story pages as a reader sees them, in Debian's headless
// Chromium, against the real server built from ./server. Three stories are posted
// through POST /api/v1/lookup: the extension's three publisher fixtures (one event,
// one outlet per side), one BASIL event as Fox News, The New York Times and HuffPost
// reported it, and a one-sided story (another BASIL event's texts under the article
// URLs of six right-leaning outlets and one unrated one). The test reads the pages
// a reader opens, takes screenshots at 390 and 1280 px, light and dark, and runs
// axe-core on every page. Run with `npm run test:e2e`.
//
// BASIL is read at run time from the shared data (see harness.js sharedData):
// without it the test skips and says why, except in CI (CI=true), where it fails.
// Without /usr/bin/chromium it fails, unless PARALLAX_E2E_OPTIONAL=1.
//
// Screenshots go to test/artifacts/pages/. UPDATE_SCREENSHOTS=1 also rewrites the
// committed ones in test/e2e/testdata/screenshots/ (the README shows one); they are
// never compared pixel by pixel, since fonts differ from machine to machine.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ARTICLES, ARTIFACTS_DIR, CHROMIUM, ParallaxServer, articlePage, buildServer, fixturePage, lookup,
  readJSONL, sharedData,
} from './harness.js';

const optional = process.env.PARALLAX_E2E_OPTIONAL === '1';
const ci = process.env.CI === 'true';
const missingBrowser = !existsSync(CHROMIUM);
const basil = sharedData('story-clustering/basil-triplets');
let skip = false;
if (missingBrowser && optional) skip = `${CHROMIUM} is missing and PARALLAX_E2E_OPTIONAL=1: skipping the story pages' end-to-end test`;
else if (basil.missing && !ci) skip = `skipping the story pages' end-to-end test: ${basil.missing}`;
if (skip) console.log(`# ${skip}`);

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const AXE_VERSION = require('axe-core/package.json').version;
const SHOTS_DIR = join(ARTIFACTS_DIR, 'pages');
const COMMITTED_SHOTS_DIR = fileURLToPath(new URL('./testdata/screenshots/', import.meta.url));
const updateShots = process.env.UPDATE_SCREENSHOTS === '1';
// The widths a reader's phone and desktop show the pages at, with a viewport height
// that keeps each screenshot small (the committed ones are in the repository).
const VIEWPORTS = { 390: { width: 390, height: 844 }, 1280: { width: 1280, height: 720 } };
// The page background of each theme (--bg in internal/web/assets/style.css).
const BACKGROUND = { light: 'rgb(255, 255, 255)', dark: 'rgb(18, 19, 23)' };

// The BASIL event whose three articles make the story page: the F.B.I. fires Peter
// Strzok (13 Aug 2018), one article each by HuffPost (left), The New York Times
// (lean left) and Fox News (right).
const BASIL_EVENT = '2a3fde8a-082a-4d8f-9567-f7e8366c0200';
// The event of the one-sided story: Representative Duncan Hunter is indicted
// (21 Aug 2018). Its three texts are posted under the URLs of six right-leaning
// outlets whose factuality is better than mixed (so stories.BlindspotOf's
// factuality gate does not hide it) and of one unrated local paper: a blindspot
// for the left (at least 5 rated outlets, none of them left, all right), resting
// on 6 of 7 outlets. Each entry: outlet id, its article URL for a slug, the BASIL
// source whose text it carries. The 4th to 7th carry a text posted before, so they
// are copies, as wire stories are.
const ONE_SIDED_EVENT = 'eb17fa36-89f2-4d0b-8133-7bb4682228e1';
const ONE_SIDED = [
  ['national-review', (s) => `https://www.nationalreview.com/news/${s}/`, 'fox'],
  ['reason', (s) => `https://reason.com/2018/08/21/${s}/`, 'nyt'],
  ['washington-free-beacon', (s) => `https://freebeacon.com/politics/${s}/`, 'hpo'],
  ['boston-herald', (s) => `https://www.bostonherald.com/2018/08/21/${s}/`, 'fox'],
  ['detroit-news', (s) => `https://www.detroitnews.com/story/news/politics/2018/08/21/${s}/`, 'nyt'],
  ['las-vegas-review-journal', (s) => `https://www.reviewjournal.com/news/politics-and-government/${s}/`, 'hpo'],
  ['san-diego-union-tribune', (s) => `https://www.sandiegouniontribune.com/news/politics/${s}/`, 'fox'],
];
const UNRATED = 'san-diego-union-tribune';
const SITE = { fox: 'Fox News', nyt: 'The New York Times', hpo: 'HuffPost' };
const FACTUAL = ['very-high', 'high', 'mostly-factual'];

const slug = (title) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
/** label is how the pages word a registry value (internal/web label): "mostly-factual" → "Mostly factual". */
const label = (v) => v.replaceAll('-', ' ').replace(/^./, (c) => c.toUpperCase());

// The whole suite's bound: the server build, eleven lookups, some thirty page loads
// and fourteen axe-core runs take about 70 s on the 2-core development machine, and
// half as long again when it is busy: the bound leaves four times the 70 s.
describe('story pages end to end', { skip, timeout: 300_000 }, () => {
  let tmp, server, browser, reader, audit;
  // What the API says of each story once everything is posted.
  const stories = {};
  // The BASIL articles posted, by source.
  const basilArticles = {};
  // The pages the reader test opened, for axe: name → path.
  const opened = new Map();
  const consoleErrors = [];

  before(async () => {
    if (missingBrowser) {
      throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium), or set PARALLAX_E2E_OPTIONAL=1 to skip`);
    }
    if (basil.missing) throw new Error(`${basil.missing}; CI must have the shared data`);
    const rows = readJSONL(join(basil.dir, 'basil.dev.jsonl'));
    const event = (id) => Object.fromEntries(rows.filter((r) => r.story_id === id).map((r) => [r.source, r]));
    Object.assign(basilArticles, event(BASIL_EVENT));
    const oneSided = event(ONE_SIDED_EVENT);
    for (const e of [basilArticles, oneSided]) assert.deepEqual(Object.keys(e).sort(), ['fox', 'hpo', 'nyt'], 'a BASIL event has one article of each outlet');

    const { chromium } = await import('playwright-core');
    tmp = mkdtempSync(join(tmpdir(), 'parallax-e2e-pages-'));
    mkdirSync(SHOTS_DIR, { recursive: true });
    server = await new ParallaxServer(await buildServer(tmp)).start();

    // The fixtures' story: one outlet per side, published in the last hours.
    const now = Date.now();
    for (const a of Object.values(ARTICLES)) stories.fixtures = (await lookup(server.url, a.url, fixturePage(a, now))).story;

    // BASIL's three articles, in date order, under their own URLs.
    for (const a of Object.values(basilArticles).sort((x, y) => x.date.localeCompare(y.date) || x.id.localeCompare(y.id))) {
      const answer = await lookup(server.url, a.url, articlePage({ url: a.url, title: a.title, text: a.text, published: a.date, siteName: SITE[a.source] }));
      assert.equal(answer.outlet?.name, SITE[a.source], `the registry knows ${a.url}`);
      stories.basil = answer.story;
    }

    // The one-sided story. The registry's verdicts are checked as each is posted, so
    // that a change to it fails here, with the reason, not as a missing blindspot.
    for (const [id, urlOf, source] of ONE_SIDED) {
      const a = oneSided[source];
      const url = urlOf(slug(a.title));
      const answer = await lookup(server.url, url, articlePage({ url, title: a.title, text: a.text, published: a.date, siteName: id }));
      const o = answer.outlet;
      assert.equal(o?.id, id, `the registry knows ${url}`);
      if (id === UNRATED) assert.equal(o.bias, null, `${id} is unrated`);
      else assert.ok(['lean-right', 'right'].includes(o.bias) && FACTUAL.includes(o.factuality), `${id} leans right (${o.bias}) with a factuality better than mixed (${o.factuality})`);
      stories.oneSided = answer.story;
    }
    for (const [k, s] of Object.entries(stories)) {
      const r = await fetch(`${server.url}/api/v1/stories/${encodeURIComponent(s.id)}`);
      assert.equal(r.status, 200);
      stories[k] = (await r.json()).story ?? s;
    }
    assert.equal(new Set(Object.values(stories).map((s) => s.id)).size, 3, 'three stories');
    assert.equal(stories.fixtures.article_count, 3);
    assert.equal(stories.basil.article_count, 3, 'the three BASIL articles make one story');
    assert.equal(stories.oneSided.article_count, ONE_SIDED.length, 'the one-sided texts make one story');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // The reader's browser: the pages' Content-Security-Policy applies.
    reader = await browser.newContext({ viewport: VIEWPORTS[1280] });
    // axe-core is injected as a <script>, which the pages' policy (default-src
    // 'none': they run no script at all) rightly blocks. This context bypasses the
    // policy for the audit only; the reader's context shows the pages work under it.
    audit = await browser.newContext({ viewport: VIEWPORTS[1280], bypassCSP: true });
    reader.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.location().url}: ${m.text()}`);
    });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** open loads a path of the server in a new page of the reader's browser. */
  async function open(name, path) {
    const page = await reader.newPage();
    const r = await page.goto(`${server.url}${path}`);
    assert.equal(r.status(), 200, `${path}: ${r.status()}`);
    opened.set(name, path);
    return page;
  }

  const texts = (page, selector) => page.locator(selector).allTextContents().then((ts) => ts.map((t) => t.trim()));
  const storyPath = (s) => `/stories/${encodeURIComponent(s.id)}`;

  /** column reads a story page's column: its heading, and each entry's outlet and headline. */
  async function column(page, side) {
    const col = page.locator(`.cols .col.${side}`);
    return {
      heading: (await col.locator('h3').textContent()).trim(),
      entries: await col.locator('.entries > li').evaluateAll((lis) => lis.map((li) => [li.querySelector('.src a').textContent, li.querySelector('.hl').textContent])),
      none: (await col.locator('.none').allTextContents())[0] ?? null,
    };
  }

  /** distributions reads the factuality and ownership lists as [label, count] pairs. */
  async function distribution(page, id) {
    return page.locator(`section[aria-labelledby="${id}"] .dist li`).evaluateAll((lis) => lis.map((li) => [li.querySelector('.dl').textContent, Number(li.querySelector('.dn').textContent)]));
  }
  const expectedDistribution = (counts) => counts.map((c) => [label(c.value), c.count]);

  it('the home page lists the three stories, the one-sided one marked as a blindspot', async () => {
    const page = await open('home', '/');
    assert.equal(await page.title(), 'Today · Parallax');
    assert.equal(await page.textContent('h1'), 'Today');
    for (const section of ['top', 'newest']) {
      const titles = await texts(page, `section[aria-labelledby="${section}"] .item h3`);
      assert.deepEqual(titles.sort(), Object.values(stories).map((s) => s.title).sort(), `${section}: every story`);
    }
    const item = page.locator('section[aria-labelledby="newest"] .item', { hasText: stories.oneSided.title });
    assert.equal((await item.locator('.mark').textContent()).trim(), 'Blindspot Missed by the left');
    assert.equal(await item.locator('.basis').textContent(), 'Based on 6 of 7 outlets; 1 is unrated.');
    assert.equal(await page.locator('.item', { hasText: stories.basil.title }).locator('.mark').count(), 0, 'no blindspot for the BASIL story');
    await page.close();
  });

  it("the BASIL story's page: each outlet's headline in its side's column, the balance and what it rests on, the distributions", async () => {
    // Reached as a reader does: from the home page.
    const home = await open('home', '/');
    await home.locator('section[aria-labelledby="newest"] .item h3 a', { hasText: stories.basil.title }).click();
    await home.waitForURL(`${server.url}${storyPath(stories.basil)}`);
    const page = home;
    opened.set('story-basil', storyPath(stories.basil));
    const s = stories.basil;
    assert.equal(await page.title(), `${s.title} · Parallax`);
    assert.equal(await page.textContent('h1'), s.title);
    const b = basilArticles;
    assert.match(await page.textContent('.story .meta'), /^First reported 13 Aug 2018, 00:00 UTC · last updated \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC$/);

    const left = await column(page, 'left');
    assert.equal(left.heading, 'Left 2 outlets');
    assert.deepEqual(left.entries.sort(), [['HuffPost', b.hpo.title], ['The New York Times', b.nyt.title]]);
    assert.deepEqual(await column(page, 'center'), { heading: 'Center 0 outlets', entries: [], none: 'No center outlet has covered this story.' });
    const right = await column(page, 'right');
    assert.equal(right.heading, 'Right 1 outlet');
    assert.deepEqual(right.entries, [['Fox News', b.fox.title]]);

    assert.equal(await page.textContent('.story .keys'), `Left ${s.balance.left_pct}% (2) Center 0% (0) Right ${s.balance.right_pct}% (1)`);
    assert.equal(await page.textContent('.story .basis'), 'Based on all 3 outlets, each counted once.');
    assert.equal(await page.textContent('.story .basis'), s.balance_note);
    assert.equal(await page.locator('section.blindspot').count(), 0, 'not a blindspot');

    const factuality = await distribution(page, 'factuality');
    assert.deepEqual(factuality, expectedDistribution(s.factuality));
    assert.equal(factuality.reduce((n, [, c]) => n + c, 0), 3, 'each outlet counted once');
    const ownership = await distribution(page, 'ownership');
    assert.deepEqual(ownership, expectedDistribution(s.ownership));
    assert.equal(ownership.reduce((n, [, c]) => n + c, 0), 3);
    assert.equal(await page.textContent('#timeline-summary'), 'The left reported it first, on 13 Aug 2018, 00:00 UTC; the right at the same time. The center has not reported it.');
    await page.close();
  });

  it("the one-sided story's page says it is a blindspot for the left, and why", async () => {
    const page = await open('story-one-sided', storyPath(stories.oneSided));
    const s = stories.oneSided;
    assert.equal(await page.textContent('h1'), s.title);
    assert.equal(s.blindspot?.side, 'left');
    assert.equal(await page.textContent('section.blindspot h2'), 'Blindspot: missed by the left');
    const reason = await page.textContent('section.blindspot p');
    assert.equal(reason, s.blindspot.reason);
    assert.match(reason, /^6 of the 6 rated outlets covering this story lean right and none lean left, so readers of left-leaning outlets are unlikely to see it\./);
    assert.equal(await page.textContent('.story .basis'), 'Based on 6 of 7 outlets; 1 is unrated.');
    assert.deepEqual(await column(page, 'left'), { heading: 'Left 0 outlets', entries: [], none: 'No left-leaning outlet has covered this story.' });
    const right = await column(page, 'right');
    assert.equal(right.heading, 'Right 6 outlets');
    assert.equal(right.entries.length, 3, 'three texts of their own; the copies are folded under them');
    assert.equal(await page.locator('.col.right .entries details:not(.why) summary').count(), 3);
    assert.deepEqual(await distribution(page, 'factuality'), expectedDistribution(s.factuality));
    assert.deepEqual(await distribution(page, 'ownership'), expectedDistribution(s.ownership));
    assert.ok((await distribution(page, 'factuality')).some(([l]) => l === 'Unrated'), 'the unrated outlet is counted as unrated');
    await page.close();
  });

  it('/blindspots lists the one-sided story under "Missed by the left", and nothing under the right', async () => {
    const page = await open('blindspots', '/blindspots');
    assert.equal(await page.textContent('h1'), 'Blindspots');
    assert.match(await page.textContent('main > p'), /^A story is a blindspot for one side when at least 5 rated outlets cover it/);
    const left = page.locator('section[aria-labelledby="missed-left"]');
    assert.deepEqual(await texts(left, '.item h3'), [stories.oneSided.title]);
    assert.equal((await left.locator('.mark').textContent()).trim(), 'Blindspot Missed by the left');
    assert.equal(await left.locator('.basis').textContent(), 'Based on 6 of 7 outlets; 1 is unrated.');
    assert.equal(await page.textContent('section[aria-labelledby="missed-right"] p'), 'No story is a blindspot for the right right now.');
    await page.close();
  });

  it("an outlet's page, from a story's column: its ratings and its recent stories", async () => {
    const page = await open('story-fixtures', storyPath(stories.fixtures));
    await page.locator('.col.right .src a', { hasText: 'Fox News' }).click();
    await page.waitForURL(`${server.url}/outlets/fox-news`);
    opened.set('outlet', '/outlets/fox-news');
    const o = await (await fetch(`${server.url}/api/v1/outlets/foxnews.com`)).json();
    assert.equal(await page.textContent('h1'), 'Fox News');
    assert.equal((await page.textContent('main > .meta')).trim(), `${label(o.bias)} Factuality: ${label(o.factuality)}`);
    const facts = await page.locator('dl.facts').evaluate((dl) => Object.fromEntries([...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
    assert.equal(facts.Domains, o.domains.join(', '));
    assert.equal(facts.Owner, o.owner);
    assert.equal(await page.locator('section[aria-labelledby="ratings"] tbody tr').count(), o.ratings.length);
    const recent = await texts(page, 'section[aria-labelledby="recent"] .item h3');
    assert.deepEqual(recent.sort(), [stories.basil.title, stories.fixtures.title].sort(), "the stories Fox News covered, not the one it didn't");
    await page.close();
  });

  it('search finds a story by the words of its title', async () => {
    const page = await open('search', '/search?q=strzok');
    assert.equal(await page.inputValue('input[name="q"]'), 'strzok');
    assert.deepEqual(await texts(page, '.item h3'), [stories.basil.title]);
    await page.close();
  });

  it('a story page says why each article is there, and "Not this story" moves one out and back, with no script', async () => {
    const s = stories.fixtures;
    const page = await open('story-fixtures', storyPath(s));
    assert.equal(await page.locator('details.why').count(), 3, 'one "Why is this here?" per article');
    const fox = page.locator('.entries > li', { hasText: 'Fox News' });
    await fox.locator('details.why summary').click();
    assert.match(await fox.locator('details.why').textContent(), /It joined with a score of \d\.\d\d; \d\.\d\d is needed to join\./);
    // A plain form under the page's policy (form-action 'self'): a same-origin POST
    // the cross-site guard lets through, answered with the story page again.
    await Promise.all([page.waitForURL(/[?&]moved=/), fox.locator('form.nts button').click()]);
    assert.match(await page.locator('.moved').textContent(), /You took an article out of this story: it is now a story of its own/);
    assert.equal(await page.locator('.entries > li', { hasText: 'Fox News' }).count(), 0, 'the article is gone from the page');
    const story = async () => (await (await fetch(`${server.url}/api/v1/stories/${encodeURIComponent(s.id)}`)).json());
    const after = await story();
    assert.equal(after.article_count, 2);
    const moved = new URL(page.url());
    assert.ok(after.related.some((r) => r.id === moved.searchParams.get('to')), `the article's own story (${moved.searchParams.get('to')}) is related to the one it left: ${JSON.stringify(after.related)}`);
    assert.equal(await page.locator(`.related a[href="/stories/${moved.searchParams.get('to')}"]`).count(), 1, 'and linked from the page');
    opened.set('story-moved', moved.pathname + moved.search);
    await Promise.all([page.waitForURL(`${server.url}${storyPath(s)}`), page.locator('.moved form button').click()]);
    assert.equal((await story()).article_count, 3, 'the undo put it back');
    assert.equal(await page.locator('.entries > li', { hasText: 'Fox News' }).count(), 1);
    await page.close();
  });

  it('every page loads its stylesheet under its Content-Security-Policy, and nothing is blocked', async () => {
    assert.ok(opened.size >= 6, 'the pages were opened');
    assert.deepEqual(consoleErrors, []);
  });

  it('at 390 and 1280 px, light and dark: the columns stack or sit side by side, nothing scrolls sideways (screenshots)', async () => {
    const shots = [];
    for (const [name, s, committed] of [['story', stories.fixtures, true], ['story-basil', stories.basil, false], ['blindspots', null, false]]) {
      const page = await reader.newPage();
      await page.goto(`${server.url}${s ? storyPath(s) : '/blindspots'}`);
      for (const [width, viewport] of Object.entries(VIEWPORTS)) {
        await page.setViewportSize(viewport);
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), BACKGROUND[scheme], `${name} ${width} ${scheme}: the ${scheme} theme`);
          assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} at ${width} px: no sideways scroll`);
          if (s) {
            const boxes = await Promise.all(['left', 'center', 'right'].map((side) => page.locator(`.cols .col.${side}`).boundingBox()));
            const sideBySide = boxes.every((bx) => Math.abs(bx.y - boxes[0].y) < 1) && boxes[0].x < boxes[1].x && boxes[1].x < boxes[2].x;
            assert.equal(sideBySide, Number(width) >= 960, `${name} at ${width} px: the columns ${Number(width) >= 960 ? 'side by side' : 'stacked'}`);
          }
          const file = `${name}-${width}-${scheme}.png`;
          const path = join(SHOTS_DIR, file);
          await page.screenshot({ path, fullPage: false, scale: 'css' });
          shots.push(`${file} ${Math.round(statSync(path).size / 1024)} KB`);
          if (committed && updateShots) {
            mkdirSync(COMMITTED_SHOTS_DIR, { recursive: true });
            copyFileSync(path, join(COMMITTED_SHOTS_DIR, file));
          }
        }
      }
      await page.close();
    }
    console.log(`# screenshots in ${SHOTS_DIR}${updateShots ? ` (story-* also in ${COMMITTED_SHOTS_DIR})` : ''}: ${shots.join(', ')}`);
  });

  it('with tokens configured, the sign-in form works in a real browser', async () => {
    // The pages send Referrer-Policy: no-referrer, so the browser posts their form
    // with "Origin: null": the server's cross-site guard must still know it as ours.
    const token = 'pages-e2e-token-0123456789abcdef';
    const guarded = await new ParallaxServer(server.bin, { env: { PARALLAX_API_TOKENS: token } }).start();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const first = await page.goto(`${guarded.url}/blindspots`);
      assert.equal(first.status(), 401, 'the page asks for a token');
      await page.fill('#token', token);
      const [resp] = await Promise.all([page.waitForNavigation(), page.click('form.login button[type="submit"]')]);
      assert.equal(resp.status(), 200, 'signed in, the page opens');
      assert.equal(new URL(page.url()).pathname, '/blindspots', 'back where the reader was going');
      assert.equal((await page.locator('h1').textContent()).trim(), 'Blindspots');
    } finally {
      await context.close();
      await guarded.stop();
    }
  });

  it('axe-core finds no violation on any page, light or dark', async () => {
    const counts = [];
    const violations = [];
    const page = await audit.newPage();
    for (const [name, path] of opened) {
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(`${server.url}${path}`);
        // Open every disclosure, so the tables and copies inside are checked too.
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
        await page.addScriptTag({ path: AXE });
        const r = await page.evaluate(() => window.axe.run(document));
        counts.push(`${name} (${scheme}): ${r.violations.length} violations, ${r.passes.length} passes, ${r.incomplete.length} incomplete`);
        for (const v of r.violations) violations.push(`${name} (${scheme}) ${v.id}: ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join('; ')}`);
      }
    }
    await page.close();
    console.log(`# axe-core ${AXE_VERSION}: ${counts.join(' | ')}`);
    assert.deepEqual(violations, []);
  });
});
