// officer (信息员): send a report (with attachments, answering a
// commission), my reports with their state, critique and scores, what the
// levels above adopted and the leaders' comments (read again every few
// seconds, so they show as they arrive), a returned report sent again as
// its next version, withdrawal before an editor claims it, and the
// commissions (约稿) and notices (通知, 报送要点) addressed to the unit.
// Only the officer's own unit's reports are listed (GET /api/v1/my/reports)
// or opened (GET /api/v1/reports/{id}, /api/v1/my/upward); commissions and
// notices come from the unit's own endpoints (/api/v1/commissions,
// /api/v1/notices).
import { h, M, field, when, clear, add, toast, text, drawView, viewPart, keepDraft, once } from '../dom.js';
import { api, get, post, postOnce, actionKey, forgetActionKey } from '../api.js';
import { onSubmit, errorMessage } from '../errors.js';
import { hereTabs, kindName, topicNamed, stateBadge, scoreList, table, countdown, tickCountdowns, levelName } from './common.js';
import { translate, has } from '../i18n.js';
// The send page's first view (its heading, tabs, result and form), which
// the gateway writes whole: the other pages take its tabs, the resend
// form its form.
import view from '../../first/officer.html';

const LIVE_MS = 3000; // a report's page reads its news again this often

const officerTabs = () => hereTabs(viewPart(view, 'nav.tabs'));

// The commissions the unit may still answer: open, and its line open or
// missed (a late answer still counts, as late).
const answerable = c => c.state === 'open' && c.units.some(u => u.state === 'open' || u.state === 'missed');


// The send form of the first view (form: the one on the page, else anew),
// as a revision of original (revisionOf: its registration number) if
// given, with a choice of the unit's open commissions if any; keyName:
// the name of its sending, whose Idempotency-Key (api.js actionKey) is the
// same for every try until a receipt comes, kept in the tab with the
// draft, so a send retried after a reply lost on a slow network, a reload
// or a login registers the report once.
function sendForm({ revisionOf = null, original = null, done, commissions = [], chosen = 0, form = viewPart(view, 'form'), keyName }) {
  if (original) {
    for (const name of ['title', 'body', 'topic', 'kind']) form.elements[name].value = original[name] || '';
    form.elements.kind.value ||= 'situation';
    form.elements.urgent.checked = !!original.urgent;
  }
  const open = commissions.filter(answerable);
  if (open.length) form.elements.attachments.closest('.field').before(field(M('field.commission'), h('select', { name: 'commission', id: 'report-commission' }, h('option', { value: '' }, M('commission.none')),
    open.map(c => h('option', { value: c.commission_id, selected: c.commission_id === chosen }, c.title)))));
  chosenFiles(form);
  const button = form.querySelector('button[type=submit]');
  if (revisionOf) {
    button.before(h('input', { type: 'hidden', name: 'revision_of', value: revisionOf }));
    clear(button).append(text(M('officer.resend')));
  }
  button.disabled = false;
  onSubmit(form, async data => {
    if (!data.get('urgent')) data.delete('urgent');
    if (!data.get('commission')) data.delete('commission');
    for (const [name, value] of [...data.entries()])
      if (value instanceof File && !value.name && !value.size) data.delete(name);
    const receipt = await api('POST', '/api/v1/reports', data, { headers: { 'Idempotency-Key': actionKey(keyName) } });
    forgetActionKey(keyName);
    const answered = commissions.find(c => c.commission_id === Number(data.get('commission')));
    done(receipt, form, answered);
  });
  return form;
}

// The attachment control's own words (web/first/officer.html: a button
// of ours, the browser's file input out of sight, as its own speaks the
// browser's language): what was chosen, each file by its name, or none.
function chosenFiles(form) {
  const input = form.elements.attachments, chosen = form.querySelector('.file-pick .chosen');
  if (!input || !chosen) return;
  const show = () => {
    const files = [...input.files];
    clear(chosen).append(files.length ? add(h('span', {}), M('officer.attach_chosen', { n: files.length }), files.map(f => f.name).join('、'))
      : text(M('officer.attach_none')));
    translate(chosen);
  };
  input.addEventListener('change', show);
  form.addEventListener('reset', () => setTimeout(show));
}

function receiptBox(receipt, commission) {
  const key = { duplicate: 'receipt.duplicate', revised: 'receipt.revised', held: 'receipt.held' }[receipt.status] || 'receipt.registered';
  return h('div', { class: 'receipt', role: 'status' }, M(key), ' ',
    h('a', { href: '/officer/reports/' + receipt.reg_no, id: 'receipt-reg-no' }, receipt.reg_no),
    receipt.commission && commission ? h('p', { class: 'receipt-commission' }, M('receipt.answers', { title: commission.title })) : null,
    receipt.note ? h('p', { class: 'receipt-note' }, M('receipt.plain_answer')) : null);
}

// The send page is its first view (web/first/officer.html): written whole
// by the gateway (its button disabled until this script takes the form,
// what the person typed meanwhile kept), or drawn here from the same markup
// before the unit's commissions are read (after the login form), so that
// its first frame waits for no call: their choice comes with the form's
// button, as on the written page.
async function renderSend(main, written, login) {
  const chosen = Number(new URLSearchParams(location.search).get('commission')) || 0;
  if (!written) drawView(main, view);
  const commissions = (await get('/api/v1/commissions', { open: true })).commissions;
  const result = main.querySelector('[aria-live]');
  // The report being written survives a reload, and the login after a
  // session expired (which the send goes to).
  const draft = keepDraft(main.querySelector('form'), 'bs-draft:' + login, ['title', 'body', 'kind', 'topic', 'urgent']);
  sendForm({ keyName: 'bs-send-key:' + login, commissions, chosen, form: main.querySelector('form'), done: (receipt, f, commission) => {
    clear(result).append(receiptBox(receipt, commission));
    translate(result);
    f.reset();
    draft.forget();
  } });
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

// What the levels above did: forwarded (上报) and adopted (采用).
function upwardSection(upward) {
  if (!upward.forwards.length && !upward.adoptions.length) return null;
  return h('section', { class: 'card upward', 'aria-labelledby': 'upward-h' },
    h('h2', { id: 'upward-h' }, M('report.upward')),
    upward.forwards.length ? h('ul', { class: 'forwards' }, upward.forwards.map(f =>
      h('li', {}, M('upward.forwarded'), levelName(f.level), ' · ', M('outbox.' + f.state),
        f.upper_reg_no ? [' · ', M('upward.upper_reg_no', { reg: f.upper_reg_no })] : null))) : null,
    upward.adoptions.length ? table(M('report.adoptions'), [M('col.level'), M('col.outlet'), M('col.outlet_issue'), M('col.time')],
      upward.adoptions.map(a => [levelName(a.level), a.outlet, a.outlet_issue || '', when(a.adopted_at)])) : null);
}

// Leaders' comments (领导批示) on the report, each with the unit's
// follow-up (落实反馈), which the officer writes here.
function instructionsSection(instructions, reload) {
  if (!instructions.length) return null;
  return h('section', { class: 'card instructions', 'aria-labelledby': 'instr-h' },
    h('h2', { id: 'instr-h' }, M('report.instructions')),
    instructions.map(i => {
      const form = h('form', { class: 'follow-up', novalidate: true },
        field(M('field.follow_up'), h('textarea', { name: 'text', rows: 3, required: true }, i.follow_up_text || '')),
        h('button', { type: 'submit' }, i.follow_up_text ? M('instruction.follow_up_again') : M('instruction.follow_up')));
      onSubmit(form, async data => {
        await postOnce('/api/v1/publication/follow_up', { instruction_id: i.instruction_id, text: data.get('text') });
        toast(M('admin.saved'));
        await reload();
      });
      return h('div', { class: 'instruction' },
        h('p', { class: 'meta' }, i.leader, ' · ', levelName(i.level), ' · ', when(i.instructed_at)),
        h('blockquote', { class: 'instruction-text' }, i.text),
        h('p', { class: 'meta' }, i.follow_up_text ? M('instruction.answered', { when: when(i.follow_up_at) })
          : M('instruction.due', { when: when(i.follow_up_due) })),
        form);
    }));
}

// Withdrawal (撤回) while no editor has claimed the report. When one
// claimed it meanwhile, the refusal (refused(error)) replaces the form
// once the page has read the new state.
function withdrawForm(report, reload, refused) {
  const form = h('form', { class: 'card', id: 'withdraw-form', novalidate: true },
    h('h2', {}, M('withdraw.title')), h('p', { class: 'hint' }, M('withdraw.help')),
    field(M('field.reason'), h('textarea', { name: 'reason', rows: 2, required: true })),
    h('button', { type: 'submit' }, M('withdraw.title')));
  onSubmit(form, async data => {
    try {
      await post('/api/v1/withdrawals', { report_id: report.report_id, reason: data.get('reason') });
    } catch (error) {
      if (error.code !== 'conflict') throw error;
      refused(error);
      await reload();
      if (form.isConnected) throw error; // the state did not change: said in the form
      return;
    }
    toast(M('withdraw.done'));
    await reload();
  });
  return form;
}

// Where the withdrawal form was: why it is gone (an editor claimed the
// report; refusal: the API's answer to a withdrawal sent too late, said
// from its reason as a withdrawal's).
function withdrawClosed(refusal) {
  if (refusal) {
    const why = refusal.code === 'conflict' && (has('withdraw.refused.' + refusal.reason) ? 'withdraw.refused.' + refusal.reason : 'withdraw.refused');
    return h('p', { class: 'form-error', role: 'alert', id: 'withdraw-refused' }, why ? M(why) : errorMessage(refusal));
  }
  return h('p', { class: 'hint', id: 'withdraw-closed', role: 'status' }, M('withdraw.closed'));
}

async function renderOne(main, reg, login) {
  main.append(h('h1', {}, M('officer.report')), officerTabs());
  // Not there (or another unit's): the app draws the 404 page.
  const report = (await get('/api/v1/reports/' + encodeURIComponent(reg))).report;
  const head = h('p', { class: 'meta' });
  main.append(h('article', { class: 'card report' },
    h('h2', { class: 'report-title' }, report.title), head,
    h('div', { class: 'body' }, report.body),
    attachmentsList(report)));
  const live = h('div', { id: 'report-news', 'aria-live': 'polite' });
  const resent = h('div', { id: 'resent', 'aria-live': 'polite' });
  const actions = h('div', {});
  main.append(live, resent, actions);
  let last = '', lastState = '', offered = false, refusal = null;
  const load = async () => {
    // The news from publication is extra: the page stands without it.
    const [now, upward, instructions] = await Promise.all([get('/api/v1/reports/' + report.report_id),
      get('/api/v1/my/upward', { report_id: report.report_id }).catch(() => ({ forwards: [], adoptions: [] })),
      get('/api/v1/publication/instructions', { report_id: report.report_id }).catch(() => ({ instructions: [] }))]);
    const text = JSON.stringify([now.state, now.review, upward, instructions]);
    if (text === last) return;
    last = text;
    const review = now.review || {};
    add(clear(head), report.reg_no, ' · ', kindName(report.kind), topicNamed(report.topic), ' · ', when(report.received_at),
      report.version > 1 ? [' · ', M('report.version', { n: report.version })] : null, ' · ',
      h('span', { id: 'report-state' }, stateBadge(now.state)));
    clear(live);
    if (review.critique || review.scores?.length) {
      live.append(h('section', { class: 'card critique', 'aria-labelledby': 'critique-h' },
        h('h2', { id: 'critique-h' }, M('report.critique')),
        h('p', { class: 'critique-text' }, review.critique || ''),
        review.periodical ? h('p', {}, M('report.periodical'), M('colon'), review.periodical) : null,
        scoreList(review.scores)));
    }
    live.append(upwardSection(upward) || '', instructionsSection(instructions.instructions, load) || '');
    if (now.state !== lastState) {
      lastState = now.state;
      clear(actions);
      if (now.state === 'queued' || now.state === 'received') {
        actions.append(withdrawForm(report, load, error => { refusal = error; }));
        offered = true;
      } else if (offered && now.state !== 'withdrawn') actions.append(withdrawClosed(refusal));
      if (now.state === 'returned') {
        // Sent again, its receipt takes the form's place (pressed twice
        // it would make two versions), and the section stays above what
        // the new state offers.
        const section = h('section', { class: 'resend', 'aria-labelledby': 'resend-h' },
          h('h2', { id: 'resend-h' }, M('officer.resend_title')),
          sendForm({ revisionOf: report.reg_no, original: report, keyName: `bs-send-key:${login}:${report.reg_no}`, done: (receipt, form) => {
            form.replaceWith(receiptBox(receipt));
            translate(section);
            resent.append(section);
            section.querySelector('a')?.focus();
            load().catch(() => { /* the next round reads it */ });
          } }));
        actions.append(section);
      }
      translate(actions);
    }
    translate(head); translate(live);
  };
  await load();
  let stopped = false, timer = null;
  const again = async () => {
    try { await load(); } catch { /* the next round tries again */ }
    if (!stopped) timer = setTimeout(again, LIVE_MS);
  };
  timer = setTimeout(again, LIVE_MS);
  return () => { stopped = true; clearTimeout(timer); };
}

// A file's size as offices write it: 1 KB, 2.5 MB.
const fileSize = bytes => (bytes < 1024 * 1024 ? `${Math.max(1, Math.ceil(bytes / 1024))} KB` : `${(bytes / 1048576).toFixed(1)} MB`);

export function attachmentsList(report) {
  if (!report.attachments?.length) return null;
  return h('ul', { class: 'attachments', 'aria-label': M('field.attachments') }, report.attachments.map((a, i) =>
    // In a tab of its own: the file is saved (Content-Disposition) and the
    // tab closes; what cannot be given is said there in Chinese (the
    // gateway's page), the console left as it was.
    h('li', {}, h('a', { href: `/api/v1/reports/${encodeURIComponent(report.reg_no)}/attachments/${i}`, target: '_blank', rel: 'noopener' }, a.name),
      `（${fileSize(a.size || 0)}）`)));
}

// The state of the unit's line of a commission (a cancelled one is
// cancelled for everyone).
const lineState = c => (c.state === 'cancelled' ? 'cancelled' : c.units[0]?.state || 'open');

async function renderCommissions(main) {
  main.append(h('h1', {}, M('officer.commissions')), officerTabs());
  const page = await get('/api/v1/commissions');
  const list = page.commissions.slice().sort((a, b) => b.commission_id - a.commission_id);
  const box = h('div', { id: 'commissions' });
  main.append(box);
  const draw = () => {
    clear(box).append(table(M('officer.commissions'),
      [M('col.title'), M('col.brief'), M('col.deadline'), M('col.state'), M('col.answer'), M('col.actions')],
      list.map(c => {
        const line = c.units[0] || {};
        return [h('span', { class: 'commission-title' }, c.title, c.scored ? [' ', h('span', { class: 'badge' }, M('commission.scored'))] : null),
          c.brief || '', h('span', {}, when(c.deadline), c.state === 'open' && line.state === 'open' ? [' ', h('span', { class: 'countdown', 'data-deadline': c.deadline }, countdown(c.deadline))] : null),
          h('span', { class: 'badge commission-' + lineState(c) }, M('commission.' + lineState(c))),
          line.reg_no ? h('a', { href: '/officer/reports/' + line.reg_no }, line.reg_no) : '',
          answerable(c) ? h('a', { href: '/officer?commission=' + c.commission_id, class: 'button-link', 'aria-label': M('commission.answer_this', { title: c.title }) }, M('commission.answer')) : ''];
      }), M('commission.none_for_unit')));
    translate(box);
  };
  draw();
  const tick = setInterval(() => tickCountdowns(box), 1000);
  return () => clearInterval(tick);
}

async function renderNotices(main, context) {
  main.append(h('h1', {}, M('officer.notices')), officerTabs());
  const box = h('div', { id: 'notices' });
  main.append(box);
  const me = context.session.login;
  const load = async () => {
    const page = await get('/api/v1/notices');
    const notices = page.notices.slice().sort((a, b) => b.notice_id - a.notice_id);
    clear(box);
    if (!notices.length) box.append(h('p', { class: 'empty' }, M('notice.none')));
    for (const n of notices) {
      const read = (n.reads || []).find(r => r.officer === me);
      box.append(h('article', { class: 'card notice' + (read ? ' read' : ' unread'), 'data-notice': n.notice_id },
        h('h2', {}, h('span', { class: 'badge' }, M('notice.kind.' + n.kind)), ' ', h('span', { class: 'notice-title' }, n.title)),
        h('p', { class: 'meta' }, M('notice.sent', { name: n.sent_by, when: when(n.sent_at) })),
        h('div', { class: 'body notice-body' }, n.body),
        read ? h('p', { class: 'notice-read' }, M('notice.read_at', { when: when(read.read_at) }))
          : h('button', { type: 'button', class: 'mark-read', 'aria-label': M('notice.mark_read_this', { title: n.title }),
            onclick: once(() => post('/api/v1/notices/read', { notice_id: n.notice_id }).then(load).catch(e => toast(errorMessage(e)))) }, M('notice.mark_read'))));
    }
    translate(box);
  };
  await load();
}

export async function render(main, context) {
  if (context.path === '/officer') return renderSend(main, context.written, context.session.login);
  if (context.path === '/officer/reports') return renderList(main);
  if (context.path === '/officer/commissions') return renderCommissions(main);
  if (context.path === '/officer/notices') return renderNotices(main, context);
  return renderOne(main, decodeURIComponent(context.params[0]), context.session.login);
}
