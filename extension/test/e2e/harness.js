// The end-to-end test's world: the real Parallax server built from this checkout, a
// recording pass-through in front of it, three publishers' pages served over TLS on
// loopback under their real host names, and Debian's Chromium with the extension.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);

export const CHROMIUM = process.env.PARALLAX_CHROMIUM ?? '/usr/bin/chromium';
export const EXTENSION_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url));
export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/', import.meta.url));
export const FIXTURES = new URL('../fixtures/', import.meta.url);

/** The three publishers: page URL, fixture, and how many hours before now it was published. */
export const ARTICLES = {
  guardian: { url: 'https://www.theguardian.com/uk-news/2025/mar/04/harwick-kestrel-street-bridge-collapse', file: 'guardian.html', hoursAgo: 3 },
  fox: { url: 'https://www.foxnews.com/world/bridge-collapse-kills-3-english-city-harwick-officials-warned-corrosion', file: 'foxnews.html', hoursAgo: 2 },
  bbc: { url: 'https://www.bbc.co.uk/news/articles/c4gk7harwick', file: 'bbc.html', hoursAgo: 1 },
};
/** A section front: a page that is not an article. */
export const FRONT_PAGE = 'https://www.bbc.co.uk/news';
export const HOSTS = ['www.bbc.co.uk', 'www.theguardian.com', 'www.foxnews.com'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** freePort asks the kernel for a loopback port that is free now. */
export async function freePort() {
  const s = http.createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

/** goBinary is the go command: $GO when set, else whatever `go` the PATH finds. */
function goBinary() {
  return process.env.GO || 'go';
}

/** buildServer compiles ./server of this checkout into dir and returns the binary's path. */
export async function buildServer(dir) {
  const bin = join(dir, 'parallax');
  await run(goBinary(), ['build', '-o', bin, './server'], { cwd: REPO_DIR, timeout: 180_000 });
  return bin;
}

/**
 * ParallaxServer runs the server binary on the embedded store in a fresh data
 * directory. env adds variables (PARALLAX_API_TOKENS).
 */
export class ParallaxServer {
  constructor(bin, { env = {} } = {}) {
    this.bin = bin;
    this.env = env;
    this.log = [];
  }

  async start(port) {
    this.port = port ?? (await freePort());
    this.dataDir = mkdtempSync(join(tmpdir(), 'parallax-e2e-data-'));
    this.proc = spawn(this.bin, [], {
      env: { ...process.env, PARALLAX_ADDR: `127.0.0.1:${this.port}`, PARALLAX_DATA_DIR: this.dataDir, PARALLAX_LOG_LEVEL: 'info', PARALLAX_INGEST: 'off', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [this.proc.stdout, this.proc.stderr]) s.on('data', (d) => this.log.push(String(d)));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`server exited: ${this.log.join('')}`);
      try {
        const r = await fetch(`${this.url}/readyz`);
        if (r.ok) return this;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`server not ready in 15 s: ${this.log.join('')}`);
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    }
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** isLookup says whether a request path is the lookup's: the page posted with ?url=, or JSON. */
const isLookup = (path) => path === '/api/v1/lookup' || path.startsWith('/api/v1/lookup?');

/**
 * Recorder is a pass-through in front of the server that keeps every request the
 * extension makes (method, path, headers, body), so the test can see what left the
 * browser. It forwards to `target` (changeable) and answers 502 when that is down.
 * When `rewrite` is set, a successful lookup answer passes through it (parsed JSON
 * in, JSON out): the test can show the popup an answer the server would send for a
 * story its three fixtures cannot make (a blindspot needs five rated outlets).
 */
export class Recorder {
  constructor() {
    this.requests = [];
    this.target = null;
    this.rewrite = null;
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  async start() {
    this.port = await listen(this.server);
    return this;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      this.requests.push({ method: req.method, path: req.url, headers: req.headers, body: body.toString('utf8'), size: body.length });
      if (!this.target) {
        // Behave like a stopped server: drop the connection.
        req.socket.destroy();
        return;
      }
      const rewrite = req.method === 'POST' && isLookup(req.url) ? this.rewrite : null;
      const up = http.request(`${this.target}${req.url}`, { method: req.method, headers: req.headers }, (ur) => {
        if (!rewrite || ur.statusCode !== 200) {
          res.writeHead(ur.statusCode, ur.headers);
          ur.pipe(res);
          return;
        }
        const parts = [];
        ur.on('data', (c) => parts.push(c));
        ur.on('end', () => {
          const out = Buffer.from(JSON.stringify(rewrite(JSON.parse(Buffer.concat(parts).toString('utf8')))));
          res.writeHead(200, { ...ur.headers, 'content-length': String(out.length) });
          res.end(out);
        });
      });
      up.on('error', () => req.socket.destroy());
      up.end(body);
    });
  }

  /** lookups are the POSTs of /api/v1/lookup seen since `from`. */
  lookups(from = 0) {
    return this.requests.slice(from).filter((r) => r.method === 'POST' && isLookup(r.path));
  }

  async stop() {
    this.server.closeAllConnections?.();
    await new Promise((r) => this.server.close(r));
  }
}

/** selfSignedCert makes a throwaway certificate for the three hosts with openssl. */
export async function selfSignedCert(dir) {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=parallax-e2e', '-addext', `subjectAltName=${HOSTS.map((h) => `DNS:${h}`).join(',')}`,
    '-keyout', key, '-out', cert,
  ]);
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

/**
 * Publishers serves the fixtures over HTTPS by host and path (the hosts are HSTS
 * preloaded in Chromium, so plain http would be upgraded). %%PUBLISHED%% becomes a
 * time relative to now, so relative times read naturally and the story is fresh.
 */
export class Publishers {
  constructor(tls) {
    const now = Date.now();
    this.pages = new Map();
    for (const a of Object.values(ARTICLES)) this.pages.set(a.url, fixturePage(a, now));
    this.pages.set(FRONT_PAGE, frontPage());
    this.server = https.createServer(tls, (req, res) => {
      const page = this.pages.get(`https://${req.headers.host}${req.url}`);
      res.writeHead(page ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(page ?? '<!DOCTYPE html><title>Not found</title><h1>Not found</h1>');
    });
  }

  async start() {
    this.port = await listen(this.server);
    return this;
  }

  /** hostRules maps the publishers' hosts to this server for Chromium. */
  get hostRules() {
    return HOSTS.map((h) => `MAP ${h} 127.0.0.1:${this.port}`).join(', ');
  }

  async stop() {
    this.server.closeAllConnections?.();
    await new Promise((r) => this.server.close(r));
  }
}

function frontPage() {
  const links = Array.from({ length: 30 }, (_, i) => `<li><a href="/news/articles/c${i}">Headline number ${i} about another event</a></li>`).join('\n');
  return `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Home - BBC News</title>
<meta property="og:type" content="website"><meta property="og:title" content="BBC News"></head>
<body><header><nav><a href="/news">Home</a></nav></header><main><h1>BBC News</h1><ul>${links}</ul></main></body></html>`;
}

/** chromiumArgs are the flags the workplace's Chromium needs, plus the extension's. */
export function chromiumArgs({ hostRules }) {
  return [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--load-extension=${EXTENSION_DIR}`,
    `--disable-extensions-except=${EXTENSION_DIR}`,
    // Extensions.triggerAction over CDP: the test clicks the toolbar button for real,
    // which grants activeTab exactly as a reader's click does.
    '--enable-unsafe-extension-debugging',
    // A second CDP client: Playwright does not expose the action popup as a page of
    // its own context, a plain CDP connection does.
    '--remote-debugging-port=0',
    `--host-resolver-rules=${hostRules}`,
    '--ignore-certificate-errors',
  ];
}

/**
 * sharedData finds a folder of the shared third-party test data, as internal/corpus
 * does for Go: under $PARALLAX_SHARED_DATA, else ../shared/data next to the
 * checkout. It returns { dir } or, when the folder is absent, { missing } with the
 * reason; the caller skips on it, except in CI (CI=true), where the data is always
 * present and its absence is a failure (corpus.Require).
 */
export function sharedData(name) {
  const root = process.env.PARALLAX_SHARED_DATA || join(REPO_DIR, '..', 'shared', 'data');
  const dir = join(root, name);
  try {
    if (statSync(dir).isDirectory()) return { dir };
  } catch {
    // absent: said below
  }
  return { missing: `shared data not found: ${dir} (set PARALLAX_SHARED_DATA to the folder holding "${name}")` };
}

// The largest data file readJSONL reads: BASIL's development part is 0.9 MB.
const MAX_JSONL_BYTES = 64 << 20;

/** readJSONL reads a JSON Lines file of at most MAX_JSONL_BYTES. */
export function readJSONL(path) {
  const size = statSync(path).size;
  if (size > MAX_JSONL_BYTES) throw new Error(`${path}: ${size} bytes, more than the ${MAX_JSONL_BYTES} read`);
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

const escapeHTML = (s) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/**
 * articlePage builds the page a publisher would serve for an article of a data set:
 * its headline in the title, Open Graph tags and JSON-LD (where extraction reads
 * the headline and publication date), and its paragraphs in <article>. text holds
 * paragraphs separated by blank lines; published is an ISO date or date-time.
 */
export function articlePage({ url, title, text, published, siteName }) {
  const t = escapeHTML(title);
  const ld = JSON.stringify({ '@context': 'https://schema.org', '@type': 'NewsArticle', headline: title, datePublished: published, mainEntityOfPage: url })
    .replaceAll('<', '\\u003c');
  const paragraphs = text.split(/\n\s*\n/).map((p) => `<p>${escapeHTML(p.trim())}</p>`).join('\n');
  return `<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>${t}</title>
<meta property="og:type" content="article"><meta property="og:site_name" content="${escapeHTML(siteName)}">
<meta property="og:title" content="${t}"><meta property="og:url" content="${escapeHTML(url)}">
<script type="application/ld+json">${ld}</script></head>
<body><main><article><h1>${t}</h1>
${paragraphs}
</article></main></body></html>`;
}

/** lookup posts a page to the server's POST /api/v1/lookup and returns its answer. */
export async function lookup(serverURL, url, html) {
  const r = await fetch(`${serverURL}/api/v1/lookup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ url, html }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = await r.text();
  if (r.status !== 200) throw new Error(`lookup of ${url}: ${r.status} ${body}`);
  return JSON.parse(body);
}

/** fixturePage is a publisher fixture as Publishers serves it, published hoursAgo before now. */
export function fixturePage(article, now = Date.now()) {
  const published = new Date(now - article.hoursAgo * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  return readFileSync(new URL(article.file, FIXTURES), 'utf8').replaceAll('%%PUBLISHED%%', published);
}
