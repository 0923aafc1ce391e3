// The popup's view model: a lookup answer from the server turned into what the popup
// shows (the outlet being read, the story, the first headline of each side, the
// balance and the coverage grouped by side). Pure functions of the answer, the clock and the locale, so they are tested
// without a browser. The URL rules the lookup, the cache and the coverage list share
// (webHref, withoutFragment) live here too.

/** The popup's four groups, in the order they are shown. */
export const SIDES = Object.freeze(['left', 'center', 'right', 'unrated']);

const SIDE_OF_BIAS = Object.freeze({
  'far-left': 'left',
  left: 'left',
  'lean-left': 'left',
  center: 'center',
  'lean-right': 'right',
  right: 'right',
  'far-right': 'right',
});

/**
 * sideOf folds the 7-point bias scale into the balance bar's sides, as the server's
 * outlets.Bias.Side does; null or an unknown value is 'unrated'.
 */
export function sideOf(bias) {
  return SIDE_OF_BIAS[bias] ?? 'unrated';
}

// Unit thresholds of relativeTime, after moment.js's humanize: past each bound the
// next unit reads better ("45 minutes ago" but "1 hour ago" rather than "59 minutes").
const UNITS = [
  ['second', 45, 1],
  ['minute', 45 * 60, 60],
  ['hour', 22 * 3600, 3600],
  ['day', 26 * 86400, 86400],
  ['month', 320 * 86400, 30.44 * 86400],
  ['year', Infinity, 365.25 * 86400],
];

/**
 * relativeTime says when `date` was relative to `now` ("3 hours ago") with
 * Intl.RelativeTimeFormat; null when the date is unknown or invalid. A caller
 * formatting many dates passes one formatter for all of them as `rtf`.
 */
export function relativeTime(date, now, locale, rtf = relativeTimeFormat(locale)) {
  if (!date) return null;
  const t = new Date(date).getTime();
  if (Number.isNaN(t)) return null;
  const seconds = (t - now) / 1000;
  const abs = Math.abs(seconds);
  for (const [unit, below, size] of UNITS) {
    if (abs < below) {
      return rtf.format(unit === 'second' ? 0 : Math.round(seconds / size), unit);
    }
  }
  return null; // unreachable: the last bound is Infinity
}

function relativeTimeFormat(locale) {
  return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
}

/** hostOf is the host of a URL without "www.", or the input when it is no URL. */
export function hostOf(url) {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return String(url ?? '');
  }
}

/**
 * webHref is the URL's href when it is an http(s) address, else null: the only pages
 * Parallax looks up, and the only links it draws (server data never becomes a
 * javascript: link).
 */
export function webHref(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * withoutFragment drops the #fragment: it never names another article and need not
 * leave the browser. A string that is no URL comes back as it is.
 */
export function withoutFragment(url) {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.href;
  } catch {
    return url;
  }
}

/** The sides of the headline comparison: the balance bar's, without the unrated. */
export const LEAD_SIDES = Object.freeze(['left', 'center', 'right']);

/**
 * leadOf picks the headline a side shows in the comparison: the first article of the
 * group (the server lists a story's articles newest first) that the reader is not
 * reading and that is not a copy of another outlet's text; failing that the first
 * one not being read, then the one being read; null when the side has none.
 */
export function leadOf(entries) {
  return entries.find((e) => !e.isCurrent && !e.copyOf) ?? entries.find((e) => !e.isCurrent) ?? entries[0] ?? null;
}

/**
 * storyPageUrl is the story's page on the reader's own server ({server}/stories/{id},
 * served since issue 11), or null without an id or an http(s) server address.
 */
export function storyPageUrl(serverUrl, id) {
  if (!serverUrl || typeof id !== 'string' || id === '') return null;
  return webHref(`${String(serverUrl).replace(/\/+$/, '')}/stories/${encodeURIComponent(id)}`);
}

/**
 * blindspotOf is the story's blindspot ({ side, reason }) when the server names one
 * of the two sides that can miss a story; null otherwise, and for an older server
 * that does not send the field.
 */
export function blindspotOf(b) {
  if (!b || typeof b !== 'object' || (b.side !== 'left' && b.side !== 'right')) return null;
  return { side: b.side, reason: typeof b.reason === 'string' ? b.reason.trim() : '' };
}

/** FACTUALITY_ORDER is the factuality scale, best first, then unrated: the server's order (stories.FactualityOf). */
export const FACTUALITY_ORDER = Object.freeze(['very-high', 'high', 'mostly-factual', 'mixed', 'low', 'very-low', 'unrated']);

/**
 * factualitySpread is how many outlets covering the story have each factuality, best
 * first: the server's story.factuality when it sends one, else counted here from the
 * articles' outlets (each outlet once, as the server does), so an older server's
 * answer shows the same line (short of the outlets of any articles the server cut
 * from a very large story). A value the extension does not know counts as
 * 'unknown', after the others.
 */
export function factualitySpread(story) {
  const counts = new Map();
  const add = (value, n) => {
    const v = FACTUALITY_ORDER.includes(value) ? value : 'unknown';
    counts.set(v, (counts.get(v) ?? 0) + n);
  };
  if (Array.isArray(story.factuality)) {
    for (const c of story.factuality) {
      if (c && typeof c.value === 'string' && Number.isInteger(c.count) && c.count > 0) add(c.value, c.count);
    }
  } else {
    const seen = new Set();
    for (const a of story.articles) {
      const source = a.outlet?.id || `domain:${a.domain || hostOf(a.url)}`;
      if (seen.has(source)) continue;
      seen.add(source);
      add(a.outlet?.factuality || 'unrated', 1);
    }
  }
  return [...FACTUALITY_ORDER, 'unknown'].filter((v) => counts.has(v)).map((value) => ({ value, count: counts.get(value) }));
}

/**
 * summaryOf is the story's summary bullets as the popup shows them: the text, the
 * outlet's name, its side, and the article's link (null unless http(s)). An older
 * server sends no summary: none is shown. Bullets without text are dropped.
 */
export function summaryOf(summary) {
  if (!Array.isArray(summary)) return [];
  return summary
    .filter((b) => b && typeof b.text === 'string' && b.text.trim() !== '')
    .map((b) => ({
      text: b.text.trim(),
      href: webHref(b.url),
      outletName: b.outlet?.name || b.domain || hostOf(b.url),
      side: ['left', 'center', 'right'].includes(b.side) ? b.side : sideOf(b.outlet?.bias),
    }));
}

/**
 * matchOf is the evidence the server kept of why an article is in its story (its
 * match field), checked and with the names the popup uses; null when there is none
 * (an article indexed before the server kept it, or an older server).
 */
export function matchOf(m) {
  if (!m || typeof m !== 'object' || typeof m.score !== 'number') return null;
  const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
  const strings = (l) => (Array.isArray(l) ? l.filter((s) => typeof s === 'string' && s !== '').slice(0, 5) : []);
  return {
    started: m.started === true,
    score: num(m.score),
    threshold: num(m.threshold),
    title: num(m.title),
    body: num(m.body),
    entities: num(m.entities),
    gapSeconds: num(m.time_gap_seconds),
    timeFactor: typeof m.time_factor === 'number' ? m.time_factor : 1,
    sharedTerms: strings(m.shared_terms),
    sharedEntities: strings(m.shared_entities),
    corrected: m.corrected === true,
  };
}

/** balanceNote is the server's sentence on what the balance rests on, or null when it sends none. */
function balanceNote(note) {
  return typeof note === 'string' && note.trim() !== '' ? note.trim() : null;
}

/**
 * coverageView turns a lookup answer into the popup's view.
 * `now` is milliseconds since the epoch; `locale` a BCP 47 tag for relative times;
 * `serverUrl` the server that answered, for the link to the story's page.
 */
export function coverageView(answer, { now, locale, serverUrl = '' }) {
  const { article, outlet, story } = answer;
  const currentURLs = [article.canonical_url, article.url].filter(Boolean).map(withoutFragment);
  const isCurrent = (u) => currentURLs.includes(withoutFragment(u));
  const rtf = relativeTimeFormat(locale);

  const byURL = new Map(story.articles.map((a) => [a.url, a]));
  const nameOf = (a) => a?.outlet?.name || a?.domain || hostOf(a?.url);

  const groups = Object.fromEntries(SIDES.map((s) => [s, []]));
  let others = 0;
  for (const a of story.articles) {
    const side = sideOf(a.outlet?.bias);
    const current = isCurrent(a.url);
    if (!current) others++;
    const original = a.duplicate_of ? byURL.get(a.duplicate_of) : null;
    groups[side].push({
      url: a.url,
      title: a.title || hostOf(a.url),
      outletName: nameOf(a),
      domain: a.domain,
      side,
      bias: a.outlet?.bias ?? null,
      factuality: a.outlet?.factuality ?? null,
      published: a.published,
      when: relativeTime(a.published, now, locale, rtf),
      isCurrent: current,
      // A copy of another article of the story names whose text it carries; a copy of
      // an article the story no longer lists still says it is a copy.
      copyOf: a.duplicate_of ? (original ? nameOf(original) : hostOf(a.duplicate_of)) : null,
      // For "why is this here?" and "not this story" (servers from issue 12 on).
      match: matchOf(a.match),
      articleId: typeof a.article_id === 'string' ? a.article_id : null,
      storyId: typeof story.id === 'string' ? story.id : null,
      // A story's only article is a story of its own already.
      detachable: story.article_count > 1,
    });
  }

  const b = story.balance;
  return {
    outlet: outlet
      ? {
          known: true,
          name: outlet.name,
          domain: outlet.domain,
          bias: outlet.bias ?? null,
          side: sideOf(outlet.bias),
          factuality: outlet.factuality ?? null,
          owner: outlet.owner || '',
          ownership: outlet.ownership ?? null,
          country: outlet.country || '',
        }
      : { known: false, name: hostOf(article.canonical_url || article.url), domain: '', bias: null, side: 'unrated', factuality: null, owner: '', ownership: null, country: '' },
    article: {
      title: article.title,
      copyOf: article.duplicate_of ? nameOf(byURL.get(article.duplicate_of)) || hostOf(article.duplicate_of) : null,
      // A shared server holds a page the reader posted as theirs alone until the
      // outlet's own page or feed confirms it (false only from servers that say so).
      unverified: article.verified === false,
    },
    story: {
      id: story.id,
      title: story.title || article.title,
      articleCount: story.article_count,
      outletCount: story.outlet_count,
      independentOutlets: story.independent_outlets,
      pageUrl: storyPageUrl(serverUrl, story.id),
      blindspot: blindspotOf(story.blindspot),
    },
    balance: {
      left: b.left,
      center: b.center,
      right: b.right,
      unrated: b.unrated,
      rated: b.rated,
      leftPct: b.left_pct,
      centerPct: b.center_pct,
      rightPct: b.right_pct,
      // null from an older server: the popup then writes the sentence itself.
      note: balanceNote(story.balance_note),
    },
    factuality: factualitySpread(story),
    summary: summaryOf(story.summary),
    leads: Object.fromEntries(LEAD_SIDES.map((s) => [s, leadOf(groups[s])])),
    groups,
    others,
    alone: others === 0,
    // The tab opened first: the first side with coverage by someone else, so the
    // reader lands on what they have not read; Left when nobody else covered it.
    firstSide: SIDES.find((s) => groups[s].some((e) => !e.isCurrent)) ?? 'left',
  };
}
