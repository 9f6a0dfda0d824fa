// editor (编辑): the queue (urgent first, a live countdown to each
// deadline), a case (claim and release, the report and its provenances,
// an edited copy with its sentence-level difference from the original,
// critique with scores and decision, topic, audit trail, a leader's
// revert), topics, synthesis of several reports, and held mail.
import { h, M, add, text, field, when, clear, toast, drawView, viewPart, keepDraft, keepFocus, once } from '../dom.js';
import { get, post, postOnce, ApiError } from '../api.js';
import { onSubmit, errorMessage } from '../errors.js';
import { hereTabs, kindName, topicNamed, stateBadge, scoreList, table, countdown, tickCountdowns } from './common.js';
import { attachmentsList } from './officer.js';
import { translate, t } from '../i18n.js';
import { settings as readSettings, people, nameOf } from '../app.js';
// The queue's first view (heading, the editor's tabs, the queue's empty
// box), which the gateway writes whole: web/first/review.html.
import view from '../../first/review.html';

export const editorTabs = () => hereTabs(viewPart(view, 'nav.tabs'));

// The queue: its first view as the gateway wrote it (written), or drawn
// from the same markup (/queue, /editor, or coming from another page);
// the queue's rows drawn into its box, each with a check box to pick it
// for the batch bar above them (editors, leaders and admins: batchBar).
// Read again every five seconds, the rows are drawn again only when the
// queue changed, the focus kept where it was (a check box by its id).
async function renderQueue(main, context) {
  if (!context.written) hereTabs(drawView(main, view).querySelector('nav.tabs'));
  const box = main.querySelector('#queue');
  const picked = new Set();
  let cases = [], seen = '';
  const batch = context.roles.some(r => BATCH_ROLES.includes(r))
    ? batchBar(picked, () => cases, () => showPicked(), () => keepFocus(box, load)) : null;
  if (batch) box.before(batch.bar);
  const pickAll = h('input', { type: 'checkbox', id: 'pick-all', 'aria-label': M('batch.all'), onchange: event => {
    for (const c of cases) if (event.target.checked) picked.add(c.report_id); else picked.delete(c.report_id);
    showPicked();
  } });
  // The rows, the "all" box and the bar as picked says (a case that left
  // the queue is no longer picked: only the page shown is).
  const showPicked = () => {
    const shown = new Set(cases.map(c => c.report_id));
    for (const id of picked) if (!shown.has(id)) picked.delete(id);
    box.querySelectorAll('input[data-pick]').forEach(el => {
      el.checked = picked.has(Number(el.dataset.pick));
      el.closest('tr')?.classList.toggle('picked', el.checked);
    });
    pickAll.checked = picked.size > 0 && picked.size === cases.length;
    pickAll.indeterminate = picked.size > 0 && picked.size < cases.length;
    batch?.update();
  };
  const load = async () => {
    const [page] = await Promise.all([get('/api/v1/review/queue', { limit: 1000 }), people()]);
    const now = JSON.stringify(page.cases);
    if (now === seen) return;
    seen = now;
    cases = page.cases;
    const heads = [M('col.reg_no'), M('col.title'), M('col.unit'), M('col.kind'), M('col.state'), M('col.deadline'), M('col.received')];
    const rows = cases.map(c => [h('a', { href: '/review/case/' + c.report_id }, c.reg_no),
      h('span', {}, c.urgent ? h('span', { class: 'badge urgent' }, M('kind.urgent')) : null, ' ', c.title),
      c.unit, kindName(c.kind),
      h('span', {}, stateBadge(c.state), c.holder ? [' ', M('queue.holder', { name: nameOf(c.holder) })] : null),
      c.deadline ? h('span', { class: 'countdown', 'data-deadline': c.deadline }, countdown(c.deadline)) : '',
      when(c.received_at)]);
    const list = table(M('editor.queue'), batch ? [M('col.pick'), ...heads] : heads,
      batch ? rows.map((cells, i) => [h('input', { type: 'checkbox', id: 'pick-' + cases[i].report_id, 'data-pick': cases[i].report_id,
        'aria-label': M('batch.pick', { reg: cases[i].reg_no }), onchange: event => {
          if (event.target.checked) picked.add(cases[i].report_id); else picked.delete(cases[i].report_id);
          showPicked();
        } }), ...cells]) : rows,
      M('queue.empty'));
    list.querySelector?.('thead th')?.replaceChildren(...(batch ? [pickAll] : []));
    clear(box).append(h('p', { class: 'meta' }, M('queue.count', { n: cases.length })), list);
    showPicked();
    translate(box);
  };
  await load();
  const tick = setInterval(() => tickCountdowns(box), 1000);
  const refresh = setInterval(() => keepFocus(box, load).catch(() => {}), 5000);
  return () => { clearInterval(tick); clearInterval(refresh); };
}

// Who decides cases (docs/API.md: review's decide): the batch bar is theirs.
const BATCH_ROLES = ['editor', 'leader', 'admin'];
// The items of one review.decide_many (docs/API.md); more are sent as
// several commands, one after the other.
const BATCH_MAX = 200;

// The queue's batch bar (批量处理): how many cases are picked (picked,
// their report ids, of shown(): the queue's cases as drawn); a button for
// each decision of the case page's form; pressed, a form for the one
// critique of them all (and, to adopt, the periodical), sent as
// POST /api/v1/review/decide_many, each case with claim (a case nobody
// holds is claimed and decided at once, as review's decide does it),
// with an Idempotency-Key kept until it is answered (postOnce: a retry
// after a lost reply decides nothing twice). Then a summary: how many were
// decided, and each case refused with why, in the console's words for its
// error; the refused stay picked, the decided leave it (changed() shows
// the picks anew), and decided() reads the queue again. Escape or 取消
// closes the form, the focus back on the decision's button.
function batchBar(picked, shown, changed, decided) {
  const count = h('p', { id: 'batch-count', 'aria-live': 'polite' });
  const buttons = BATCH_DECISIONS.map(d => h('button', { type: 'button', id: 'batch-' + d, onclick: () => open(d) }, M('decision.' + d)));
  const form = h('form', { class: 'batch-form', id: 'batch-form', novalidate: true, hidden: true });
  const summary = h('div', { class: 'batch-summary', id: 'batch-summary', role: 'status', tabindex: '-1', hidden: true });
  const bar = h('section', { class: 'card batch', id: 'batch', 'aria-labelledby': 'batch-h', hidden: true },
    h('h2', { id: 'batch-h' }, M('batch.title')), count, h('div', { class: 'actions' }, buttons), form, summary);
  let decision = null;
  const ordered = () => shown().filter(c => picked.has(c.report_id));
  const update = () => {
    const n = ordered().length;
    clear(count).append(text(n ? M('batch.count', { n }) : M('batch.none')));
    buttons.forEach(b => { b.disabled = !n; });
    if (decision) clear(form.querySelector('.batch-heading')).append(text(M('batch.heading.' + decision, { n })));
    bar.hidden = !shown().length && summary.hidden;
  };
  const close = () => {
    const was = decision;
    decision = null;
    form.hidden = true;
    clear(form);
    if (was) document.getElementById('batch-' + was)?.focus();
  };
  form.addEventListener('keydown', event => { if (event.key === 'Escape') { event.preventDefault(); close(); } });
  const open = async d => {
    const kept = decision && form.elements.critique ? form.elements.critique.value : '';
    decision = d;
    const periodicals = d === 'adopt' ? await Promise.all([readSettings(), adoptable()]).then(([s, p]) => p ?? s.periodicals) : null;
    const critique = h('textarea', { name: 'critique', rows: 3, required: true });
    critique.value = kept;
    add(clear(form), h('h3', { class: 'batch-heading' }),
      periodicals ? field(M('field.periodical'), h('select', { name: 'periodical' }, periodicals.map(p => h('option', { value: p }, p)))) : null,
      field(M('field.critique'), critique, M('batch.critique_hint')),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, M('batch.send')),
        h('button', { type: 'button', class: 'batch-cancel', onclick: close }, M('confirm.no'))));
    form.hidden = false;
    update();
    translate(form);
    (form.elements.periodical || critique).focus();
  };
  onSubmit(form, async data => {
    const critique = data.get('critique');
    if (!critique.trim()) throw new ApiError(400, 'invalid', 'critique');
    const chosen = ordered();
    const periodical = decision === 'adopt' ? data.get('periodical') : undefined;
    const items = chosen.map(c => ({ report_id: c.report_id, decision, periodical, critique, claim: true }));
    const results = [];
    for (let at = 0; at < items.length; at += BATCH_MAX)
      results.push(...(await postOnce('/api/v1/review/decide_many', { decisions: items.slice(at, at + BATCH_MAX) })).results);
    // A refused item carries its error's code, field, message and reason.
    const cased = new Map(chosen.map(c => [c.report_id, c]));
    const refused = results.filter(r => r.code);
    for (const r of results) if (!r.code) picked.delete(r.report_id);
    const done = decision;
    add(clear(summary), h('p', {}, M('batch.done.' + done, { n: results.length - refused.length })),
      refused.length ? [h('p', {}, M('batch.refused', { n: refused.length })),
        h('ul', { class: 'batch-refused' }, refused.map(r => h('li', {},
          h('a', { href: '/review/case/' + r.report_id }, cased.get(r.report_id)?.reg_no ?? r.reg_no ?? String(r.report_id)),
          ' ', cased.get(r.report_id)?.title ?? '', M('colon'), errorMessage(r))))] : null);
    summary.hidden = false;
    close();
    changed();
    translate(summary);
    summary.focus();
    await decided();
  });
  return { bar, update };
}
const BATCH_DECISIONS = ['adopt', 'return', 'decline', 'forward'];

function provenances(report) {
  return table(M('case.provenances'), [M('col.channel'), M('col.sender'), M('col.operator'), M('col.received')],
    (report.provenances || []).map(p => [M('channel.' + p.channel), p.sender || nameOf(p.officer), nameOf(p.operator), when(p.received_at)]));
}

// A synthesis (综合) is a case of review's own, not a report intake
// registered (its id from 1,000,000,000,000,000: docs/API.md): there is no
// report to read, and the cases it combines stand where a report's
// provenances do, each a link to its case.
const SYNTHESIS_IDS = 1e15;

function sources(review) {
  return table(M('synthesis.sources'), [M('col.reg_no'), M('col.unit'), M('col.received')],
    (review.sources || []).map(s => [h('a', { href: '/review/case/' + s.report_id }, s.reg_no), s.unit, when(s.received_at)]));
}

function diffView(diff) {
  const lines = (diff.changes || '').split('\n').filter(Boolean);
  return h('div', { class: 'diff', 'aria-label': M('case.diff') }, lines.map(line => {
    const mark = line.slice(0, 1);
    const cls = mark === '+' ? 'added' : mark === '-' ? 'removed' : 'same';
    return h('p', { class: cls }, h('span', { class: 'mark', 'aria-hidden': 'true' }, mark === ' ' ? '' : mark),
      h('span', { class: 'visually-hidden' }, M('diff.' + cls)), line.slice(2));
  }));
}

async function renderCase(main, context, id) {
  main.append(h('h1', {}, M('case.title')), editorTabs());
  const body = h('div', {});
  main.append(body);
  const me = context.session.login;
  // Each action draws the case anew, the focus kept where it was (a
  // keyboard user goes on from the button they pressed).
  const act = async (path, data) => { await post(path, { report_id: Number(id), ...data }); await keepFocus(body, load); };
  const synthesis = Number(id) >= SYNTHESIS_IDS;
  const load = async () => {
    const [review, found, audit, topics, settings, periodicals] = await Promise.all([
      get('/api/v1/review/case', { report_id: id }), synthesis ? { report: {} } : get('/api/v1/reports/' + id),
      get('/api/v1/review/audit', { report_id: id }), get('/api/v1/review/topics'), readSettings(),
      adoptable(), people()]);
    const report = found.report;
    const mine = review.state === 'claimed' && review.holder === me;
    const decided = ['adopted', 'returned', 'declined', 'forwarded'].includes(review.state);
    // Every read before the page is cleared: it is drawn whole at once, never
    // seen half drawn (its state new, its audit trail not yet there).
    const diff = review.edited_title || review.edited_body ? await get('/api/v1/review/diff', { report_id: id }) : null;
    clear(body);
    body.append(h('article', { class: 'card report' },
      h('h2', { class: 'report-title' }, review.edited_title || review.title),
      h('p', { class: 'meta' }, review.reg_no, ' · ', review.unit, ' · ', kindName(review.kind), topicNamed(review.topic), ' · ', when(review.received_at),
        ' · ', h('span', { id: 'case-state' }, stateBadge(review.state)),
        review.holder ? [' · ', M('queue.holder', { name: nameOf(review.holder) })] : null,
        review.deadline ? [' · ', h('span', { class: 'countdown' }, countdown(review.deadline))] : null),
      h('div', { class: 'body' }, review.edited_body || review.body || report.body),
      attachmentsList(report)));
    if (review.earlier_critique) body.append(h('p', { class: 'card' }, M('case.earlier_critique'), M('colon'), review.earlier_critique));
    if (review.critique) body.append(h('section', { class: 'card critique' }, h('h2', {}, M('report.critique')),
      h('p', { class: 'critique-text' }, review.critique), scoreList(review.scores)));
    const buttons = h('div', { class: 'actions' });
    if (review.state === 'queued' || mine) buttons.append(h('button', { type: 'button', class: 'primary', id: 'claim',
      onclick: once(() => act('/api/v1/review/claim', {}).catch(e => toast(errorMessage(e)))) }, mine ? M('case.renew') : M('case.claim')));
    if (review.state === 'claimed') buttons.append(h('button', { type: 'button', id: 'release',
      onclick: once(() => act('/api/v1/review/release', {}).catch(e => toast(errorMessage(e)))) }, M('case.release')));
    body.append(buttons);
    if (synthesis) body.append(h('section', { 'aria-labelledby': 'sources-h' }, h('h2', { id: 'sources-h' }, M('synthesis.sources')), sources(review)));
    else body.append(h('section', { 'aria-labelledby': 'prov-h' }, h('h2', { id: 'prov-h' }, M('case.provenances')), provenances(report)));
    if (mine) {
      const edit = h('form', { class: 'card', id: 'edit-form' }, h('h2', {}, M('case.edit')),
        field(M('field.title'), h('input', { name: 'title', value: review.edited_title || review.title })),
        field(M('field.body'), h('textarea', { name: 'body', rows: 10 }, review.edited_body || review.body || '')),
        h('button', { type: 'submit' }, M('case.save_edit')));
      onSubmit(edit, data => act('/api/v1/review/edit', { title: data.get('title'), body: data.get('body') }));
      body.append(edit);
    }
    if (diff) {
      body.append(h('section', { 'aria-labelledby': 'diff-h' }, h('h2', { id: 'diff-h' }, M('case.diff')), diffView(diff)));
    }
    if (mine) body.append(decideForm(settings, periodicals ?? settings.periodicals, act, `bs-critique:${me}:${id}`));
    if (decided && context.roles.some(r => r === 'leader' || r === 'admin')) {
      const revert = h('form', { class: 'card', id: 'revert-form', novalidate: true }, h('h2', {}, M('case.revert')),
        field(M('field.reason'), h('textarea', { name: 'reason', rows: 3, required: true })),
        h('button', { type: 'submit' }, M('case.revert')));
      onSubmit(revert, data => act('/api/v1/review/revert', { reason: data.get('reason') }));
      body.append(revert);
    }
    const open = topics.topics.filter(t => t.state === 'open');
    if (open.length && !decided) {
      const topicForm = h('form', { class: 'card inline', id: 'topic-form' },
        field(M('field.topic'), h('select', { name: 'topic_id' }, h('option', { value: '0' }, M('topic.none')),
          open.map(t => h('option', { value: t.topic_id, selected: t.topic_id === review.topic_id }, t.name)))),
        h('button', { type: 'submit' }, M('topic.assign')));
      onSubmit(topicForm, data => act('/api/v1/review/topic_assign', { topic_id: Number(data.get('topic_id')) }));
      body.append(topicForm);
    }
    body.append(h('section', { 'aria-labelledby': 'audit-h' }, h('h2', { id: 'audit-h' }, M('case.audit')),
      table(M('case.audit'), [M('col.time'), M('col.action'), M('col.actor'), M('col.from'), M('col.to'), M('col.note')],
        audit.entries.map(e => [when(e.at), M('action.' + e.action), e.role === 'system' ? M('actor.system') : nameOf(e.actor),
          e.from_state ? stateName(e.from_state) : '', stateName(e.to_state), auditNote(e.note)]))));
    translate(body);
  };
  await load();
}

const stateName = s => M('state.' + s);

// A time in a service's note as the offices write it: the local minute
// the service wrote (2026-12-05 15:30) as it is, a moment with its zone
// (2026-12-05T07:30:00Z) in the browser's local time.
function noteTime(text) {
  const local = /^(\d{4})-(\d\d)-(\d\d) (\d\d:\d\d)$/.exec(text);
  if (local) return t('date.time', { year: local[1], month: Number(local[2]), day: Number(local[3]), time: local[4] });
  return when(Date.parse(text)) || text;
}

// A service's note (an action of the audit trail, services/review/; why
// a mail was held, services/intake/), in its own words, as the page's
// script says it; a note of another form (a critique, a reason) is shown
// as it was written.
const auditNotes = [
  [/^lease until (.+)$/, m => M('note.lease_until', { until: noteTime(m[1]) })],
  [/^claim of (.+) released$/, m => M('note.released', { name: nameOf(m[1]) })],
  [/^lease of (.+) ended$/, m => M('note.lease_ended', { name: nameOf(m[1]) })],
  [/^(title and body|title|body)$/, m => M('note.edited_' + m[1].replace(/ /g, '_'))],
  [/^in 《(.+)》 (\d+) 第(\d+)期 \(issue \d+\)$/, m => M('note.published', { periodical: m[1], year: m[2], number: m[3] })],
  [/^version (\d+), revised after return$/, m => M('note.resubmitted', { n: m[1] })],
  [/^version (\d+) arrived; text updated$/, m => M('note.revised', { n: m[1] })],
  [/^combined into (.+)$/, m => M('note.combined', { reg: m[1] })],
  [/^synthesis of (\d+) reports$/, m => M('note.synthesis', { n: m[1] })],
  [/^taken out of its topic$/, () => M('note.topic_out')],
  [/^topic \d+ '(.*)'$/s, m => M('note.topic', { name: m[1] })],
  [/^deadline (.+) passed$/, m => M('note.deadline_passed', { deadline: noteTime(m[1]) })],
  [/^(adopt|return|decline|forward) reverted: (.*)$/s, m => [M('note.revert_of'), M('decision.' + m[1]), M('note.revert_reason'), m[2]]],
  [/^session \d+: (.*)$/s, m => m[1]],
  // A commission's history (services/review/review_commissions.c).
  [/^(\d{4}-\d\d-\d\dT\S+) -> (\d{4}-\d\d-\d\dT\S+): (.*)$/s, m => [M('note.extended', { from: noteTime(m[1]), to: noteTime(m[2]) }), m[3]]],
  [/^(\d+) units$/, m => M('note.units', { n: m[1] })],
  // Why intake held a mail or a call for staff (services/intake/submission_store.c).
  [/^no officer has the address (.+)$/, () => M('note.unknown_sender')],
];
export function auditNote(note) {
  for (const [pattern, said] of auditNotes) {
    const match = note ? pattern.exec(note) : null;
    if (match) return said(match);
  }
  return note || '';
}

// The names of the periodicals publication stores (an admin adds them
// while everything runs), or null when publication does not answer: the
// configured ones of the settings are offered then.
function adoptable() {
  return get('/api/v1/publication/periodicals').then(page => page.periodicals.map(p => p.name), () => null);
}

// The critique and decision form; what is typed in it is kept (under
// key) until the decision is made: saving the edited copy, which draws
// the case again, or a reload does not lose it.
function decideForm(settings, periodicals, act, key) {
  const decisions = ['adopt', 'return', 'decline', 'forward'];
  const form = h('form', { class: 'card', id: 'decide-form', novalidate: true }, h('h2', {}, M('case.decide')),
    h('fieldset', {}, h('legend', {}, M('field.decision')),
      decisions.map((d, i) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'decision', value: d, checked: i === 0 }), ' ', M('decision.' + d)))),
    field(M('field.periodical'), h('select', { name: 'periodical' }, periodicals.map(p => h('option', { value: p }, p)))),
    field(M('field.critique'), h('textarea', { name: 'critique', rows: 4, required: true })),
    h('fieldset', { class: 'scores-input' }, h('legend', {}, M('field.scores', { max: settings.score_max })),
      settings.criteria.map(c => field(M('criterion.' + c), h('input', { type: 'number', name: 'score_' + c, min: 0, max: settings.score_max, inputmode: 'numeric' })))),
    h('button', { type: 'submit', class: 'primary' }, M('case.decide')));
  onSubmit(form, data => {
    const scores = settings.criteria.filter(c => data.get('score_' + c) !== '')
      .map(c => ({ criterion: c, value: Number(data.get('score_' + c)) }));
    const decision = data.get('decision');
    return act('/api/v1/review/decide', { decision, critique: data.get('critique'),
      periodical: decision === 'adopt' ? data.get('periodical') : undefined, scores: scores.length ? scores : undefined })
      .then(() => draft.forget());
  });
  const draft = keepDraft(form, key, ['critique', ...settings.criteria.map(c => 'score_' + c)]);
  return form;
}

async function renderTopics(main) {
  main.append(h('h1', {}, M('editor.topics')), editorTabs());
  const box = h('div', {});
  const create = h('form', { class: 'card inline', id: 'topic-create', novalidate: true },
    field(M('field.topic_name'), h('input', { name: 'name', required: true })),
    h('button', { type: 'submit', class: 'primary' }, M('topic.create')));
  const load = async () => {
    const [page] = await Promise.all([get('/api/v1/review/topics', { all: true }), people()]);
    clear(box).append(table(M('editor.topics'), [M('col.name'), M('col.state'), M('col.created_by'), M('col.received'), M('col.actions')],
      page.topics.map(t => [t.name, M('topic.' + t.state), nameOf(t.created_by), when(t.created_at),
        t.state === 'open' ? h('button', { type: 'button', onclick: once(() => post('/api/v1/review/topic_close', { topic_id: t.topic_id }).then(load).catch(e => toast(errorMessage(e)))) }, M('topic.close')) : ''])));
    translate(box);
  };
  onSubmit(create, async data => { await post('/api/v1/review/topic_create', { name: data.get('name') }); create.reset(); await load(); });
  main.append(create, box);
  await load();
}

async function renderSynthesis(main) {
  main.append(h('h1', {}, M('editor.synthesis')), editorTabs(), h('p', {}, M('synthesis.help')));
  const page = await get('/api/v1/review/queue', { limit: 1000 });
  const form = h('form', { class: 'card', id: 'synthesis-form', novalidate: true },
    h('fieldset', { name: 'report_ids' }, h('legend', {}, M('synthesis.sources')),
      page.cases.length ? page.cases.map(c => h('label', { class: 'check-row' },
        h('input', { type: 'checkbox', name: 'report_ids', value: c.report_id }), ' ', c.reg_no, ' ', c.unit, ' · ', c.title))
        : h('p', { class: 'empty' }, M('queue.empty'))),
    field(M('field.title'), h('input', { name: 'title', required: true })),
    field(M('field.body'), h('textarea', { name: 'body', rows: 8, required: true })),
    h('button', { type: 'submit', class: 'primary' }, M('synthesis.make')));
  onSubmit(form, async data => {
    const made = await post('/api/v1/review/synthesize', { title: data.get('title'), body: data.get('body'),
      report_ids: data.getAll('report_ids').map(Number) });
    toast(M('synthesis.made', { reg: made.reg_no }));
    location.assign('/review/case/' + made.report_id);
  });
  main.append(form);
}

async function renderHeld(main) {
  main.append(h('h1', {}, M('editor.held')), editorTabs());
  const box = h('div', {});
  main.append(box);
  const [page, units] = await Promise.all([get('/api/v1/held', { limit: 1000 }), get('/api/v1/units', { limit: 1000 })]);
  const load = async () => {
    const held = await get('/api/v1/held', { limit: 1000 });
    draw(held);
  };
  const draw = held => {
    clear(box).append(table(M('editor.held'), [M('col.received'), M('col.channel'), M('col.sender'), M('col.title'), M('col.reason'), M('col.actions')],
      held.items.map(item => {
        const form = h('form', { class: 'inline' },
          h('select', { name: 'unit', 'aria-label': M('held.unit_for', { title: item.title }) }, units.units.map(u => h('option', { value: u.name }, u.name))),
          h('button', { type: 'submit' }, M('held.assign')));
        onSubmit(form, async data => {
          const receipt = await post('/api/v1/held/assign', { hold_id: item.hold_id, unit: data.get('unit') });
          toast(M('receipt.registered_no', { reg: receipt.reg_no }));
          await load();
        });
        return [when(item.received_at), M('channel.' + item.channel), item.sender || '', item.title, auditNote(item.reason), form];
      }), M('held.empty')));
    translate(box);
  };
  draw(page);
}

export async function render(main, context) {
  const path = context.path.replace(/\/+$/, '');
  if (path.startsWith('/review/case/')) return renderCase(main, context, context.params[0]);
  if (path === '/review/topics') return renderTopics(main);
  if (path === '/review/synthesis') return renderSynthesis(main);
  if (path === '/review/held') return renderHeld(main);
  return renderQueue(main, context);
}
