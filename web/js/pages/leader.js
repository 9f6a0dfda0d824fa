// leader (领导): the live dashboard, fed by the statistics feed
// (EventSource on GET /api/v1/statistics/feed: Server-Sent Events, which the
// browser resumes with Last-Event-ID after a broken connection). Each event
// (the snapshot, a unit's changed figures, an escalated urgent report)
// makes the page read the figures again at once, so a change shows within a
// second without a reload: counts today, this month and this year; the
// ranking of units within each tier (equal figures share a rank); adoption
// by the levels above; charts of adoptions by unit and by month (SVG).
// The lists that are no statistics (escalated urgent reports, issues a
// publisher sent for sign-off (送签), leaders' comments, recent decisions, each a link to
// its case, where a leader reverts with a reason) are read every LISTS_MS
// and on an escalation; the earlier months' figures every MONTHS_MS.
import { h, M, when, clear, drawView, fill } from '../dom.js';
import { get } from '../api.js';
import { table, stateBadge, levelName, hereTabs } from './common.js';
import { translate, t } from '../i18n.js';
import { issuesTable } from './publisher.js';
import { firstPainted, nextFrame } from '../app.js';
// The dashboard's first view: its heading, tabs and the figures of today,
// this month and this year (data-fill), which the gateway writes whole
// with the figures filled from the reads it made for the page.
import view from '../../first/leader.html';

const LISTS_MS = 2000;
const MONTHS_MS = 10000; // the earlier months' figures are read this often
const SVG = 'http://www.w3.org/2000/svg';
const upperLevels = ['county', 'city', 'province', 'central'];

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

// A month as the charts name it: "2026-03" is 3月 (alike in both scripts).
const monthName = period => t('chart.month', { month: Number(period.slice(5)) });

function sum(rows, key) { return rows.reduce((total, row) => total + (row[key] || 0), 0); }

// Run fn one at a time: a call while it runs makes it run once more after.
function coalesced(fn) {
  let running = null, again = false;
  return () => {
    if (running) { again = true; return running; }
    running = (async () => {
      do { again = false; try { await fn(); } catch { /* the next event or round tries again */ } } while (again);
      running = null;
    })();
    return running;
  };
}

// Figures by the date each event happened: an adoption counts when it is
// decided, not when the issue that carries it is published.
const BASIS = 'decided';

function rankingTables(rows, year) {
  const tiers = [...new Set(rows.map(r => r.tier || ''))];
  return tiers.map(tier => {
    const caption = tier ? [M('tier.' + tier), ' · ', M('leader.ranking', { year })] : M('leader.ranking', { year });
    return h('div', { class: 'tier', 'data-tier': tier }, h('h3', {}, tier ? M('tier.' + tier) : M('leader.no_tier')),
      table(caption, [M('col.rank'), M('col.unit'), M('col.adopted'), M('col.submitted'), M('col.published')],
        rows.filter(r => (r.tier || '') === tier).map(r => [String(r.rank), r.unit, ...['adopted', 'submitted', 'published'].map(key =>
          h('span', { class: key, 'data-unit': r.unit }, String(r[key])))]), M('list.empty')));
  });
}

// The figures of the first view, by their data-fill keys (the gateway
// sums the same columns of the same reads: services/gateway/console.c).
function figureValues({ todayStats, monthStats, yearStats }) {
  const values = {};
  for (const [name, stats] of [['day', todayStats], ['month', monthStats], ['year', yearStats]])
    for (const column of ['submitted', 'adopted']) values[`${name}.${column}`] = sum(stats.rows, column);
  return values;
}

// Drawn in a tab that had another page (after the login form), its first
// reads come in one answer, the page the gateway writes (api.js
// carryFirstReads), not twenty asked by the browser after the login.
export const carried = true;

export async function render(main, { written }) {
  if (!written) drawView(main, view);
  hereTabs(main.querySelector('nav.tabs'));
  const box = main.querySelector('#dashboard-more');
  const now = new Date();
  const year = String(now.getFullYear());
  const month = `${year}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  const day = `${month}-${String(now.getDate()).padStart(2, '0')}`;
  let figures = null, lists = null, months = null, last = '', stopped = false;

  // What an event changes: four reads, nothing else in their way.
  const readFigures = coalesced(async () => {
    const [todayStats, monthStats, yearStats, ranking] = await Promise.all([
      get('/api/v1/statistics', { period: day, basis: BASIS }), get('/api/v1/statistics', { period: month, basis: BASIS }),
      get('/api/v1/statistics', { period: year, basis: BASIS }),
      get('/api/v1/statistics/ranking', { period: year, by: 'adopted', basis: BASIS })]);
    figures = { todayStats, monthStats, yearStats, ranking };
    if (!stopped) fill(main, figureValues(figures));
    draw();
  });
  // The earlier months change rarely (a revert): read on their own clock.
  const readMonths = coalesced(async () => {
    const wanted = Array.from({ length: now.getMonth() + 1 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`);
    months = await Promise.all(wanted.map(p => get('/api/v1/statistics', { period: p, basis: BASIS }).then(page => [p, sum(page.rows, 'adopted')])));
    draw();
  });

  const readLists = coalesced(async () => {
    const [cases, issues, instructions] = await Promise.all([get('/api/v1/review/queue', { all: true, limit: 1000 }),
      get('/api/v1/publication/issues', { limit: 1000 }), get('/api/v1/publication/instructions', { limit: 1000 })]);
    // The drafts a publisher asked to be signed off (送签), not yet signed.
    const waiting = issues.issues.filter(i => i.state === 'draft' && i.signoff_asked_at && !i.signed_off_by);
    lists = { cases: cases.cases, waiting, instructions: instructions.instructions };
    draw();
  });

  const draw = () => {
    if (!figures || !lists || !months || stopped) return;
    const text = JSON.stringify([figures, lists, months]);
    if (text === last) return;
    last = text;
    const { monthStats, yearStats, ranking } = figures;
    const escalated = lists.cases.filter(c => c.escalated && (c.state === 'queued' || c.state === 'claimed'));
    const decided = lists.cases.filter(c => c.decided_at).sort((a, b) => b.decided_at - a.decided_at).slice(0, 10);
    const comments = lists.instructions.slice().sort((a, b) => b.instructed_at - a.instructed_at).slice(0, 10);
    const rankRows = ranking.rows;
    clear(box).append(
      h('section', { class: 'card', id: 'by-level', 'aria-labelledby': 'level-h' }, h('h2', { id: 'level-h' }, M('leader.by_level', { year })),
        h('ul', { class: 'levels' },
          h('li', {}, M('leader.this_level'), ' ', h('strong', { 'data-level': 'here' }, String(sum(yearStats.rows, 'adopted')))),
          upperLevels.map(l => h('li', {}, levelName(l), ' ', h('strong', { 'data-level': l }, String(sum(yearStats.rows, 'adopted_' + l))))))),
      h('section', { class: 'card', 'aria-labelledby': 'esc-h' }, h('h2', { id: 'esc-h' }, M('leader.escalated')),
        table(M('leader.escalated'), [M('col.reg_no'), M('col.title'), M('col.unit'), M('col.state'), M('col.deadline')],
          escalated.map(c => [h('a', { href: '/review/case/' + c.report_id }, c.reg_no), c.title, c.unit, stateBadge(c.state), when(c.deadline)]),
          M('leader.no_escalated'))),
      h('section', { class: 'card', id: 'signoff-queue', 'aria-labelledby': 'signoff-h' }, h('h2', { id: 'signoff-h' }, M('leader.signoff')),
        issuesTable(lists.waiting, M('leader.no_signoff'))),
      h('div', { class: 'columns' },
        h('section', { class: 'card', id: 'ranking', 'aria-labelledby': 'rank-h' }, h('h2', { id: 'rank-h' }, M('leader.ranking', { year })),
          rankRows.length ? rankingTables(rankRows, year) : h('p', { class: 'empty' }, M('list.empty'))),
        h('section', { class: 'card', 'aria-labelledby': 'chart-unit-h' }, h('h2', { id: 'chart-unit-h' }, M('leader.by_unit')),
          barChart('chart-units', year, rankRows.map(r => [r.unit, r.adopted])))),
      h('section', { class: 'card', 'aria-labelledby': 'chart-month-h' }, h('h2', { id: 'chart-month-h' }, M('leader.by_month')),
        barChart('chart-months', year, months.map(([p, v]) => [monthName(p), p === month ? sum(monthStats.rows, 'adopted') : v]))),
      h('section', { class: 'card', id: 'leader-comments', 'aria-labelledby': 'comments-h' }, h('h2', { id: 'comments-h' }, M('report.instructions')),
        table(M('report.instructions'), [M('col.title'), M('col.unit'), M('field.leader'), M('field.comment'), M('col.follow_up')],
          comments.map(i => [i.title, i.unit, [i.leader, ' · ', levelName(i.level)], i.text, i.follow_up_text || M('feedback.no_follow_up')]),
          M('feedback.no_comments'))),
      h('section', { class: 'card', 'aria-labelledby': 'dec-h' }, h('h2', { id: 'dec-h' }, M('leader.decisions')),
        table(M('leader.decisions'), [M('col.reg_no'), M('col.title'), M('col.unit'), M('col.state'), M('col.time')],
          decided.map(c => [h('a', { href: '/review/case/' + c.report_id }, c.reg_no), c.title, c.unit, stateBadge(c.state), when(c.decided_at)]))));
    translate(box);
  };

  const feedState = key => {
    const badge = document.getElementById('feed-state');
    if (!badge) return;
    clear(badge).append(h('span', {}, M(key)));
    badge.classList.toggle('ok', key === 'leader.live');
    translate(badge);
  };
  // The feed opens once the first page is on the screen (at once after
  // that) and this page has taken its first reads (below): its snapshot
  // reads the figures again, which took the cores the browser paints the
  // dashboard with (its first frame is rastered in software).
  let feed = null;
  const changed = () => readFigures();
  const openFeed = () => firstPainted.then(() => {
    if (stopped) return;
    feed = new EventSource('/api/v1/statistics/feed');
    feed.addEventListener('snapshot', () => { feedState('leader.live'); changed(); });
    feed.addEventListener('changed', changed);
    feed.addEventListener('escalated', () => { readFigures(); readLists(); });
    feed.addEventListener('open', () => feedState('leader.live'));
    feed.addEventListener('error', () => feedState('leader.reconnecting'));
  });

  // The page's first view (heading, tabs, the figures) gets its first
  // frame before the lists and charts are drawn below it: drawn before
  // it, they held that frame by about 90 ms (a new tab: the script is kept
  // by the browser and runs as soon as the page is parsed) or made it the
  // whole dashboard, 110-140 ms from drawn to painted (after the login
  // form), a tall page to lay out and raster (bench/README.md). The
  // gateway wrote it with its figures, or it is drawn here with them from
  // the reads the page carries.
  if (!written) {
    await readFigures();
    translate(main);
  }
  await nextFrame();
  // Drawn from the figures the page carries (its first reads), not after
  // the feed: the feed's snapshot, once it comes, reads the figures again,
  // so nothing that changed in between is missed. The feed opens once
  // they are taken (a snapshot while the page still took them would be
  // answered from the carried reads).
  await Promise.all([figures || readFigures(), readLists(), readMonths()]);
  openFeed();
  const timers = [setInterval(readLists, LISTS_MS), setInterval(readMonths, MONTHS_MS)];
  return () => { stopped = true; feed?.close(); timers.forEach(clearInterval); };
}
