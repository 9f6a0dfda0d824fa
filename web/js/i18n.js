// i18n: the interface in Simplified Chinese (the default) or Traditional
// Chinese, one dictionary per script (i18n/zh-Hans.js, i18n/zh-Hant.js,
// the same keys in both). Data is never converted: it is shown as entered.
// Only the script in use is loaded before the first page: the other one
// when asked for (preloadScripts, once the first page is drawn, or the
// switch itself), so the first page waits for one dictionary, not two.
import hans from './i18n/zh-Hans.js';

const loaders = { 'zh-Hans': async () => hans, 'zh-Hant': async () => (await import('./i18n/zh-Hant.js')).default };
const dictionaries = { 'zh-Hans': hans };
// The script chosen: kept in the browser, and in the bs_script cookie for
// the pages the gateway writes with no script (the /submit form, a file's
// error: services/gateway/page_text.c), whose own switch sets the cookie.
const kept = () => /(?:^|;\s*)bs_script=(zh-Han[st])/.exec(document.cookie)?.[1] || null;
const stored = kept() || (() => { try { return localStorage.getItem('bs-script'); } catch { return null; } })();
let script = 'zh-Hans';

// The script kept in the browser, its dictionary loaded: the first page
// is drawn once this is done (app.js).
export const ready = (async () => {
  if (!loaders[stored] || stored === script) return;
  dictionaries[stored] = await loaders[stored]();
  script = stored;
})();

// Load every dictionary not loaded yet (the switch then changes at once).
export async function preloadScripts() {
  for (const name of Object.keys(loaders)) if (!dictionaries[name]) dictionaries[name] = await loaders[name]();
}

export function currentScript() { return script; }

export function t(key, args) {
  let text = dictionaries[script][key];
  if (text === undefined) { console.warn('no string', key); text = key; }
  if (args) text = text.replace(/\{(\w+)\}/g, (all, name) => (name in args ? String(args[name]) : all));
  return text;
}

// Retranslate every interface string under root (see dom.js). A string
// already in the script in use is left as it is: a page the gateway wrote
// (in Simplified) is not laid out again for nothing while its first frame
// is drawn.
export function translate(root) {
  if (document.documentElement.lang !== script) document.documentElement.lang = script;
  root.querySelectorAll('[data-t]').forEach(el => {
    const text = t(el.dataset.t, el.dataset.targs ? JSON.parse(el.dataset.targs) : null);
    if (el.textContent !== text) el.textContent = text;
  });
  root.querySelectorAll('[data-ta]').forEach(el => {
    for (const [name, [key, args]] of Object.entries(JSON.parse(el.dataset.ta))) {
      const text = t(key, args);
      if (el.getAttribute(name) !== text) el.setAttribute(name, text);
    }
  });
}

const listeners = [];
export function onScriptChange(fn) { listeners.push(fn); }

export async function setScript(wanted) {
  if (!loaders[wanted]) return;
  if (!dictionaries[wanted]) dictionaries[wanted] = await loaders[wanted]();
  script = wanted;
  try { localStorage.setItem('bs-script', wanted); } catch { /* private mode */ }
  document.cookie = `bs_script=${wanted}; Path=/; SameSite=Lax; Max-Age=31536000`;
  translate(document);
  listeners.forEach(fn => fn());
}

export function has(key) { return key in dictionaries[script]; }
