// dom: building elements, and the interface strings in them.
//
// Every interface string is a Msg (key and arguments), never text: h()
// puts it in a <span data-t> (or records it in data-ta for an attribute),
// so switching the script retranslates the page in place (i18n.js) and
// keeps what the person typed. Data (titles, names, critiques) is text
// and is shown as it was entered.
import { t } from './i18n.js';

export class Msg {
  constructor(key, args) { this.key = key; this.args = args || null; }
}
export const M = (key, args) => new Msg(key, args);

function setAttr(el, name, value) {
  if (value instanceof Msg) {
    el.setAttribute(name, t(value.key, value.args));
    const list = el.dataset.ta ? JSON.parse(el.dataset.ta) : {};
    list[name] = [value.key, value.args];
    el.dataset.ta = JSON.stringify(list);
  } else if (value === true) el.setAttribute(name, '');
  else if (value !== false && value !== null && value !== undefined) el.setAttribute(name, value);
}

export function text(msg) {
  const span = document.createElement('span');
  span.dataset.t = msg.key;
  if (msg.args) span.dataset.targs = JSON.stringify(msg.args);
  span.textContent = t(msg.key, msg.args);
  return span;
}

function append(el, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { child.forEach(c => append(el, c)); return; }
  if (child instanceof Msg) el.appendChild(text(child));
  else if (child instanceof Node) el.appendChild(child);
  else el.appendChild(document.createTextNode(String(child)));
}

// Appends children to el as h() does (messages as text in the page's
// script; null, undefined and false left out, arrays flattened), where
// the DOM's own append would write "null" or "[object Object]".
export function add(el, ...children) {
  append(el, children);
  return el;
}

// h('button', {class: 'primary', onclick: f}, M('send')) ...
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'value' && 'value' in el) el.value = value ?? '';
    else if (name === 'checked' || name === 'selected' || name === 'disabled') el[name] = !!value;
    else setAttr(el, name, value);
  }
  append(el, children);
  return el;
}

// A page's first view: web/first/NAME.html, the page's main element as
// the gateway writes it whole into the page it answers (with the figures
// it has, data-fill), which the bundle carries as its text (markup), so
// the script draws the page from the same markup: parsed once, each part
// taken anew.
const views = new Map();
function viewOf(markup) {
  if (!views.has(markup)) {
    const template = document.createElement('template');
    template.innerHTML = markup;
    views.set(markup, template.content.firstElementChild);
  }
  return views.get(markup);
}

// The first view of markup parsed now, not when it is first drawn: the
// browser's first fragment parse in a page sets up its parser, which a
// page drawn after the login form would otherwise pay (app.js prepare).
export function prepareView(markup) { viewOf(markup); }

// main as the first view shows it (its parts, anew).
export function drawView(main, markup) {
  clear(main).append(...viewOf(markup).cloneNode(true).childNodes);
  return main;
}

// The element at selector in the first view, anew.
export function viewPart(markup, selector) {
  return viewOf(markup).querySelector(selector).cloneNode(true);
}

// Each [data-fill=KEY] under root shows values[KEY] (the figures of a
// first view, which the gateway fills with the same keys: console_written.c).
export function fill(root, values) {
  root.querySelectorAll('[data-fill]').forEach(el => {
    const value = String(values[el.dataset.fill] ?? '');
    if (el.textContent !== value) el.textContent = value;
  });
}

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

let fieldCounter = 0;
// A labelled control: <div class="field"><label for>…</label>control</div>.
export function field(label, control, hint) {
  if (!control.id) control.id = 'f' + (++fieldCounter);
  const box = h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  if (hint) {
    const note = h('p', { class: 'hint', id: control.id + '-hint' }, hint);
    control.setAttribute('aria-describedby', note.id);
    box.appendChild(note);
  }
  return box;
}

// A moment as the offices write it, in local time: 2026年12月3日 14:05
// (the dictionaries' date.time, alike in both scripts); with day alone,
// 2026年12月3日. Machine forms (2026-12-03) stay where a machine reads them.
export function when(ms, day = false) {
  if (!ms) return '';
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return '';
  const date = { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(),
    time: `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}` };
  return t(day ? 'date.day' : 'date.time', date);
}

// A moment picked as the offices write it (2026年12月8日 17:30), where
// the browser's own date picker speaks its own language (mm/dd/yyyy): a
// fieldset (legend label, name name, which an error of the field marks)
// of five lists, year, month, day, hour and minute, each labelled by its
// unit, at ms (local time) to begin with. momentOf(form data, name) reads
// it back as ms. The days follow the month (no 2月30日).
export function momentField(label, name, ms) {
  const d = new Date(Number(ms));
  const year = new Date().getFullYear();
  const numbers = (from, to, chosen, two) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
    .map(n => h('option', { value: n, selected: n === chosen }, two ? String(n).padStart(2, '0') : String(n)));
  const list = (part, unit, options) => h('label', { class: 'moment-part' },
    h('select', { name: `${name}_${part}` }, options), unit);
  const days = h('select', { name: `${name}_day` });
  const fillDays = (y, m, chosen) => {
    const last = new Date(y, m, 0).getDate();
    clear(days).append(...numbers(1, last, Math.min(chosen, last)));
  };
  fillDays(d.getFullYear(), d.getMonth() + 1, d.getDate());
  const box = h('fieldset', { class: 'moment', name },
    h('legend', {}, label),
    list('year', M('moment.year'), numbers(Math.min(year, d.getFullYear()), Math.max(year + 1, d.getFullYear()), d.getFullYear())),
    list('month', M('moment.month'), numbers(1, 12, d.getMonth() + 1)),
    h('label', { class: 'moment-part' }, days, M('moment.day')),
    list('hour', M('moment.hour'), numbers(0, 23, d.getHours(), true)),
    list('minute', M('moment.minute'), numbers(0, 59, d.getMinutes(), true)));
  box.addEventListener('change', event => {
    if (!/_(year|month)$/.test(event.target.name)) return;
    const value = part => Number(box.querySelector(`[name="${name}_${part}"]`).value);
    fillDays(value('year'), value('month'), value('day'));
  });
  return box;
}

export function momentOf(data, name) {
  const part = key => Number(data.get(`${name}_${key}`));
  if (!data.get(`${name}_year`)) return 0;
  return new Date(part('year'), part('month') - 1, part('day'), part('hour'), part('minute')).getTime();
}

// What a person types into form's controls of names, kept in the tab
// (sessionStorage, under key) as it is typed until forget() (the form is
// sent): the form drawn again after a reload, a login or a redraw of its
// page takes it back where its controls are empty (never over what the
// person typed before the script took a form the gateway wrote).
export function keepDraft(form, key, names) {
  const controls = names.map(name => form.elements[name]).filter(Boolean);
  const valueOf = c => (c.type === 'checkbox' ? c.checked : c.value);
  try {
    const kept = JSON.parse(sessionStorage.getItem(key) || 'null');
    if (kept && controls.every(c => c.type === 'checkbox' || c.tagName === 'SELECT' || !c.value))
      for (const c of controls) if (c.name in kept) { if (c.type === 'checkbox') c.checked = !!kept[c.name]; else if (kept[c.name]) c.value = kept[c.name]; }
  } catch { /* private mode, or nothing kept */ }
  form.addEventListener('input', () => {
    try { sessionStorage.setItem(key, JSON.stringify(Object.fromEntries(controls.map(c => [c.name, valueOf(c)])))); } catch { /* private mode */ }
  });
  return { forget: () => { try { sessionStorage.removeItem(key); } catch { /* private mode */ } } };
}

// Redraw what is under root (redraw, which may be async) with the focus
// where the person had it: a keyboard user who pressed a button that
// draws the page anew (claim, save) stays on that button, or the control
// drawn in its place (the same id; the same form's control of the same
// name and value; the same label), not thrown back to the page's top.
// When it is gone: the control at its place among root's (sameIndex: the
// next row's button), else fallback() if given, else main, from which
// Tab goes on.
// (A button pressed is disabled while it acts, which takes the focus off
// it: the focus is then where the person last put it, lastFocus.)
const focusable = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
let lastFocus = null;
document.addEventListener('focusin', event => { lastFocus = event.target; });
export async function keepFocus(root, redraw, { sameIndex = false, fallback = null } = {}) {
  const active = document.activeElement;
  const was = !active || active === document.body ? lastFocus : active;
  if (!was || was === root || !root.contains(was)) return redraw();
  const attribute = (name, value) => `[${name}="${CSS.escape(value)}"]`;
  let selector = null;
  if (was.id) selector = '#' + CSS.escape(was.id);
  else if (was.type === 'submit' && was.form?.id) selector = '#' + CSS.escape(was.form.id) + ' [type=submit]';
  else if (was.name && was.form?.id) selector = '#' + CSS.escape(was.form.id) + ' ' + attribute('name', was.name) + (was.type === 'radio' ? attribute('value', was.value) : '');
  else if (was.getAttribute('aria-label')) selector = attribute('aria-label', was.getAttribute('aria-label'));
  const place = [...root.querySelectorAll(focusable)].indexOf(was);
  const result = await redraw();
  if (document.activeElement !== document.body && document.activeElement && root.contains(document.activeElement)) return result;
  const controls = () => [...root.querySelectorAll(focusable)].filter(el => !el.disabled && el.checkVisibility());
  const again = (selector && root.querySelector(selector)) || (sameIndex && controls()[Math.min(place, controls().length - 1)]);
  (again || fallback?.() || document.getElementById('main'))?.focus();
  return result;
}

// A button's click that acts (action returns a promise): the button is
// disabled until it is done, so a double click, or a second press while
// a slow network answers the first, does not act twice.
export function once(action) {
  return event => {
    const button = event.currentTarget;
    if (button.disabled) return;
    button.disabled = true;
    Promise.resolve().then(action).finally(() => { button.disabled = false; });
  };
}

export function toast(msg) {
  const box = document.getElementById('toast');
  clear(box);
  append(box, msg);
  box.classList.add('shown');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove('shown'), 4000);
}
