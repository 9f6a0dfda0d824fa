// assessment (考核与通报): the statistics service's scores and bulletins
// for leaders (and editors, publishers, admins).
//   /leader/scores?period=P    each unit's score, points, reward, penalty
//                              and quota in period P (a year, quarter or
//                              month), ranked within its tier, with the
//                              table as CSV or Excel (statistics.export);
//   /leader/bulletins          the frozen monthly notices and quarterly
//                              bulletins (月通报, 季度通报), newest first,
//                              each as PDF, Excel or CSV; editors, leaders
//                              and admins issue the next one here;
//   /leader/bulletins/N        one bulletin as it was issued: its ranking
//                              per tier, the units short of their quota and
//                              the corrections to the one before.
// Everything is read through GET /api/v1/statistics/scores, /bulletins,
// /bulletin and /bulletin_file, /export (docs/API.md); files are links the
// browser saves (Content-Disposition: attachment).
import { h, M, field, when, clear, toast } from '../dom.js';
import { get, post } from '../api.js';
import { onSubmit, errorMessage } from '../errors.js';
import { table, leaderTabs } from './common.js';
import { translate } from '../i18n.js';
import { people, nameOf } from '../app.js';

const pad = n => String(n).padStart(2, '0');

// A period's name: 2026年 / 2026年第4季度 / 2026年11月.
export function periodName(period) {
  let m;
  if ((m = /^(\d{4})$/.exec(period))) return M('period.year', { year: m[1] });
  if ((m = /^(\d{4})-Q([1-4])$/.exec(period))) return M('period.quarter', { year: m[1], q: m[2] });
  if ((m = /^(\d{4})-(\d\d)$/.exec(period))) return M('period.month', { year: m[1], month: Number(m[2]) });
  return period;
}

// The periods one may look at, newest first: this year and the last, their
// quarters and the months of both, up to now (ended: only those over).
function periods(now, ended) {
  const year = now.getFullYear(), month = now.getMonth() + 1, quarter = Math.ceil(month / 3);
  const years = [], quarters = [], months = [];
  for (const y of [year, year - 1]) {
    if (!ended || y < year) years.push(String(y));
    for (let q = 4; q >= 1; q--) if (y < year || q < quarter || (!ended && q === quarter)) quarters.push(`${y}-Q${q}`);
    for (let m = 12; m >= 1; m--) if (y < year || m < month || (!ended && m === month)) months.push(`${y}-${pad(m)}`);
  }
  return { years, quarters, months };
}

// The rules a table was scored by: the built-in version 0 named in the
// page's script (statistics names it in Simplified alone), a loaded one as
// it was loaded (rules.js names them the same way).
const rulesLine = scored => (scored.rules_version === 0 ? M('assessment.rules_built_in')
  : M('assessment.rules', { name: scored.rules_name || '', version: scored.rules_version }));

const download = (href, key, id) => h('a', { href, download: '', id, class: 'download' }, M(key));

// One tier's ranking of score rows (statistics.score).
function scoreTable(rows, caption) {
  return table(caption, [M('col.rank'), M('col.unit'), M('col.score'), M('col.points'), M('col.reward'), M('col.penalty'),
    M('col.quota'), M('col.submitted'), M('col.adopted'), M('col.adopted_above')],
  rows.map(r => [String(r.rank || ''), r.unit,
    h('strong', { class: 'score', 'data-unit': r.unit }, String(r.score || 0)), String(r.points || 0), String(r.reward || 0),
    String(r.penalty || 0),
    r.quota ? h('span', { class: r.quota_met ? 'badge ok' : 'badge down' }, `${r.quota_done || 0} / ${r.quota}`, ' ',
      M(r.quota_met ? 'score.quota_met' : 'score.quota_short')) : M('score.no_quota'),
    h('span', { class: 'submitted', 'data-unit': r.unit }, String(r.submitted || 0)),
    h('span', { class: 'adopted', 'data-unit': r.unit }, String(r.adopted || 0)),
    String((r.adopted_city || 0) + (r.adopted_province || 0) + (r.adopted_central || 0))]));
}

// The rows per tier (in the order the service ranked them).
function byTier(rows, caption) {
  if (!rows.length) return h('p', { class: 'empty' }, M('list.empty'));
  const tiers = [...new Set(rows.map(r => r.tier || ''))];
  return tiers.map(tier => h('div', { class: 'tier', 'data-tier': tier },
    h('h3', {}, tier ? M('tier.' + tier) : M('leader.no_tier')),
    scoreTable(rows.filter(r => (r.tier || '') === tier), [tier ? M('tier.' + tier) : M('leader.no_tier'), ' · ', caption])));
}

async function renderScores(main, context) {
  const now = new Date();
  const wanted = new URLSearchParams(location.search).get('period') || String(now.getFullYear());
  main.append(h('h1', {}, M('assessment.scores')), leaderTabs());
  const choices = periods(now, false);
  const select = h('select', { name: 'period', id: 'period' },
    [['period.years', choices.years], ['period.quarters', choices.quarters], ['period.months', choices.months]].map(([key, list]) =>
      h('optgroup', { label: M(key) }, list.map(p => h('option', { value: p, selected: p === wanted }, periodName(p))))));
  if (select.value !== wanted) select.prepend(h('option', { value: wanted, selected: true }, wanted));
  const form = h('form', { class: 'card inline', id: 'period-form' }, field(M('field.period'), select),
    h('button', { type: 'submit', class: 'primary' }, M('assessment.show')));
  onSubmit(form, async data => context.navigate('/leader/scores?period=' + encodeURIComponent(data.get('period'))));
  main.append(form);
  const box = h('div', { id: 'scores', 'aria-live': 'polite' });
  main.append(box);
  let page;
  try { page = await get('/api/v1/statistics/scores', { period: wanted }); }
  catch (error) { box.append(h('p', { class: 'form-error', role: 'alert' }, ...errorText(error))); return; }
  const query = format => '/api/v1/statistics/export?' + new URLSearchParams({ table: 'scores', format, period: wanted });
  const figures = format => '/api/v1/statistics/export?' + new URLSearchParams({ table: 'figures', format, period: wanted });
  box.append(
    h('p', { class: 'meta', id: 'scores-rules' }, rulesLine(page),
      ' · ', M('basis.' + page.basis)),
    h('p', { class: 'documents' }, download(query('xlsx'), 'export.scores_xlsx', 'export-scores-xlsx'), ' · ',
      download(query('csv'), 'export.scores_csv', 'export-scores-csv'), ' · ',
      download(figures('xlsx'), 'export.figures_xlsx', 'export-figures-xlsx'), ' · ',
      download(figures('csv'), 'export.figures_csv', 'export-figures-csv')),
    h('section', { class: 'card', id: 'score-ranking', 'aria-labelledby': 'score-h' },
      h('h2', { id: 'score-h' }, [periodName(wanted), M('assessment.ranking')]),
      byTier(page.rows, [periodName(wanted), M('assessment.ranking')])));
}

const errorText = error => errorMessage(error).map(m => h('span', {}, m));

const fileLinks = (b, prefix) => ['pdf', 'xlsx', 'csv'].map((format, i) => [i ? ' · ' : '',
  download(`/api/v1/statistics/bulletin_file?bulletin_id=${b.bulletin_id}&format=${format}`, 'file.' + format,
    prefix ? `${prefix}-${format}` : undefined)]);

// The issue form (editors, leaders and admins): the kind, and a period that has
// ended (the service refuses the others, and one issued already).
function issueForm(context) {
  const ended = periods(new Date(), true);
  const select = h('select', { name: 'period' });
  const fill = kind => {
    clear(select).append(...(kind === 'quarterly' ? ended.quarters : ended.months)
      .map(p => h('option', { value: p }, periodName(p))));
    translate(select);
  };
  const form = h('form', { class: 'card', id: 'bulletin-form', novalidate: true }, h('h2', {}, M('bulletin.issue')),
    h('p', { class: 'hint' }, M('bulletin.issue_help')),
    h('fieldset', {}, h('legend', {}, M('field.bulletin_kind')), ['monthly', 'quarterly'].map((k, i) =>
      h('label', { class: 'check-row inline' }, h('input', { type: 'radio', name: 'kind', value: k, checked: i === 0,
        onchange: () => fill(k) }), ' ', M('bulletin.kind.' + k)))),
    field(M('field.period'), select),
    h('button', { type: 'submit', class: 'primary' }, M('bulletin.issue')));
  fill('monthly');
  onSubmit(form, async data => {
    const made = await post('/api/v1/statistics/bulletins', { kind: data.get('kind'), period: data.get('period') });
    toast(M('bulletin.issued_now'));
    context.navigate('/leader/bulletins/' + made.bulletin_id);
  });
  return form;
}

async function renderBulletins(main, context) {
  main.append(h('h1', {}, M('assessment.bulletins')), leaderTabs());
  const [page] = await Promise.all([get('/api/v1/statistics/bulletins'), people()]);
  const list = h('section', { id: 'bulletins', 'aria-labelledby': 'bulletins-h' }, h('h2', { id: 'bulletins-h' }, M('bulletin.issued')),
    table(M('bulletin.issued'), [M('col.title'), M('col.kind'), M('col.period'), M('col.issued_at'), M('col.issued_by'), M('col.files')],
      page.bulletins.map(b => [h('a', { href: '/leader/bulletins/' + b.bulletin_id, class: 'bulletin-title' }, b.title),
        M('bulletin.kind.' + b.kind), periodName(b.period), when(b.issued_at), nameOf(b.by), h('span', { class: 'files' }, fileLinks(b))]),
      M('bulletin.none')));
  const issuer = context.roles.some(r => r === 'editor' || r === 'leader' || r === 'admin');
  main.append(issuer ? h('div', { class: 'columns' }, list, issueForm(context)) : list);
}

async function renderBulletin(main, id) {
  main.append(h('h1', {}, M('assessment.bulletin')), leaderTabs());
  let b;
  try { [b] = await Promise.all([get('/api/v1/statistics/bulletin', { bulletin_id: id }), people()]); }
  catch (error) { main.append(h('p', { class: 'form-error', role: 'alert' }, ...errorText(error))); return; }
  const short = b.rows.filter(r => r.quota && !r.quota_met);
  main.append(
    h('article', { class: 'card' }, h('h2', { id: 'bulletin-title' }, b.title),
      h('p', { class: 'meta' }, M('bulletin.kind.' + b.kind), ' · ', periodName(b.period), ' · ',
        M('bulletin.issued_by', { when: when(b.issued_at), name: nameOf(b.by) }), ' · ',
        rulesLine(b), ' · ', M('basis.' + b.basis)),
      h('p', { class: 'documents' }, fileLinks(b, 'bulletin'))),
    h('section', { class: 'card', id: 'bulletin-ranking', 'aria-labelledby': 'b-rank-h' },
      h('h2', { id: 'b-rank-h' }, [periodName(b.period), M('assessment.ranking')]),
      byTier(b.rows, [periodName(b.period), M('assessment.ranking')])),
    h('section', { class: 'card', id: 'quota-short', 'aria-labelledby': 'short-h' }, h('h2', { id: 'short-h' }, M('bulletin.short')),
      short.length ? h('p', {}, short.map((r, i) => [i ? '、' : '', r.unit, `（${r.quota_done || 0} / ${r.quota}）`]))
        : h('p', { class: 'empty' }, M('bulletin.none_short'))),
    h('section', { class: 'card', id: 'corrections', 'aria-labelledby': 'corr-h' }, h('h2', { id: 'corr-h' }, M('bulletin.corrections')),
      table(M('bulletin.corrections'), [M('col.period'), M('col.unit'), M('col.figure'), M('col.was'), M('col.now')],
        (b.corrections || []).map(c => [periodName(c.period), c.unit, M('figure.' + c.figure), String(c.was), String(c.now)]),
        M('bulletin.no_corrections'))));
}

export async function render(main, context) {
  if (context.path === '/leader/scores') return renderScores(main, context);
  if (context.params[0]) return renderBulletin(main, context.params[0]);
  return renderBulletins(main, context);
}
