// api: every action of the console is a call of the documented HTTP API
// (docs/API.md). A call whose session has expired goes to the login page,
// which comes back here after logging in. Errors become ApiError with the
// API's code and field, which errors.js turns into Chinese.
let csrf = '';
export function setCsrf(value) { csrf = value || ''; }

// reason and line: what is wrong with the field, in a word of the API's
// reasons, and the line of its text at fault (docs/API.md), when given;
// leaving: the session ended and the page is on its way to the login page
// (nothing to say where the person was).
export class ApiError extends Error {
  constructor(status, code, field, message, reason, line) {
    super(message || code || String(status));
    this.status = status; this.code = code || 'system'; this.field = field || '';
    this.reason = reason || ''; this.line = Number(line) || 0; this.leaving = false;
  }
}

export function loginUrl() {
  const here = location.pathname + location.search;
  return '/login' + (here.startsWith('/login') ? '' : '?next=' + encodeURIComponent(here));
}

// The answers the gateway wrote into the page for the reads it draws first
// (<script type="application/json" id="bs-first">: the session, the
// settings, the page's data), by "path?query": each stands for every GET
// of its path and query until the first page is drawn (a page may read
// the same twice as it draws: the leader's month is also one of the
// months), so the first page asks for nothing; then they are forgotten
// (forgetFirstReads) and every read goes to the gateway.
const firstReads = new Map(Object.entries((() => {
  try { return JSON.parse(document.getElementById('bs-first')?.textContent || '{}'); } catch { return {}; }
})()));
export function forgetFirstReads() { firstReads.clear(); }

// The first reads of the page drawn next, as the login's answer carries
// them (its first_reads: docs/API.md), taken as that page's: the page
// after the login form is drawn with no call of its own.
export function takeFirstReads(reads) {
  for (const [read, answer] of Object.entries(reads || {})) firstReads.set(read, answer);
}

// The first reads of the page at path as the gateway writes them into it,
// taken as this page's: for a page the console draws in a tab that had
// another (after the login form) whose reads are many (the leader's
// twenty), one answer of the gateway, which makes them itself, instead of
// each asked by the browser a few at a time. Asked as JSON, the gateway
// answers them alone (not the page written around them: docs/API.md).
// Nothing taken when they cannot be read: the page then asks for each;
// nothing asked when the page's reads are taken already (takeFirstReads).
export async function carryFirstReads(path) {
  if (firstReads.size) return;
  try {
    const response = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) return;
    for (const [read, answer] of Object.entries(await response.json())) firstReads.set(read, answer);
  } catch { /* each read is asked for */ }
}

// The status and JSON of a call: the page's own answer for a first read,
// else the gateway's (headers: the call's own, beside Accept and JSON's).
async function answer(method, path, body, own) {
  const written = method === 'GET' && firstReads.get(path);
  if (written) return written;
  const headers = { Accept: 'application/json', ...own };
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'unavailable', '', 'network');
  }
  let data = null;
  try { data = await response.json(); } catch { /* not JSON */ }
  return [response.status, data];
}

// options: noRedirect (a 401 is thrown, not sent to the login page),
// headers (the call's own: the Idempotency-Key of a report).
export async function api(method, path, body, options = {}) {
  const [status, data] = await answer(method, path, body, options.headers);
  if (status === 401 && !options.noRedirect) {
    location.assign(loginUrl());
    const leaving = new ApiError(401, 'unauthorized', '', 'session expired');
    leaving.leaving = true;
    throw leaving;
  }
  if (status < 200 || status > 299) {
    const error = (data && data.error) || {};
    throw new ApiError(status, error.code, error.field, error.message, error.reason, error.line);
  }
  return data;
}

export const get = (path, query) => {
  const q = query ? '?' + new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '')) : '';
  return api('GET', path + q);
};
// key: the call's Idempotency-Key (actionKey), if any.
export const post = (path, body, key) => api('POST', path, body, key ? { headers: { 'Idempotency-Key': key } } : {});

// The Idempotency-Key of the intended action called name (docs/API.md):
// made the first time it is tried, the same for every try until it is
// done (forgetActionKey), kept in the tab (sessionStorage), so an action
// tried again after a reply lost on a slow network, a reload or a login
// acts once (the gateway answers the same key with the first answer).
// From crypto.getRandomValues, which a page served over plain HTTP has too.
export function actionKey(name) {
  let key = null;
  try { key = sessionStorage.getItem(name); } catch { /* private mode */ }
  if (!key) {
    key = 'web-' + Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, '0')).join('');
    try { sessionStorage.setItem(name, key); } catch { /* private mode: this page's tries share it */ }
  }
  return key;
}
export function forgetActionKey(name) { try { sessionStorage.removeItem(name); } catch { /* private mode */ } }

// POST body to path as one action: the same command with the same body
// tried again (after an error, or a reply lost) carries the same key until
// one try is answered; the next one is another action, with a new key.
export async function postOnce(path, body) {
  const name = 'bs-key:' + path + ':' + JSON.stringify(body);
  const data = await post(path, body, actionKey(name));
  forgetActionKey(name);
  return data;
}
