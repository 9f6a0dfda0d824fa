// common: pieces several pages share (tabs, state and kind names, scores,
// countdowns to deadlines).
import { h, M, clear, viewPart, once, toast } from '../dom.js';
import { translate } from '../i18n.js';
import { errorMessage } from '../errors.js';
// The leader's dashboard's first view, whose tabs the leader's pages share;
// the unit tree's, whose tabs the admin's pages share.
import leaderView from '../../first/leader.html';
import adminView from '../../first/admin.html';

// A first view's row of links to a role's pages (nav.tabs, web/first/)
// with the current page marked.
export function hereTabs(nav) {
  nav.querySelectorAll('a').forEach(a => {
    if (a.getAttribute('href') === location.pathname) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  return nav;
}

// The admin's pages.
export const adminTabs = () => hereTabs(viewPart(adminView, 'nav.tabs'));

// The leader's pages: the live dashboard, scores, bulletins.
export const leaderTabs = () => hereTabs(viewPart(leaderView, 'nav.tabs'));

export const stateName = state => M('state.' + (state || 'received'));
export const kindName = kind => M('kind.' + (kind || 'situation'));

// The topic (专题) the officer gave a report, for its meta line: said
// where the report is read (the officer's page, the editor's case).
export const topicNamed = topic =>
  topic ? [' · ', h('span', { class: 'topic' }, M('field.topic'), M('colon'), topic)] : null;

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

export const levelName = level => (level ? M('level.' + level) : '');

// "剩余 1:23:45", "剩余 2天 23:59:59" or "已超时 0:05:00" until deadline
// (ms): a deadline days away in days (天 alike in both scripts), not 71 hours.
export function countdown(deadline) {
  const left = Number(deadline) - Date.now();
  const s = Math.floor(Math.abs(left) / 1000);
  const days = Math.floor(s / 86400);
  const clock = `${days ? days + '天 ' : ''}${Math.floor(s / 3600) % 24}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return M(left >= 0 ? 'queue.left' : 'queue.overdue', { time: clock });
}

// Redraw every .countdown[data-deadline] under box (call once a second).
export function tickCountdowns(box) {
  box.querySelectorAll('.countdown[data-deadline]').forEach(el => {
    clear(el).append(h('span', {}, countdown(el.dataset.deadline)));
    translate(el);
    el.classList.toggle('overdue', Number(el.dataset.deadline) < Date.now());
  });
}

// A button for what cannot be taken back lightly (revoke, disable):
// pressed, it gives way to question with 确定 and 取消, the focus on
// 确定; 确定 runs action (a refusal said in the toast), 取消 brings the
// button back. attrs are the button's (an aria-label naming the row).
export function confirmButton(label, question, action, attrs = {}) {
  const box = h('span', { class: 'confirm' });
  const button = h('button', { type: 'button', ...attrs, onclick: () => {
    const yes = h('button', { type: 'button', class: 'danger confirm-yes',
      onclick: once(() => Promise.resolve().then(action).catch(error => { if (!error.leaving) toast(errorMessage(error)); })) }, M('confirm.yes'));
    const no = h('button', { type: 'button', class: 'confirm-no', onclick: () => { clear(box).append(button); button.focus(); } }, M('confirm.no'));
    clear(box).append(h('span', { class: 'confirm-question' }, question), ' ', yes, ' ', no);
    yes.focus();
  } }, label);
  box.append(button);
  return box;
}
