// publisher: compose the next issue of a periodical from adopted reports
// (add them, order them by drag and drop or by keyboard: Alt+↑/Alt+↓ or
// the buttons), create the draft with its items in that order; on the
// draft, reorder (each move is publication.issue_move), take items out,
// write the editor's note (编者按) and the responsible editor, and
// publish once a leader has signed it off when its periodical needs that.
// A leader opens the same draft page to sign it off (签发). Each item of
// a draft takes a section (栏目); the issue's PDF (and DOCX) is one click
// away (GET /api/v1/issues/{id}/document). A signed-off or published
// issue is forwarded upward (上报); on a published one the publisher
// records what outside outlets adopted (采用) and leaders' comments
// (领导批示), which the reporting unit sees on its report's page.
import { h, M, field, when, clear, add, toast, drawView, viewPart, once, keepFocus } from '../dom.js';
import { get, postOnce } from '../api.js';
import { onSubmit, errorMessage } from '../errors.js';
import { hereTabs, table, levelName } from './common.js';
import { translate } from '../i18n.js';
import { people, nameOf } from '../app.js';
import view from '../../first/publish.html';

const publisherTabs = () => hereTabs(viewPart(view, 'nav.tabs'));

// A draft takes its numbers when it is published.
export function issueName(issue) {
  if (!issue.number) return M('issue.draft_name', { periodical: issue.periodical, id: issue.issue_id });
  return M('issue.name', { periodical: issue.periodical, year: issue.year, number: issue.number, total: issue.total });
}

// An ordered list of items ({report_id, reg_no, unit, title}) that moves
// them by drag and drop, Alt+↑/↓ or buttons: move(from, to) does the move
// (and may be async); remove(index) takes one out; extra(item) adds
// controls of its own to an item; empty (a Msg) says in words what to do
// while there is none (its paragraph, shown in the list's place: note).
function orderedList(id, items, move, remove, extra, empty) {
  const list = h('ol', { class: 'compose', id, 'aria-label': M('compose.order') });
  const note = empty ? h('p', { class: 'empty', id: id + '-empty', role: 'status' }, empty) : null;
  let dragged = null;
  // One change at a time: a move or a removal pressed again (a double
  // click, Alt+↑ held, a slow network) while the last is on its way is
  // not made twice (its item's place is not known yet).
  let busy = false;
  const oneAtATime = async (change, focusIndex) => {
    if (busy) return;
    busy = true;
    try { await change(); } catch (error) { toast(errorMessage(error)); return; } finally { busy = false; }
    draw(focusIndex);
  };
  const go = (from, to) => {
    if (to < 0 || to >= items.length || from === to) return;
    oneAtATime(() => move(from, to), to);
  };
  const draw = focusIndex => {
    clear(list);
    list.hidden = !items.length && !!note;
    if (note) note.hidden = !!items.length;
    items.forEach((item, index) => {
      const li = h('li', { draggable: 'true', tabindex: '0', 'data-id': item.report_id, 'data-line': index + 1,
        'aria-label': M('compose.item', { n: index + 1, title: item.title }),
        onkeydown: e => {
          if (e.altKey && e.key === 'ArrowUp') { e.preventDefault(); go(index, index - 1); }
          if (e.altKey && e.key === 'ArrowDown') { e.preventDefault(); go(index, index + 1); }
        },
        ondragstart: e => { dragged = index; e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', String(index)); li.classList.add('dragging'); },
        ondragend: () => li.classList.remove('dragging'),
        ondragover: e => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; },
        ondrop: e => { e.preventDefault(); const from = dragged ?? Number(e.dataTransfer.getData('text/plain')); dragged = null; go(from, index); },
      },
      h('span', { class: 'handle', 'aria-hidden': 'true' }, '⠿'),
      h('span', { class: 'item-title' }, item.title), h('span', { class: 'meta' }, ' ', item.reg_no, ' · ', item.unit),
      extra ? extra(item) : null,
      h('span', { class: 'item-tools' },
        h('button', { type: 'button', class: 'small', 'aria-label': M('compose.up', { title: item.title }), onclick: () => go(index, index - 1) }, '↑'),
        h('button', { type: 'button', class: 'small', 'aria-label': M('compose.down', { title: item.title }), onclick: () => go(index, index + 1) }, '↓'),
        remove ? h('button', { type: 'button', class: 'small', 'aria-label': M('compose.remove', { title: item.title }),
          onclick: () => oneAtATime(() => remove(index)) }, '×') : null));
      list.append(li);
    });
    translate(list);
    if (focusIndex !== undefined) list.children[focusIndex]?.focus();
  };
  draw();
  return { list, draw, note };
}

// The compose page's first view (heading, tabs, the hint) is written whole
// by the gateway (web/first/publish.html, written), or drawn from the same
// markup; the lists and the form below it are drawn from the page's reads.
async function renderCompose(main, context) {
  if (!context.written) hereTabs(drawView(main, view).querySelector('nav.tabs'));
  const [periodicals, pendingPage, issuesPage] = await Promise.all([get('/api/v1/publication/periodicals'),
    get('/api/v1/publication/pending', { limit: 1000 }), get('/api/v1/publication/issues', { limit: 1000 }), people()]);
  const chosen = [];
  const pending = pendingPage.items;
  const pendingBox = h('div', { id: 'pending' });
  const select = h('select', { name: 'periodical' }, periodicals.periodicals.map(p => h('option', { value: p.name }, p.name)));
  const { list, draw, note } = orderedList('compose', chosen,
    (from, to) => { const [item] = chosen.splice(from, 1); chosen.splice(to, 0, item); },
    index => { chosen.splice(index, 1); drawPending(); }, null, M('compose.empty'));
  const drawPending = () => {
    const free = pending.filter(p => p.periodical === select.value && !p.issue_id && !chosen.some(c => c.report_id === p.report_id));
    clear(pendingBox).append(table(M('compose.pending'), [M('col.reg_no'), M('col.title'), M('col.unit'), M('col.adopted'), M('col.actions')],
      free.map(p => [p.reg_no, p.title, p.unit, when(p.adopted_at),
        h('button', { type: 'button', 'aria-label': M('compose.add_item', { title: p.title }), onclick: () => keepFocus(pendingBox, () => { chosen.push(p); draw(); drawPending(); },
          { sameIndex: true, fallback: () => list.lastElementChild }) }, M('compose.add'))]),
      M('compose.none')));
    translate(pendingBox);
  };
  select.addEventListener('change', () => { chosen.length = 0; draw(); drawPending(); });
  // The chosen items are the form's report_ids: an error of the field
  // marks them, or the one of them it names.
  const form = h('form', { class: 'card', id: 'compose-form' },
    field(M('field.periodical'), select),
    h('fieldset', { class: 'items', name: 'report_ids', tabindex: '-1' }, h('legend', {}, M('compose.order')), note, list),
    h('button', { type: 'submit', class: 'primary' }, M('compose.create')));
  // The draft and its items are one command (issue_create with its
  // report_ids): a report refused leaves no empty draft behind; tried
  // again after a lost reply, the same periodical and items make no
  // second draft (one key).
  onSubmit(form, async () => {
    if (!chosen.length) throw { code: 'invalid', field: 'report_ids' };
    const issue = await postOnce('/api/v1/publication/issue_create',
      { periodical: select.value, report_ids: chosen.map(c => c.report_id) });
    context.navigate('/publish/issues/' + issue.issue_id);
  });
  main.append(h('div', { class: 'columns' }, h('section', { 'aria-labelledby': 'pending-h' }, h('h2', { id: 'pending-h' }, M('compose.pending')), pendingBox), form),
    h('section', { 'aria-labelledby': 'issues-h' }, h('h2', { id: 'issues-h' }, M('publisher.issues')),
      h('div', { id: 'issues' }, issuesTable(issuesPage.issues.slice().reverse()))));
  drawPending();
}

export function issuesTable(issues, empty) {
  return table(M('publisher.issues'), [M('col.issue'), M('col.state'), M('col.items'), M('col.signoff'), M('col.published')],
    issues.map(i => [h('a', { href: '/publish/issues/' + i.issue_id }, issueName(i)), M('issue.' + i.state), String(i.items.length),
      i.signed_off_by ? M('issue.signed_by', { name: nameOf(i.signed_off_by) }) : i.signoff_asked_at ? M('issue.asked') : '',
      when(i.published_at)]),
    empty || M('issues.none'));
}

async function renderIssue(main, context, id) {
  add(main, h('h1', {}, M('publisher.issue')), context.roles.some(r => r === 'publisher' || r === 'admin') ? publisherTabs() : null);
  const box = h('div', {});
  main.append(box);
  const publisher = context.roles.some(r => r === 'publisher' || r === 'admin' || r === 'editor');
  const leader = context.roles.includes('leader');
  const act = (path, data) => postOnce(path, { issue_id: Number(id), ...data });
  const load = async () => {
    const [issue, periodicals] = await Promise.all([get('/api/v1/publication/issue', { issue_id: id }), get('/api/v1/publication/periodicals'), people()]);
    const periodical = periodicals.periodicals.find(p => p.name === issue.periodical) || {};
    const draft = issue.state === 'draft';
    const items = issue.items.slice();
    clear(box);
    const card = h('article', { class: 'card issue' },
      h('h2', { id: 'issue-name' }, issueName(issue)),
      h('p', { class: 'meta' }, h('span', { id: 'issue-state' }, M('issue.' + issue.state)), issue.published_at ? [' · ', when(issue.published_at)] : null,
        ' · ', h('span', { id: 'issue-signoff' }, issue.signed_off_by ? M('issue.signed_by', { name: nameOf(issue.signed_off_by) })
          : issue.signoff_asked_at ? [M('issue.asked_by', { name: nameOf(issue.signoff_asked_by) }), ' ', when(issue.signoff_asked_at)]
          : periodical.signoff ? M('issue.needs_signoff') : M('issue.no_signoff'))),
      issue.note ? h('p', { class: 'note' }, M('field.note'), M('colon'), h('span', { id: 'issue-note' }, issue.note)) : null,
      issue.responsible_editor ? h('p', { class: 'meta' }, M('field.responsible_editor'), M('colon'), issue.responsible_editor) : null);
    if (draft && publisher) {
      const { list } = orderedList('issue-items', items,
        async (from, to) => { await act('/api/v1/publication/issue_move', { report_id: items[from].report_id, position: to + 1 });
          const [item] = items.splice(from, 1); items.splice(to, 0, item); },
        async index => { await act('/api/v1/publication/issue_remove', { report_ids: [items[index].report_id] }); items.splice(index, 1); },
        item => h('input', { class: 'section', name: 'section', value: item.section || '', placeholder: M('field.section'),
          'aria-label': M('compose.section_for', { title: item.title }), onkeydown: e => e.stopPropagation(),
          onchange: e => act('/api/v1/publication/issue_item_edit', { report_id: item.report_id, section: e.target.value })
            .then(() => { item.section = e.target.value; toast(M('admin.saved')); }).catch(error => toast(errorMessage(error))) }));
      card.append(h('p', { class: 'hint' }, M('issue.reorder_help')), list);
    } else {
      card.append(h('ol', { class: 'issue-items', id: 'issue-items' }, items.map(item =>
        h('li', {}, item.section ? [h('span', { class: 'badge section-name' }, item.section), ' '] : null,
          h('span', { class: 'item-title' }, item.title), h('span', { class: 'meta' }, ' ', item.reg_no, ' · ', item.unit)))));
    }
    const documentUrl = format => `/api/v1/issues/${issue.issue_id}/document?format=${format}`;
    card.append(h('p', { class: 'documents' },
      h('a', { href: documentUrl('pdf'), target: '_blank', rel: 'noopener', id: 'issue-pdf' }, M('issue.preview_pdf')), ' · ',
      h('a', { href: documentUrl('docx'), download: '', id: 'issue-docx' }, M('issue.download_docx'))));
    box.append(card);
    if (draft && publisher) {
      const edit = h('form', { class: 'card', id: 'issue-edit-form' }, h('h2', {}, M('issue.edit')),
        field(M('field.note'), h('textarea', { name: 'note', rows: 3 }, issue.note || '')),
        field(M('field.responsible_editor'), h('input', { name: 'responsible_editor', value: issue.responsible_editor || '' })),
        h('button', { type: 'submit' }, M('issue.save')));
      onSubmit(edit, async data => { await act('/api/v1/publication/issue_edit', { note: data.get('note'), responsible_editor: data.get('responsible_editor') }); toast(M('admin.saved')); await load(); });
      box.append(edit);
    }
    const buttons = h('div', { class: 'actions' });
    // The publisher says the draft is finished (送签): the leaders' queue lists it.
    if (draft && publisher && periodical.signoff && items.length && !issue.signed_off_by && !issue.signoff_asked_at)
      buttons.append(h('button', { type: 'button', id: 'signoff-ask',
        onclick: once(() => act('/api/v1/publication/issue_signoff_ask', {}).then(() => { toast(M('issue.asked_now')); return load(); })
          .catch(e => toast(errorMessage(e)))) }, M('issue.ask_signoff')));
    if (draft && leader && !issue.signed_off_by) buttons.append(h('button', { type: 'button', class: 'primary', id: 'signoff',
      onclick: once(() => act('/api/v1/publication/issue_signoff', {}).then(() => { toast(M('issue.signed_now')); return load(); }).catch(e => toast(errorMessage(e)))) }, M('issue.signoff')));
    if (publisher && (issue.state === 'published' || issue.signed_off_by)) buttons.append(h('button', { type: 'button', id: 'forward',
      onclick: once(() => act('/api/v1/publication/forward', {}).then(page => { toast(M('issue.forwarded', { n: page.entries.length })); return load(); })
        .catch(e => toast(errorMessage(e)))) }, M('issue.forward')));
    if (draft && publisher) buttons.append(h('button', { type: 'button', class: 'primary', id: 'publish',
      onclick: once(() => act('/api/v1/publication/issue_publish', {}).then(() => { toast(M('issue.published_now')); return load(); })
        .catch(e => toast(errorMessage(e)))) }, M('issue.publish')));
    box.append(buttons);
    stopNews();
    if (issue.state === 'published' && items.length) {
      const news = await feedback(issue, items, load);
      box.append(news.section);
      stopNews = news.stop;
    }
    translate(box);
  };
  let stopNews = () => {};
  await load();
  return () => stopNews();
}

const outsideLevels = ['county', 'city', 'province', 'central'];
const NEWS_MS = 3000; // a published issue's news is read again this often

// What became of a published issue's items: where each was forwarded
// (上报) and what the level above did with it, adoptions by outside
// outlets and leaders' comments, each listed (and read again every
// NEWS_MS, as the level above decides) and recorded here. Returns the
// section and the function that stops its reading.
async function feedback(issue, items, reload) {
  const titleOf = id => items.find(item => item.report_id === id)?.title || '';
  const read = async () => {
    const [upward, instructions] = await Promise.all([
      Promise.all(items.map(item => get('/api/v1/publication/upward', { report_id: item.report_id }))),
      get('/api/v1/publication/instructions', { limit: 1000 })]);
    return { forwards: upward.flatMap(u => u.forwards), adoptions: upward.flatMap(u => u.adoptions),
      comments: instructions.instructions.filter(i => items.some(item => item.report_id === i.report_id)) };
  };
  const news = h('div', { id: 'issue-news', 'aria-live': 'polite' });
  let last = '';
  const draw = found => {
    const text = JSON.stringify(found);
    if (text === last) return;
    last = text;
    const { forwards, adoptions, comments } = found;
    add(clear(news),
      forwards.length ? h('div', { id: 'forwards' }, table(M('issue.forwards'), [M('col.title'), M('col.level'), M('col.state'), M('col.upper_reg_no'), M('col.time')],
        forwards.map(f => [titleOf(f.report_id), levelName(f.level), h('span', { class: 'badge outbox-' + f.state }, M('outbox.' + f.state)),
          f.upper_reg_no || '', when(f.received_at || f.queued_at)]))) : null,
      h('div', { id: 'adoptions' }, table(M('report.adoptions'), [M('col.title'), M('col.level'), M('col.outlet'), M('col.outlet_issue'), M('col.time')],
        adoptions.map(a => [titleOf(a.report_id), levelName(a.level), a.outlet, a.outlet_issue || '', when(a.adopted_at)]), M('feedback.no_adoptions'))),
      h('div', { id: 'comments' }, table(M('report.instructions'), [M('col.title'), M('field.leader'), M('field.comment'), M('col.follow_up')],
        comments.map(i => [titleOf(i.report_id), [i.leader, ' · ', levelName(i.level)], i.text, i.follow_up_text || M('feedback.no_follow_up')]), M('feedback.no_comments'))));
    translate(news);
  };
  draw(await read());
  let stopped = false, timer = null;
  const again = async () => {
    try { draw(await read()); } catch { /* the next round tries again */ }
    if (!stopped) timer = setTimeout(again, NEWS_MS);
  };
  timer = setTimeout(again, NEWS_MS);
  const itemSelect = () => h('select', { name: 'report_id' }, items.map(item => h('option', { value: item.report_id }, item.title)));
  const levelSelect = () => h('select', { name: 'level' }, outsideLevels.map(l => h('option', { value: l, selected: l === 'province' }, levelName(l))));
  const adoption = h('form', { class: 'card', id: 'adoption-form', novalidate: true }, h('h2', {}, M('feedback.record_adoption')),
    h('div', { class: 'row' }, field(M('field.report_id'), itemSelect()), field(M('col.level'), levelSelect())),
    h('div', { class: 'row' }, field(M('col.outlet'), h('input', { name: 'outlet', required: true })),
      field(M('col.outlet_issue'), h('input', { name: 'outlet_issue' }))),
    h('button', { type: 'submit', class: 'primary' }, M('feedback.record_adoption')));
  onSubmit(adoption, async data => {
    await postOnce('/api/v1/publication/adoption_record', { report_id: Number(data.get('report_id')), level: data.get('level'),
      outlet: data.get('outlet'), outlet_issue: data.get('outlet_issue') || undefined });
    toast(M('admin.saved'));
    await reload();
  });
  const comment = h('form', { class: 'card', id: 'instruct-form', novalidate: true }, h('h2', {}, M('feedback.record_comment')),
    h('div', { class: 'row' }, field(M('field.report_id'), itemSelect()), field(M('col.level'), levelSelect())),
    field(M('field.leader'), h('input', { name: 'leader', required: true })),
    field(M('field.comment'), h('textarea', { name: 'text', rows: 3, required: true })),
    h('button', { type: 'submit', class: 'primary' }, M('feedback.record_comment')));
  onSubmit(comment, async data => {
    await postOnce('/api/v1/publication/instruct', { report_id: Number(data.get('report_id')), issue_id: issue.issue_id,
      level: data.get('level'), leader: data.get('leader'), text: data.get('text') });
    toast(M('admin.saved'));
    await reload();
  });
  const section = h('section', { 'aria-labelledby': 'feedback-h' }, h('h2', { id: 'feedback-h' }, M('feedback.title')),
    news, h('div', { class: 'columns' }, adoption, comment));
  return { section, stop: () => { stopped = true; clearTimeout(timer); } };
}

export async function render(main, context) {
  if (context.path.startsWith('/publish/issues/')) return renderIssue(main, context, context.params[0]);
  return renderCompose(main, context);
}
