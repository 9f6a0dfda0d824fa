// desk: what the editors push down to the units. Commissions (约稿): create
// one (title, brief, topic, the units asked or a whole tier, deadline,
// scored), follow its answers and the units still missing, extend or cancel
// it; notices and reporting guidance (通知, 报送要点): send, and see who
// read them. Every action is an endpoint of review (docs/API.md):
// /api/v1/review/commission*, /api/v1/review/notice*.
import { h, M, field, when, clear, toast, momentField, momentOf } from '../dom.js';
import { get, post } from '../api.js';
import { onSubmit, errorMessage } from '../errors.js';
import { table, countdown, tickCountdowns, levelName } from './common.js';
import { editorTabs, auditNote } from './editor.js';
import { translate } from '../i18n.js';
import { people, nameOf } from '../app.js';

const levels = ['township', 'county', 'city', 'province'];

// The units a commission or notice goes to: each by a check box, or a
// whole tier (层级) at once. Returns the fieldset; picked(data) reads it.
function unitPicker(units) {
  const boxes = units.map(u => h('label', { class: 'check-row inline' },
    h('input', { type: 'checkbox', name: 'units', value: u.name, 'data-level': u.level }), ' ', u.name));
  const tier = h('select', { name: 'tier', onchange: () => {
    boxes.forEach(label => { const box = label.querySelector('input'); box.checked = !!tier.value && box.dataset.level === tier.value; });
  } }, h('option', { value: '' }, M('desk.tier_none')), levels.map(l => h('option', { value: l }, M('desk.tier_all'), levelName(l))));
  return h('fieldset', { name: 'units', class: 'units-picker' }, h('legend', {}, M('field.units')),
    field(M('field.tier'), tier), h('div', {}, boxes));
}

function picked(data) {
  const units = data.getAll('units').map(unit => ({ unit }));
  if (!units.length) throw { code: 'invalid', field: 'units' };
  return units;
}


const answered = c => c.units.filter(u => u.state === 'on_time' || u.state === 'late').length;
const missing = c => c.units.filter(u => u.state === 'open' || u.state === 'missed');

async function renderCommissions(main, context) {
  main.append(h('h1', {}, M('editor.commissions')), editorTabs());
  const [units, page] = await Promise.all([get('/api/v1/units', { limit: 1000 }), get('/api/v1/review/commissions', { limit: 1000 }), people()]);
  const form = h('form', { class: 'card', id: 'commission-form', novalidate: true }, h('h2', {}, M('commission.create')),
    field(M('field.title'), h('input', { name: 'title', required: true })),
    field(M('field.brief'), h('textarea', { name: 'brief', rows: 3 })),
    h('div', { class: 'row' },
      field(M('field.topic'), h('input', { name: 'topic' })),
      momentField(M('field.deadline'), 'deadline', Date.now() + 3 * 86400000),
      h('div', { class: 'field check' }, h('input', { type: 'checkbox', name: 'scored', id: 'scored', checked: true }),
        h('label', { for: 'scored' }, M('field.scored')))),
    unitPicker(units.units),
    h('button', { type: 'submit', class: 'primary' }, M('commission.create')));
  onSubmit(form, async data => {
    const made = await post('/api/v1/review/commission_create', { title: data.get('title'), brief: data.get('brief') || undefined,
      topic: data.get('topic') || undefined, tier: data.get('tier') || undefined, units: picked(data),
      deadline: momentOf(data, 'deadline') || undefined, scored: !!data.get('scored') });
    toast(M('commission.created'));
    context.navigate('/review/commissions/' + made.commission_id);
  });
  const list = page.commissions.slice().sort((a, b) => b.commission_id - a.commission_id);
  const box = h('div', { id: 'commissions' }, table(M('editor.commissions'),
    [M('col.title'), M('col.deadline'), M('col.state'), M('col.answered'), M('col.missing'), M('col.created_by')],
    list.map(c => [h('a', { href: '/review/commissions/' + c.commission_id }, c.title),
      h('span', {}, when(c.deadline), c.state === 'open' ? [' ', h('span', { class: 'countdown', 'data-deadline': c.deadline }, countdown(c.deadline))] : null),
      M('commission.state.' + c.state), `${answered(c)} / ${c.units.length}`, String(missing(c).length), nameOf(c.created_by)]),
    M('commission.none_yet')));
  main.append(box, form);
  const tick = setInterval(() => tickCountdowns(box), 1000);
  return () => clearInterval(tick);
}

async function renderCommission(main, id) {
  main.append(h('h1', {}, M('commission.title')), editorTabs());
  const box = h('div', {});
  main.append(box);
  const act = async (path, body) => { await post(path, { commission_id: Number(id), ...body }); await load(); };
  const load = async () => {
    const [c] = await Promise.all([get('/api/v1/review/commission', { commission_id: id }), people()]);
    const open = c.state === 'open';
    clear(box).append(h('article', { class: 'card' },
      h('h2', { id: 'commission-title' }, c.title),
      h('p', { class: 'meta' }, h('span', { id: 'commission-state' }, M('commission.state.' + c.state)), ' · ',
        M('field.deadline'), M('colon'), h('span', { id: 'commission-deadline' }, when(c.deadline)),
        open ? [' · ', h('span', { class: 'countdown', 'data-deadline': c.deadline }, countdown(c.deadline))] : null,
        c.scored ? [' · ', M('commission.scored')] : null, c.tier ? [' · ', levelName(c.tier)] : null,
        c.topic ? [' · ', M('field.topic'), M('colon'), c.topic] : null),
      c.brief ? h('p', { class: 'body' }, c.brief) : null),
      h('section', { 'aria-labelledby': 'missing-h' }, h('h2', { id: 'missing-h' }, M('commission.missing_units')),
        h('p', { id: 'missing-units' }, missing(c).length ? missing(c).map((u, i) => [i ? '、' : '', u.unit]) : M('commission.none_missing'))),
      h('section', { 'aria-labelledby': 'answers-h' }, h('h2', { id: 'answers-h' }, M('commission.answers')),
        h('div', { id: 'commission-units' }, table(M('commission.answers'), [M('col.unit'), M('col.state'), M('col.answer'), M('col.time'), M('col.reminded')],
          c.units.map(u => [u.unit, h('span', { class: 'badge commission-' + u.state }, M('commission.' + u.state)),
            u.reg_no ? h('a', { href: '/review/case/' + u.report_id }, u.reg_no) : '', when(u.answered_at),
            u.reminded ? M('commission.reminded') : ''])))));
    if (open) {
      const extend = h('form', { class: 'card', id: 'extend-form', novalidate: true }, h('h2', {}, M('commission.extend')),
        h('div', { class: 'row' },
          momentField(M('field.new_deadline'), 'deadline', Number(c.deadline) + 86400000),
          field(M('field.reason'), h('input', { name: 'reason', required: true }))),
        h('button', { type: 'submit' }, M('commission.extend')));
      onSubmit(extend, data => act('/api/v1/review/commission_extend', { deadline: momentOf(data, 'deadline') || undefined, reason: data.get('reason') }));
      const cancel = h('form', { class: 'card', id: 'cancel-form', novalidate: true }, h('h2', {}, M('commission.cancel')),
        field(M('field.reason'), h('input', { name: 'reason', required: true })),
        h('button', { type: 'submit' }, M('commission.cancel')));
      onSubmit(cancel, data => act('/api/v1/review/commission_cancel', { reason: data.get('reason') }));
      box.append(h('div', { class: 'columns' }, extend, cancel));
    }
    box.append(h('section', { 'aria-labelledby': 'history-h' }, h('h2', { id: 'history-h' }, M('case.audit')),
      table(M('case.audit'), [M('col.time'), M('col.action'), M('col.actor'), M('col.note')],
        (c.history || []).map(e => [when(e.at), M('commission.action.' + e.action), e.role === 'system' ? M('actor.system') : nameOf(e.actor), auditNote(e.note)]))));
    translate(box);
  };
  await load();
  const tick = setInterval(() => tickCountdowns(box), 1000);
  return () => clearInterval(tick);
}

// Units that have read a notice (any of their officers).
const readUnits = n => new Set((n.reads || []).map(r => r.unit));

async function renderNotices(main, context) {
  main.append(h('h1', {}, M('editor.notices')), editorTabs());
  const [units, page] = await Promise.all([get('/api/v1/units', { limit: 1000 }), get('/api/v1/review/notices', { limit: 1000 })]);
  const form = h('form', { class: 'card', id: 'notice-form', novalidate: true }, h('h2', {}, M('notice.send')),
    h('fieldset', {}, h('legend', {}, M('field.notice_kind')), ['notice', 'guidance'].map((k, i) =>
      h('label', { class: 'check-row inline' }, h('input', { type: 'radio', name: 'kind', value: k, checked: i === 0 }), ' ', M('notice.kind.' + k)))),
    field(M('field.title'), h('input', { name: 'title', required: true })),
    field(M('field.body'), h('textarea', { name: 'body', rows: 5, required: true })),
    unitPicker(units.units),
    h('button', { type: 'submit', class: 'primary' }, M('notice.send')));
  onSubmit(form, async data => {
    const sent = await post('/api/v1/review/notice_send', { kind: data.get('kind'), title: data.get('title'), body: data.get('body'),
      tier: data.get('tier') || undefined, units: picked(data) });
    toast(M('notice.sent_now'));
    context.navigate('/review/notices/' + sent.notice_id);
  });
  const list = page.notices.slice().sort((a, b) => b.notice_id - a.notice_id);
  main.append(h('div', { id: 'notices' }, table(M('editor.notices'), [M('col.title'), M('col.kind'), M('col.time'), M('col.read')],
    list.map(n => [h('a', { href: '/review/notices/' + n.notice_id }, n.title), M('notice.kind.' + n.kind), when(n.sent_at),
      `${readUnits(n).size} / ${n.units.length}`]), M('notice.none_yet'))), form);
}

async function renderNotice(main, id) {
  main.append(h('h1', {}, M('notice.title')), editorTabs());
  const [n] = await Promise.all([get('/api/v1/review/notice', { notice_id: id }), people()]);
  const read = readUnits(n);
  main.append(h('article', { class: 'card' }, h('h2', {}, h('span', { class: 'badge' }, M('notice.kind.' + n.kind)), ' ', n.title),
    h('p', { class: 'meta' }, M('notice.sent', { name: nameOf(n.sent_by), when: when(n.sent_at) })), h('div', { class: 'body' }, n.body)),
  h('section', { 'aria-labelledby': 'reads-h' }, h('h2', { id: 'reads-h' }, M('notice.receipts')),
    h('div', { id: 'notice-reads' }, table(M('notice.receipts'), [M('col.unit'), M('col.state'), M('col.reader'), M('col.time')],
      n.units.map(({ unit }) => {
        const reads = (n.reads || []).filter(r => r.unit === unit);
        return [unit, h('span', { class: 'badge ' + (read.has(unit) ? 'ok' : 'down') }, M(read.has(unit) ? 'notice.read' : 'notice.unread')),
          reads.map((r, i) => [i ? '、' : '', nameOf(r.officer)]), reads.length ? when(reads[0].read_at) : ''];
      })))));
}

export async function render(main, context) {
  const [what, id] = context.params;
  try {
    if (what === 'commissions') return await (id ? renderCommission(main, id) : renderCommissions(main, context));
    return await (id ? renderNotice(main, id) : renderNotices(main, context));
  } catch (error) {
    main.append(h('p', { class: 'form-error', role: 'alert' }, errorMessage(error)));
  }
}
