// officer (信息员): send a report (with attachments), my reports with
// their state, critique and scores, and a returned report sent again as
// its next version. Only the officer's own unit's reports are listed
// (GET /api/v1/my/reports) or opened (GET /api/v1/reports/{id}).
import { h, M, field, when, clear } from '../dom.js';
import { api, get } from '../api.js';
import { onSubmit, errorMessage } from '../errors.js';
import { tabs, kinds, kindName, stateBadge, scoreList, table } from './common.js';
import { translate } from '../i18n.js';

const officerTabs = () => tabs([['/officer', 'officer.send'], ['/officer/reports', 'officer.mine']]);

function sendForm(revisionOf, original, done) {
  const kind = h('select', { name: 'kind' }, kinds.map(k => h('option', { value: k, selected: original?.kind === k }, kindName(k))));
  const form = h('form', { class: 'card', novalidate: true },
    field(M('field.title'), h('input', { name: 'title', value: original?.title || '', required: true, maxlength: 200 })),
    field(M('field.body'), h('textarea', { name: 'body', rows: 10, required: true }, original?.body || '')),
    h('div', { class: 'row' },
      field(M('field.kind'), kind),
      field(M('field.topic'), h('input', { name: 'topic', value: original?.topic || '' })),
      h('div', { class: 'field check' }, h('input', { type: 'checkbox', name: 'urgent', id: 'urgent', checked: !!original?.urgent }),
        h('label', { for: 'urgent' }, M('field.urgent')))),
    field(M('field.attachments'), h('input', { type: 'file', name: 'attachments', multiple: true }), M('officer.attach_hint')),
    revisionOf ? h('input', { type: 'hidden', name: 'revision_of', value: revisionOf }) : null,
    h('button', { type: 'submit', class: 'primary' }, revisionOf ? M('officer.resend') : M('officer.submit')));
  onSubmit(form, async data => {
    if (!data.get('urgent')) data.delete('urgent');
    for (const [name, value] of [...data.entries()])
      if (value instanceof File && !value.name && !value.size) data.delete(name);
    const receipt = await api('POST', '/api/v1/reports', data);
    done(receipt, form);
  });
  return form;
}

function receiptBox(receipt) {
  const key = { duplicate: 'receipt.duplicate', revised: 'receipt.revised', held: 'receipt.held' }[receipt.status] || 'receipt.registered';
  return h('div', { class: 'receipt', role: 'status' }, M(key), ' ',
    h('a', { href: '/officer/reports/' + receipt.reg_no, id: 'receipt-reg-no' }, receipt.reg_no));
}

function renderSend(main) {
  const result = h('div', { 'aria-live': 'polite' });
  const form = sendForm(null, null, (receipt, f) => {
    clear(result).append(receiptBox(receipt));
    translate(result);
    f.reset();
  });
  main.append(h('h1', {}, M('officer.send')), officerTabs(), result, form);
}

async function renderList(main) {
  main.append(h('h1', {}, M('officer.mine')), officerTabs());
  const page = await get('/api/v1/my/reports', { limit: 1000 });
  const cases = page.cases.slice().sort((a, b) => b.report_id - a.report_id);
  main.append(table(M('officer.mine'),
    [M('col.reg_no'), M('col.title'), M('col.kind'), M('col.state'), M('col.received'), M('col.critique')],
    cases.map(c => [h('a', { href: '/officer/reports/' + c.reg_no }, c.reg_no), c.title, kindName(c.kind),
      stateBadge(c.state), when(c.received_at), c.critique || '']),
    M('officer.none')));
}

async function renderOne(main, reg) {
  main.append(h('h1', {}, M('officer.report')), officerTabs());
  let found;
  try { found = await get('/api/v1/reports/' + encodeURIComponent(reg)); }
  catch (error) { main.append(h('p', { class: 'form-error', role: 'alert' }, errorMessage(error))); return; }
  const report = found.report, review = found.review || {};
  main.append(h('article', { class: 'card report' },
    h('h2', { class: 'report-title' }, report.title),
    h('p', { class: 'meta' }, report.reg_no, ' · ', kindName(report.kind), ' · ', when(report.received_at),
      report.version > 1 ? [' · ', M('report.version', { n: report.version })] : null, ' · ', stateBadge(found.state)),
    h('div', { class: 'body' }, report.body),
    attachmentsList(report)));
  if (review.critique || review.scores?.length) {
    main.append(h('section', { class: 'card critique', 'aria-labelledby': 'critique-h' },
      h('h2', { id: 'critique-h' }, M('report.critique')),
      h('p', { class: 'critique-text' }, review.critique || ''),
      review.periodical ? h('p', {}, M('report.periodical'), M('colon'), review.periodical) : null,
      scoreList(review.scores)));
  }
  if (found.state === 'returned') {
    const result = h('div', { 'aria-live': 'polite' });
    main.append(h('section', { class: 'resend', 'aria-labelledby': 'resend-h' },
      h('h2', { id: 'resend-h' }, M('officer.resend_title')), result,
      sendForm(report.reg_no, report, receipt => { clear(result).append(receiptBox(receipt)); translate(result); })));
  }
}

export function attachmentsList(report) {
  if (!report.attachments?.length) return null;
  return h('ul', { class: 'attachments', 'aria-label': M('field.attachments') }, report.attachments.map((a, i) =>
    h('li', {}, h('a', { href: `/api/v1/reports/${encodeURIComponent(report.reg_no)}/attachments/${i}`, download: a.name }, a.name),
      ` (${Math.ceil((a.size || 0) / 1024)} KiB)`)));
}

export async function render(main, context) {
  if (context.path === '/officer') return renderSend(main);
  if (context.path === '/officer/reports') return renderList(main);
  return renderOne(main, decodeURIComponent(context.params[0]));
}
