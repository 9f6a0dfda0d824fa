// app: the console's shell. Reads the session, draws the header (the
// person, their roles' pages, the script switch, log out) and the page
// the path names. Pages are modules under pages/ exporting
// render(main, context), which may return a function that stops the
// page's timers and feeds when another page is drawn.
import { h, clear, add, drawView, prepareView } from './dom.js';
import { api, get, setCsrf, loginUrl, forgetFirstReads, carryFirstReads, ApiError } from './api.js';
import { errorMessage } from './errors.js';
import { t, translate, setScript, currentScript, onScriptChange, preloadScripts, ready } from './i18n.js';
import topView from '../first/top.html';

// path and module. Who may open a page is the gateway's list, which it
// refuses a page by (services/gateway/console.c): the shell carries it
// (<script type="application/json" id="bs-pages">) as [[PATH, WHO], ...],
// WHO "anyone", "session" or the roles that may open it, by the path's
// first part (a PATH ending in "/": the pages below it).
const routes = [
  [/^\/login$/, 'login'],
  [/^\/$/, 'home'],
  [/^\/officer$/, 'officer'],
  [/^\/officer\/reports$/, 'officer'],
  [/^\/officer\/(commissions|notices)$/, 'officer'],
  [/^\/officer\/reports\/([^/]+)$/, 'officer'],
  [/^\/(review|queue|editor)$/, 'editor'],
  [/^\/review\/case\/(\d+)$/, 'editor'],
  [/^\/review\/(topics|synthesis|held)$/, 'editor'],
  [/^\/review\/(commissions|notices)(?:\/(\d+))?$/, 'desk'],
  [/^\/(publish|issues)$/, 'publisher'],
  [/^\/publish\/issues\/(\d+)$/, 'publisher'],
  [/^\/(leader|stats|dashboard)$/, 'leader'],
  [/^\/leader\/scores$/, 'assessment'],
  [/^\/leader\/bulletins(?:\/(\d+))?$/, 'assessment'],
  [/^\/admin$/, 'admin'],
  [/^\/admin\/(officers|tokens|periodicals|status)$/, 'admin'],
  [/^\/admin\/rules$/, 'rules'],
  [/^\/forbidden$/, 'forbidden'],
];
const pages = (() => {
  try { return JSON.parse(document.getElementById('bs-pages')?.textContent || '[]'); } catch { return []; }
})();

// Who may open the page at path, as the gateway says (console_access.c):
// "anyone", "session", a list of roles; undefined: no page of the console.
function whoOpens(path) {
  return pages.find(([page]) => page === '/' ? path === '/'
    : path.startsWith(page) && (page.endsWith('/') || path.length === page.length || path[page.length] === '/'))?.[1];
}

const context = { session: null, navigate, roles: [] };
let stopPage = null;

export function navigate(path, replace) {
  if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  draw();
}

// The header (web/first/top.html, which the gateway writes as the person
// sees it: data-written): the parts of each role (data-role) the person
// holds, those of a session (data-role="session") if they have one, their
// name (data-fill="who"). Taken as it is the first time, drawn anew after
// logging in or out.
function header() {
  const top = document.getElementById('top');
  if (top.hasAttribute('data-written')) top.removeAttribute('data-written');
  else {
    drawView(top, topView);
    top.querySelectorAll('[data-role]').forEach(el => {
      if (!context.session || (el.dataset.role !== 'session' && !context.roles.includes(el.dataset.role))) el.remove();
    });
    const who = top.querySelector('[data-fill=who]');
    if (who) {
      let name = context.session.name;
      try { name = name || sessionStorage.getItem('bs-name'); } catch { /* private mode */ }
      add(who, name || context.session.login,
        context.session.unit ? h('span', { class: 'unit' }, ' · ', context.session.unit) : null);
    }
    translate(top);
  }
  const switcher = top.querySelector('#script-switch');
  switcher.lang = currentScript() === 'zh-Hans' ? 'zh-Hant' : 'zh-Hans';
  switcher.addEventListener('click', () => setScript(currentScript() === 'zh-Hans' ? 'zh-Hant' : 'zh-Hans'));
  top.querySelector('#logout')?.addEventListener('click', logout);
  markCurrent();
}

function markCurrent() {
  document.querySelectorAll('#top nav a').forEach(a => {
    const here = location.pathname === a.getAttribute('href') || location.pathname.startsWith(a.getAttribute('href') + '/');
    if (here) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
}

async function logout() {
  try { await api('POST', '/api/v1/logout', {}); } catch { /* gone already */ }
  context.session = null; context.roles = [];
  setCsrf('');
  header();
  navigate('/login');
}

// The session (GET /api/v1/session; the page carries its answer), or
// none: the header drawn for it.
export async function loadSession() {
  let session = null;
  try { session = await api('GET', '/api/v1/session', undefined, { noRedirect: true }); } catch { /* none */ }
  return signedIn(session);
}

// The person of session (the session's answer, or the login's, which is the
// same with the token and the next page's first reads beside: not kept) is
// the console's: their roles, their main page (home: the gateway's, by
// their roles), form token and header. After the login form nothing more
// is read before the next page: the login's answer carries its reads.
export function signedIn(session) {
  context.session = session ? { ...session } : null;
  if (context.session) { delete context.session.token; delete context.session.first_reads; }
  context.roles = (context.session?.roles || '').split(',').filter(Boolean);
  setCsrf(context.session?.csrf);
  header();
  return context.session;
}

// The settings (GET /api/v1/settings: the periodicals, the review criteria,
// the highest score), read once, when a page first needs them (the
// editor's decision form, the admin's scoring; a first page carries them),
// not before every page is drawn.
let settingsRead = null;
export function settings() {
  settingsRead ??= get('/api/v1/settings').catch(error => { settingsRead = null; throw error; });
  return settingsRead;
}

// Who is who (GET /api/v1/people: each person's login and name), read
// once, when a page first shows someone (the desk's pages: who claimed,
// decided, signed off); a page's first read on the editor's queue. Never
// fails: without it people are shown by login.
let peopleRead = null, names = new Map();
export function people() {
  peopleRead ??= get('/api/v1/people')
    .then(answer => { names = new Map(answer.people.map(p => [p.login, p.name])); })
    .catch(() => { peopleRead = null; });
  return peopleRead;
}

// A person as the pages show them: their name as entered, their login
// where they have none (or are not known: a system, a token).
export const nameOf = login => (login && names.get(login)) || login || '';

// The route of a path: { module, who } (whoOpens) and the path's
// parameters; found null when the path is no page (404).
function routeOf(path) {
  const who = whoOpens(path);
  for (const [pattern, module] of routes) {
    const match = who && pattern.exec(path);
    if (match) return { found: { module, who }, params: match.slice(1) };
  }
  return { found: null, params: [] };
}

async function draw() {
  if (stopPage) { try { stopPage(); } catch { /* ignore */ } stopPage = null; }
  const main = document.getElementById('main');
  const path = location.pathname.replace(/\/+$/, '') || '/';
  // A page the gateway wrote whole (web/first/, data-written its path) is
  // on the screen already: its module takes it as it is (written).
  // Another page (404, 403) takes its place.
  const { found, params } = routeOf(path);
  markCurrent();
  if (found && found.who !== 'anyone' && !context.session) { location.replace(loginUrl()); return; }
  const allowed = found && (!Array.isArray(found.who) || found.who.some(role => context.roles.includes(role)));
  // The gateway writes the 403 page (web/first/forbidden.html) for a page
  // of a role the person does not hold.
  const written = found && main.dataset.written === (allowed ? path : '/forbidden');
  delete main.dataset.written;
  delete main.dataset.drawn;
  if (!written) clear(main);
  if (!found) return show(main, 'notfound', params);
  if (!allowed) return show(main, 'forbidden', params, written);
  return show(main, found.module, params, written);
}

async function show(main, module, params, written = false) {
  const page = await import(`./pages/${module}.js`);
  // A page of many first reads (its module's carried) drawn here: they
  // come in one answer, the page as the gateway writes it.
  if (page.carried && !written) await carryFirstReads(location.pathname + location.search);
  let stop;
  try {
    stop = await page.render(main, { ...context, params, path: location.pathname, reload: draw, written });
  } catch (error) {
    // The page's own record is not there (a report, case or issue number
    // mistyped, or not the person's): the 404 page, saying what. Any
    // other error said on the page, never left half drawn; a session
    // that ended is on its way to the login page (api.js).
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) return;
    if (error.status === 404) { clear(main); return show(main, 'notfound', [error]); }
    main.append(h('p', { class: 'form-error', role: 'alert' }, errorMessage(error)));
  } finally {
    forgetFirstReads(); // the page's own data is in it: from now on, the gateway's
  }
  if (typeof stop === 'function') stopPage = stop;
  document.title = t('app.name') + ' · ' + (main.querySelector('h1')?.textContent || '');
  translate(main);
  // Where the person is in a written page already (typing their login) stays.
  if (!(written && main.contains(document.activeElement))) main.focus({ preventScroll: true });
  main.dataset.drawn = location.pathname; // drawn with its data (tests wait for it)
  performance.mark('bs-drawn'); // bench/console_first_page.mjs reads it, and
  main.querySelector('h1')?.setAttribute('elementtiming', 'bs-page'); // when it is painted
  afterFirstDraw();
}

// After the browser's next frame is made (its style, layout and paint
// done; its raster goes on beside): what a page draws after this does not
// hold that frame. At once in a hidden tab, which makes no frame (and at
// most a second, should it be hidden meanwhile): on a loaded machine a
// frame may take over 100 ms, and a shorter bound drew the rest into it.
export function nextFrame() {
  return new Promise(resolve => {
    if (document.hidden) return resolve();
    const timer = setTimeout(resolve, 1000);
    requestAnimationFrame(() => setTimeout(() => { clearTimeout(timer); resolve(); }));
  });
}

// What the first page does not need, fetched once the page is on the
// screen (its heading painted: the browser's Element Timing of
// elementtiming="bs-page"; or after a second, in a browser without it):
// the icon (an SVG the browser parses on the page's own thread) and the
// other script's dictionary. Asked for at once, they took the cores the
// browser paints the first page with.
// firstPainted: a promise of that moment, for what a page may start later
// (the leader's live feed, whose first event reads the figures again).
let firstDrawn = false, painted = null;
export const firstPainted = new Promise(resolve => { painted = resolve; });
function afterFirstDraw() {
  if (firstDrawn) return;
  firstDrawn = true;
  let observer = null, timer = 0;
  const rest = () => {
    if (!timer) return;
    clearTimeout(timer); timer = 0;
    observer?.disconnect();
    painted();
    document.head.append(h('link', { rel: 'icon', href: '/static/icon.svg', type: 'image/svg+xml' }));
    preloadScripts().catch(() => { /* the switch loads it again */ });
    if (!context.session) whenIdle(prepare);
  };
  timer = setTimeout(rest, 1000);
  if (PerformanceObserver.supportedEntryTypes?.includes('element')) {
    observer = new PerformanceObserver(list => { if (list.getEntries().some(e => e.identifier === 'bs-page')) rest(); });
    observer.observe({ type: 'element', buffered: true });
  }
}

// What the page after the login form needs, made ready while the person
// types (the browser idle) rather than after the press of the button: the
// tab's session storage (its first use asks the browser for it and waits:
// the login keeps the person's name there, the send form its draft), the
// header's markup parsed (the first parse in a page sets up the
// browser's parser) and the module of each role's main page (the
// header's links) run. Only the work moves: nothing is read from the
// gateway, and the page is drawn from the login's answer as before.
function prepare() {
  try { sessionStorage.getItem('bs-name'); } catch { /* private mode */ }
  prepareView(topView);
  for (const [, path] of topView.matchAll(/<a href="(\/[a-z]+)" data-role=/g)) {
    const { found } = routeOf(path);
    if (found) import(`./pages/${found.module}.js`).catch(() => { /* drawn when asked for */ });
  }
}

// fn once the browser is idle (or after a second at most).
function whenIdle(fn) {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(fn, { timeout: 1000 });
  else setTimeout(fn, 0);
}

onScriptChange(() => {
  document.getElementById('script-switch').lang = currentScript() === 'zh-Hans' ? 'zh-Hant' : 'zh-Hans';
  document.title = t('app.name') + ' · ' + (document.querySelector('main h1')?.textContent || '');
});

// Links inside the console change the page without reloading it.
document.addEventListener('click', event => {
  const a = event.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/static/') || url.pathname === '/submit') return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', draw);

// The page's session and data are in it (api.js), its modules in this
// script: the first page is drawn once the dictionary in use is there.
ready.then(() => { translate(document); return loadSession(); }).then(draw);
