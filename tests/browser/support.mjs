// What the browser tests share: Debian's chromium driven by playwright-core
// (no browser download), a person logged in to a console, waiting for the
// page, the live dashboard's deadline, one mail over LMTP, screenshots
// checked to be non-blank, and a report sent from the officer's form.
//
// Environment: BAOSONG_URL (the gateway), OUT (a folder for screenshots),
// PASSWORD (every person's password), MODULES (the node_modules folder
// npm ci filled; default: the one beside this file).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import net from 'node:net';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.MODULES || path.join(here, 'node_modules');
const { chromium } = createRequire(path.join(modules, 'resolve.js'))('playwright-core');

export const URL_BASE = process.env.BAOSONG_URL;
export const OUT = process.env.OUT;
export const PASSWORD = process.env.PASSWORD;
export const LIVE_MS = 1000; // the dashboard shows a change within this
assert.ok(URL_BASE && OUT && PASSWORD, 'BAOSONG_URL, OUT and PASSWORD are needed');
mkdirSync(OUT, { recursive: true });

// Debian's chromium, headless, with nothing that reaches the network on
// its own. playwright-core gives each launch a new profile of its own
// (--user-data-dir in a fresh temporary folder, removed at close) and
// passes --headless itself; it refuses --user-data-dir among the args.
// Each browser context is a window in headless chromium, and each window
// starts the address bar's suggestion popup (a WebUI page in a renderer of
// its own, about a second of CPU on two cores, in the first seconds of the
// context, while a test logs its person in): none is started, as in
// bench/console_first_page.mjs; no test looks at the address bar.
export const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup'] });
export const pageErrors = [];

// method path body as the person of page (their session, its form token).
export async function call(page, method, where, body) {
  return page.evaluate(async ([method, where, body]) => {
    const session = await fetch('/api/v1/session').then(r => r.json());
    const response = await fetch(where, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf },
      body: body ? JSON.stringify(body) : undefined });
    const data = await response.json();
    if (!response.ok) throw new Error(`${method} ${where}: ${response.status} ${JSON.stringify(data)}`);
    return data;
  }, [method, where, body]);
}

// login logs in to the console at base (default BAOSONG_URL); watch(page),
// awaited if it returns a promise, sees the page before it is opened.
export async function person(login, viewport = { width: 1366, height: 768 }, watch, base = URL_BASE) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  if (watch) await watch(page);
  page.on('pageerror', error => pageErrors.push(`${login}: ${error.message}`));
  await page.goto(base + '/');
  await page.waitForURL(/\/login/);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await waitFor(page, () => {
    const error = document.querySelector('.form-error');
    return !location.pathname.startsWith('/login') || (error && !error.hidden);
  });
  const refused = await page.$('.form-error:not([hidden])');
  if (refused) assert.fail(`${login} could not log in: ${await refused.textContent()}`);
  await page.waitForSelector('main h1');
  // The person's main page after the login form is drawn from the login's
  // answer (its first_reads): no call of the script before it is drawn
  // but the login's.
  await waitFor(page, () => document.querySelector('main')?.dataset.drawn === location.pathname);
  assert.deepEqual(await callsBeforeDrawn(page), ['/api/v1/login'],
    `${login}'s ${new URL(page.url()).pathname} after the login form: the calls before it was drawn`);
  return page;
}

// The paths the page's script fetched before the page was last drawn (the
// bs-drawn mark web/js/app.js sets), in the order it asked for them.
function callsBeforeDrawn(page) {
  return page.evaluate(() => {
    const drawn = performance.getEntriesByName('bs-drawn').pop().startTime;
    return performance.getEntriesByType('resource').filter(r => r.initiatorType === 'fetch' && r.startTime < drawn)
      .map(r => new URL(r.name).pathname);
  });
}

export const h1 = page => page.textContent('main h1');

// Each stage of the day and how long it took (to keep the browser stage short).
export const started = Date.now();
let stageAt = started, stageName = 'start';
export function stage(name) {
  const now = Date.now();
  console.log(`stage ${stageName}: ${now - stageAt} ms`);
  stageAt = now; stageName = name;
}

// Wait until fn(arg) is true in the page. (Playwright's waitForFunction
// evaluates a string in the page, which the gateway's Content-Security-Policy
// forbids, as it should: the console runs with the policy in force.)
export async function waitFor(page, fn, arg, { timeout = 30000, polling = 50 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${fn}`);
    await new Promise(resolve => setTimeout(resolve, polling));
  }
}

// The page in the script lang ('zh-Hans' or 'zh-Hant'): the switch
// pressed if it is in the other.
export async function inScript(page, lang) {
  if (await page.evaluate(() => document.documentElement.lang) === lang) return;
  await page.click('#script-switch');
  await waitFor(page, lang => document.documentElement.lang === lang, lang);
}

// The leader's figure at selector becomes expected within LIVE_MS.
export async function liveShows(leader, selector, expected, what) {
  const started = Date.now();
  try {
    await waitFor(leader, ([sel, want]) => document.querySelector(sel)?.textContent.trim() === want,
      [selector, String(expected)], { timeout: LIVE_MS, polling: 20 });
  } catch {
    const shown = await leader.evaluate(sel => document.querySelector(sel)?.textContent, selector);
    assert.fail(`dashboard: ${what}: ${selector} shows ${shown}, not ${expected}, ${Date.now() - started} ms after the change`);
  }
  console.log(`dashboard showed ${what} in ${Date.now() - started} ms`);
}

// One mail through the mail channel's LMTP listener (address host:port):
// the reply to its DATA.
export async function lmtp(address, mail) {
  const [host, port] = address.split(':');
  const socket = net.connect(Number(port), host);
  const lines = [], waiting = [];
  let buffer = '';
  socket.on('data', chunk => {
    buffer += chunk.toString('latin1');
    for (let end; (end = buffer.indexOf('\r\n')) >= 0; buffer = buffer.slice(end + 2)) {
      const line = buffer.slice(0, end);
      if (line[3] !== ' ') continue; // a continued reply: its last line counts
      if (waiting.length) waiting.shift()(line); else lines.push(line);
    }
  });
  const reply = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise(resolve => waiting.push(resolve)));
  const say = async (text, code) => {
    if (text !== null) socket.write(text);
    const line = await reply();
    assert.ok(line.startsWith(code), `LMTP: ${line}`);
    return line;
  };
  await say(null, '220');
  await say('LHLO browser-test\r\n', '250');
  await say('MAIL FROM:<stranger@example.org>\r\n', '250');
  await say('RCPT TO:<reports@example.org>\r\n', '250');
  await say('DATA\r\n', '354');
  const answer = await say(mail.replace(/\n/g, '\r\n') + '\r\n.\r\n', '250');
  socket.end('QUIT\r\n');
  return answer;
}

// A PNG is blank when its pixels' bytes take fewer than a handful of values.
export function distinctBytes(png) {
  const chunks = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    if (type === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return new Set(inflateSync(Buffer.concat(chunks))).size;
}

export async function screenshot(page, name) {
  const file = path.join(OUT, name + '.png');
  const png = await page.screenshot({ path: file, fullPage: false });
  const values = distinctBytes(png);
  assert.ok(values > 16, `${name}.png looks blank (${values} distinct byte values)`);
  console.log(`screenshot ${file} (${png.length} bytes)`);
}

export async function submitReport(page, report, extra = {}) {
  if (!extra.stay) await page.goto(URL_BASE + '/officer');
  await page.waitForSelector('input[name=title]');
  await page.fill('input[name=title]', report.title);
  await page.fill('textarea[name=body]', report.body);
  if (extra.kind) await page.selectOption('select[name=kind]', extra.kind);
  if (extra.urgent) await page.check('input[name=urgent]');
  if (extra.file) await page.setInputFiles('input[name=attachments]', extra.file);
  await page.click('button[type=submit]');
  await page.waitForSelector('#receipt-reg-no');
  const receipt = await page.textContent('.receipt');
  assert.match(receipt, /已登记，登记号/);
  return (await page.textContent('#receipt-reg-no')).trim();
}
