// common: pieces several pages share (tabs, state and kind names, scores).
import { h, M } from '../dom.js';

export const kinds = ['situation', 'topic', 'urgent', 'research', 'highlight'];

// A row of links to a role's pages; the current one is marked.
export function tabs(items) {
  return h('nav', { class: 'tabs', 'aria-label': M('tabs.label') },
    items.map(([path, key]) => h('a', { href: path, 'aria-current': location.pathname === path ? 'page' : false }, M(key))));
}

export const stateName = state => M('state.' + (state || 'received'));
export const kindName = kind => M('kind.' + (kind || 'situation'));

export function stateBadge(state) {
  return h('span', { class: 'badge state-' + (state || 'received') }, stateName(state));
}

export function scoreList(scores) {
  if (!scores || !scores.length) return null;
  return h('ul', { class: 'scores' }, scores.map(s =>
    h('li', {}, M('criterion.' + s.criterion), ' ', h('strong', {}, String(s.value)))));
}

// A table: heads are Msgs, rows arrays of cells; empty shows the Msg.
export function table(caption, heads, rows, empty) {
  if (!rows.length) return h('p', { class: 'empty' }, empty || M('list.empty'));
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, heads.map(head => h('th', { scope: 'col' }, head)))),
    h('tbody', {}, rows.map(cells => h('tr', {}, cells.map((cell, i) => h('td', { 'data-label': heads[i] }, cell)))))));
}
