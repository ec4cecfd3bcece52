// tests/browser/browser.test.mjs INTAKE SRCDIR: `intake serve` in Debian's
// Chromium (headless, playwright-core). TAP on stdout.
//
// A store is built from docs/ (our own test documents with planted personal
// data), served on a free loopback port, and searched the way a researcher
// would: a Russian query, a Latin-letter query for a Cyrillic place name,
// a language facet, a document page. The planted values must never reach
// any page. Also: the security headers, and that a non-loopback bind
// without a token is refused.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [INTAKE, SRC] = process.argv.slice(2);
const DOCS = path.join(SRC, 'tests', 'browser', 'docs');
const PLANTED = ['Бекмуратова', 'Гульнара', '+7 701 234 56 78', 'gulnara.bek@example.com',
  'Tokhtarov', 'Daniyar', '+7 702 987 65 43', 'Ерланұлы', 'Нұрсұлтан', '+7 705 111 22 33'];

let n = 0, failed = 0;
function ok(cond, name, diag) {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (!cond && diag) console.log(`# ${String(diag).slice(0, 500).replace(/\n/g, '\n# ')}`);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-browser-'));
const store = path.join(tmp, 'store');
const conf = path.join(tmp, 'intake.conf');
fs.writeFileSync(conf, `[pipeline]
[text]
type = extract_text
[lang]
type = langid_lexicon
[ids]
type = detect_patterns
[names]
type = detect_names
[context]
type = detect_context
[export]
type = export_text
[index]
type = index_sqlite
`);

let server = null, browser = null;
async function main() {
  const docs = fs.readdirSync(DOCS).filter((f) => f.endsWith('.txt')).map((f) => path.join(DOCS, f));
  const b = spawnSync(INTAKE, ['batch', '--config', conf, '--store', store, '--jobs', '1', ...docs],
    { encoding: 'utf8', timeout: 120000 });
  ok(b.status === 0, `intake batch builds the store (${docs.length} documents)`, b.stderr);

  // A non-loopback address without a token is refused, before any socket.
  const r = spawnSync(INTAKE, ['serve', '--config', conf, '--store', store, '--listen', '0.0.0.0:0'],
    { encoding: 'utf8', timeout: 10000 });
  ok(r.status === 2 && /refusing to listen on 0\.0\.0\.0:0 without --token/.test(r.stderr),
    'serve --listen 0.0.0.0 without --token is refused (exit 2)', `${r.status} ${r.stderr}`);

  server = spawn(INTAKE, ['serve', '--config', conf, '--store', store, '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  const base = await new Promise((resolve, reject) => {
    let err = '';
    const t = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 15000);
    server.stderr.on('data', (d) => {
      err += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(err);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  ok(true, `serve listens on ${base}`);

  const args = process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [];
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
  const page = await browser.newPage();
  const cspErrors = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
  const seen = [];

  // The dashboard, and the headers.
  const resp = await page.goto(`${base}/`);
  const h = resp.headers();
  ok(resp.status() === 200, 'GET / is 200');
  ok(/script-src 'self'/.test(h['content-security-policy'] || '') &&
     !/unsafe-inline/.test(h['content-security-policy'] || '') &&
     /frame-ancestors 'none'/.test(h['content-security-policy'] || ''),
  'Content-Security-Policy: own script only, no inline, no framing', h['content-security-policy']);
  ok(h['x-frame-options'] === 'DENY', 'X-Frame-Options: DENY');
  ok(h['x-content-type-options'] === 'nosniff', 'X-Content-Type-Options: nosniff');
  ok(h['referrer-policy'] === 'no-referrer', 'Referrer-Policy: no-referrer');
  ok(await page.locator('#dashboard figure svg').count() === 3,
    'the dashboard has three charts drawn by the server');
  ok(/3 documents/.test(await page.locator('#dashboard .count').innerText()),
    'the dashboard counts the documents');
  seen.push(await page.content());

  // A Russian query, in the box: an inflected form finds the other forms.
  await page.fill('#q', 'потерпевшей');
  await Promise.all([page.waitForNavigation(), page.press('#q', 'Enter')]);
  let hits = page.locator('li.hit');
  ok(await hits.count() >= 1, `Russian query: ${await hits.count()} hit(s)`);
  ok(await page.locator('li.hit .snippet mark').count() >= 1, '... with highlighted matches');
  seen.push(await page.content());

  // Latin letters for a Cyrillic place name.
  await page.fill('#q', 'Shymkent');
  await Promise.all([page.waitForNavigation(), page.press('#q', 'Enter')]);
  hits = page.locator('li.hit');
  ok(await hits.count() === 3, `Latin query "Shymkent" finds all three documents (${await hits.count()})`);
  const marks = await page.locator('li.hit .snippet mark').allInnerTexts();
  ok(marks.includes('Шымкент'), '... the Cyrillic Шымкент is highlighted', marks.join(' '));
  seen.push(await page.content());

  // Filter by language through the facet.
  const ruFacet = page.locator('a[data-filter="lang:ru"]');
  ok(await ruFacet.count() === 1, 'a language facet link for ru');
  await Promise.all([page.waitForNavigation(), ruFacet.click()]);
  const langs = await page.locator('li.hit .lang').allInnerTexts();
  ok(langs.length === 1 && langs.every((l) => l === 'ru'), `lang:ru keeps the Russian document (${langs})`);
  ok((await page.inputValue('#q')).includes('lang:ru'), '... and the filter shows in the query box');
  seen.push(await page.content());

  // Open the document: placeholders, no planted values.
  await Promise.all([page.waitForNavigation(), page.locator('li.hit a.title').first().click()]);
  ok(/\/doc\/[0-9a-f]{64}$/.test(page.url()), 'the document page opens');
  const text = await page.locator('#text').innerText();
  ok(/\[PERSON-1\]/.test(text) && /\[PHONE\]/.test(text) && /\[EMAIL\]/.test(text),
    'the document shows its placeholders', text);
  ok(await page.locator('#text .ph').count() >= 3, '... marked as placeholders');
  ok((await page.locator('#lang').innerText()) === 'ru', '... and its language');
  ok(/PERSON 1/.test(await page.locator('#entities').innerText()), '... and its entity counts');
  seen.push(await page.content());

  // The JSON API and escaping.
  const api = await page.goto(`${base}/api/search?q=Ashgabat`);
  const j = await api.json();
  ok(api.status() === 200 && j.total === 1 && j.hits.length === 1, 'GET /api/search?q=Ashgabat', JSON.stringify(j));
  seen.push(JSON.stringify(j));
  await page.goto(`${base}/?q=${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
  ok(await page.locator('img[src=x]').count() === 0, 'a query is escaped, never markup');
  const bad = await page.goto(`${base}/?q=${encodeURIComponent('has:NOTATYPE')}`);
  ok(bad.status() === 400 && /unknown entity type/.test(await page.locator('#error').innerText()),
    'a malformed query is a one-line error on the page');
  const trav = await page.goto(`${base}/doc/..%2f..%2fintake.db`);
  ok(trav.status() === 404, 'no path traversal');

  const all = seen.join('\n');
  const leaked = PLANTED.filter((p) => all.includes(p));
  ok(leaked.length === 0, 'no planted personal data on any page', leaked.join(', '));
  ok(cspErrors.length === 0, 'no Content-Security-Policy violations', cspErrors.join('\n'));
}

try {
  await main();
} catch (e) {
  ok(false, 'browser test ran to the end', e && e.stack);
} finally {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
