// i18n: the interface in Simplified Chinese (the default) or Traditional
// Chinese, one dictionary per script (i18n/zh-Hans.js, i18n/zh-Hant.js,
// the same keys in both). Data is never converted: it is shown as entered.
import hans from './i18n/zh-Hans.js';
import hant from './i18n/zh-Hant.js';

const dictionaries = { 'zh-Hans': hans, 'zh-Hant': hant };
const stored = (() => { try { return localStorage.getItem('bs-script'); } catch { return null; } })();
let script = dictionaries[stored] ? stored : 'zh-Hans';

export function currentScript() { return script; }

export function t(key, args) {
  let text = dictionaries[script][key];
  if (text === undefined) { console.warn('no string', key); text = key; }
  if (args) text = text.replace(/\{(\w+)\}/g, (all, name) => (name in args ? String(args[name]) : all));
  return text;
}

// Retranslate every interface string under root (see dom.js).
export function translate(root) {
  document.documentElement.lang = script;
  root.querySelectorAll('[data-t]').forEach(el => {
    el.textContent = t(el.dataset.t, el.dataset.targs ? JSON.parse(el.dataset.targs) : null);
  });
  root.querySelectorAll('[data-ta]').forEach(el => {
    for (const [name, [key, args]] of Object.entries(JSON.parse(el.dataset.ta))) el.setAttribute(name, t(key, args));
  });
}

const listeners = [];
export function onScriptChange(fn) { listeners.push(fn); }

export function setScript(wanted) {
  if (!dictionaries[wanted]) return;
  script = wanted;
  try { localStorage.setItem('bs-script', wanted); } catch { /* private mode */ }
  translate(document);
  listeners.forEach(fn => fn());
}

export function has(key) { return key in dictionaries[script]; }
