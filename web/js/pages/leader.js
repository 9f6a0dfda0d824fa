// leader (领导): the live dashboard: counts today, this month and this
// year; the ranking of units (equal figures share a rank); charts of
// adoptions by unit and by month (SVG); escalated urgent reports; recent
// decisions, each a link to its case, where a leader reverts with a reason.
// The figures are read again every half second, and the page redrawn when
// they changed, so a change shows within a second without a reload.
import { h, M, when, clear } from '../dom.js';
import { get } from '../api.js';
import { table, stateBadge } from './common.js';
import { translate } from '../i18n.js';
import { issuesTable } from './publisher.js';

const POLL_MS = 500;
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  children.forEach(c => el.append(c));
  return el;
}

// A horizontal bar chart of [label, value] pairs; title is its name.
function barChart(id, titleText, pairs) {
  const max = Math.max(1, ...pairs.map(([, v]) => v));
  const rowHeight = 26, labelWidth = 110, width = 420;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${Math.max(1, pairs.length) * rowHeight + 8}`, role: 'img', id, class: 'chart' });
  chart.append(svg('title', {}, titleText));
  pairs.forEach(([label, value], i) => {
    const y = i * rowHeight + 4;
    const bar = Math.round((width - labelWidth - 40) * value / max);
    chart.append(svg('text', { x: labelWidth - 6, y: y + 16, 'text-anchor': 'end', class: 'label' }, label),
      svg('rect', { x: labelWidth, y: y + 2, width: Math.max(bar, 1), height: rowHeight - 8, class: 'bar' }),
      svg('text', { x: labelWidth + bar + 6, y: y + 16, class: 'value' }, String(value)));
  });
  return chart;
}

function sum(rows, key) { return rows.reduce((total, row) => total + (row[key] || 0), 0); }

// Figures by the date each event happened: an adoption counts when it is
// decided, not when the issue that carries it is published.
const BASIS = 'decided';

export async function render(main) {
  main.append(h('h1', {}, M('leader.title')), h('p', { class: 'hint' }, M('leader.basis')));
  const box = h('div', { id: 'dashboard', 'aria-live': 'polite' });
  main.append(box);
  const now = new Date();
  const year = String(now.getFullYear());
  const month = `${year}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  const day = `${month}-${String(now.getDate()).padStart(2, '0')}`;
  let last = '', months = null, monthsAt = 0, stopped = false, periodicals = null;

  const fetchAll = async () => {
    const [todayStats, monthStats, yearStats, ranking, cases, issues] = await Promise.all([
      get('/api/v1/statistics', { period: day, basis: BASIS }), get('/api/v1/statistics', { period: month, basis: BASIS }),
      get('/api/v1/statistics', { period: year, basis: BASIS }),
      get('/api/v1/statistics/ranking', { period: year, by: 'adopted', basis: BASIS }), get('/api/v1/review/queue', { all: true, limit: 1000 }),
      get('/api/v1/publication/issues', { limit: 1000 })]);
    if (!periodicals) periodicals = (await get('/api/v1/publication/periodicals')).periodicals;
    if (!months || Date.now() - monthsAt > 10000) {
      const wanted = Array.from({ length: now.getMonth() + 1 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
      months = await Promise.all(wanted.map(p => get('/api/v1/statistics', { period: p, basis: BASIS }).then(page => [p, sum(page.rows, 'adopted')])));
      monthsAt = Date.now();
    }
    months = months.map(([p, v]) => (p === month ? [p, sum(monthStats.rows, 'adopted')] : [p, v]));
    const signoff = new Set(periodicals.filter(p => p.signoff).map(p => p.name));
    const waiting = issues.issues.filter(i => i.state === 'draft' && i.items.length && !i.signed_off_by && signoff.has(i.periodical));
    return { todayStats, monthStats, yearStats, ranking, cases: cases.cases, months, waiting };
  };

  const draw = data => {
    const card = (id, label, submitted, adoptedCount) => h('div', { class: 'figure card', id },
      h('h2', {}, label),
      h('p', {}, M('leader.submitted'), ' ', h('strong', { class: 'submitted' }, String(submitted))),
      h('p', {}, M('leader.adopted'), ' ', h('strong', { class: 'adopted' }, String(adoptedCount))));
    const escalated = data.cases.filter(c => c.escalated && (c.state === 'queued' || c.state === 'claimed'));
    const decided = data.cases.filter(c => c.decided_at).sort((a, b) => b.decided_at - a.decided_at).slice(0, 10);
    const rankRows = data.ranking.rows;
    clear(box).append(
      h('div', { class: 'figures' },
        card('today', M('leader.today'), sum(data.todayStats.rows, 'submitted'), sum(data.todayStats.rows, 'adopted')),
        card('month', M('leader.month'), sum(data.monthStats.rows, 'submitted'), sum(data.monthStats.rows, 'adopted')),
        card('year', M('leader.year'), sum(data.yearStats.rows, 'submitted'), sum(data.yearStats.rows, 'adopted'))),
      h('section', { class: 'card', 'aria-labelledby': 'esc-h' }, h('h2', { id: 'esc-h' }, M('leader.escalated')),
        table(M('leader.escalated'), [M('col.reg_no'), M('col.title'), M('col.unit'), M('col.state'), M('col.deadline')],
          escalated.map(c => [h('a', { href: '/review/case/' + c.report_id }, c.reg_no), c.title, c.unit, stateBadge(c.state), when(c.deadline)]),
          M('leader.no_escalated'))),
      h('section', { class: 'card', id: 'signoff-queue', 'aria-labelledby': 'signoff-h' }, h('h2', { id: 'signoff-h' }, M('leader.signoff')),
        issuesTable(data.waiting, M('leader.no_signoff'))),
      h('div', { class: 'columns' },
        h('section', { class: 'card', id: 'ranking', 'aria-labelledby': 'rank-h' }, h('h2', { id: 'rank-h' }, M('leader.ranking', { year })),
          table(M('leader.ranking', { year }), [M('col.tier'), M('col.rank'), M('col.unit'), M('col.adopted'), M('col.submitted'), M('col.published')],
            rankRows.map(r => [r.tier ? M('tier.' + r.tier) : '', String(r.rank), r.unit, ...['adopted', 'submitted', 'published'].map(key =>
              h('span', { class: key, 'data-unit': r.unit }, String(r[key])))]), M('list.empty'))),
        h('section', { class: 'card', 'aria-labelledby': 'chart-unit-h' }, h('h2', { id: 'chart-unit-h' }, M('leader.by_unit')),
          barChart('chart-units', year, rankRows.map(r => [r.unit, r.adopted])))),
      h('section', { class: 'card', 'aria-labelledby': 'chart-month-h' }, h('h2', { id: 'chart-month-h' }, M('leader.by_month')),
        barChart('chart-months', year, data.months.map(([p, v]) => [p, v]))),
      h('section', { class: 'card', 'aria-labelledby': 'dec-h' }, h('h2', { id: 'dec-h' }, M('leader.decisions')),
        table(M('leader.decisions'), [M('col.reg_no'), M('col.title'), M('col.unit'), M('col.state'), M('col.time')],
          decided.map(c => [h('a', { href: '/review/case/' + c.report_id }, c.reg_no), c.title, c.unit, stateBadge(c.state), when(c.decided_at)]))));
    translate(box);
  };

  const poll = async () => {
    if (stopped) return;
    try {
      const data = await fetchAll();
      const text = JSON.stringify(data);
      if (text !== last && !stopped) { last = text; draw(data); }
    } catch { /* the next poll tries again */ }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  let timer = null;
  await poll();
  return () => { stopped = true; clearTimeout(timer); };
}
