// publisher: compose the next issue of a periodical from adopted reports
// (add, reorder by drag and drop or by keyboard: Alt+↑/Alt+↓ or the
// buttons), create it with its items in that order, and publish it.
import { h, M, field, when, clear, toast } from '../dom.js';
import { get, post } from '../api.js';
import { onSubmit, errorMessage } from '../errors.js';
import { tabs, table } from './common.js';
import { translate } from '../i18n.js';

const publisherTabs = () => tabs([['/publish', 'publisher.compose']]);

// A draft takes its numbers when it is published.
function issueName(issue) {
  if (!issue.number) return M('issue.draft_name', { periodical: issue.periodical, id: issue.issue_id });
  return M('issue.name', { periodical: issue.periodical, year: issue.year, number: issue.number, total: issue.total });
}

// The list being composed: items are {report_id, reg_no, unit, title}.
function composer(items, onChange) {
  const list = h('ol', { class: 'compose', id: 'compose', 'aria-label': M('compose.order') });
  let dragged = null;
  const move = (from, to) => {
    if (to < 0 || to >= items.length) return;
    const [item] = items.splice(from, 1);
    items.splice(to, 0, item);
    draw(to);
    onChange();
  };
  const draw = focusIndex => {
    clear(list);
    items.forEach((item, index) => {
      const li = h('li', { draggable: 'true', tabindex: '0', 'data-id': item.report_id,
        'aria-label': M('compose.item', { n: index + 1, title: item.title }),
        onkeydown: e => {
          if (e.altKey && e.key === 'ArrowUp') { e.preventDefault(); move(index, index - 1); }
          if (e.altKey && e.key === 'ArrowDown') { e.preventDefault(); move(index, index + 1); }
        },
        ondragstart: e => { dragged = index; e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', String(index)); li.classList.add('dragging'); },
        ondragend: () => li.classList.remove('dragging'),
        ondragover: e => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; },
        ondrop: e => { e.preventDefault(); const from = dragged ?? Number(e.dataTransfer.getData('text/plain')); dragged = null; move(from, index); },
      },
      h('span', { class: 'handle', 'aria-hidden': 'true' }, '⠿'),
      h('span', { class: 'item-title' }, item.title), h('span', { class: 'meta' }, ' ', item.reg_no, ' · ', item.unit),
      h('span', { class: 'item-tools' },
        h('button', { type: 'button', class: 'small', 'aria-label': M('compose.up', { title: item.title }), onclick: () => move(index, index - 1) }, '↑'),
        h('button', { type: 'button', class: 'small', 'aria-label': M('compose.down', { title: item.title }), onclick: () => move(index, index + 1) }, '↓'),
        h('button', { type: 'button', class: 'small', 'aria-label': M('compose.remove', { title: item.title }), onclick: () => { items.splice(index, 1); draw(); onChange(); } }, '×')));
      list.append(li);
    });
    translate(list);
    if (focusIndex !== undefined) list.children[focusIndex]?.focus();
  };
  draw();
  return { list, draw };
}

async function renderCompose(main, context) {
  main.append(h('h1', {}, M('publisher.compose')), publisherTabs(), h('p', { class: 'hint' }, M('compose.help')));
  const periodicals = context.settings.periodicals;
  const chosen = [];
  const pendingBox = h('div', { id: 'pending' });
  const issuesBox = h('div', { id: 'issues' });
  const select = h('select', { name: 'periodical' }, periodicals.map(p => h('option', { value: p }, p)));
  const { list, draw } = composer(chosen, () => drawPending());
  let pending = [];
  const drawPending = () => {
    const free = pending.filter(p => p.periodical === select.value && !p.issue_id && !chosen.some(c => c.report_id === p.report_id));
    clear(pendingBox).append(table(M('compose.pending'), [M('col.reg_no'), M('col.title'), M('col.unit'), M('col.adopted'), M('col.actions')],
      free.map(p => [p.reg_no, p.title, p.unit, when(p.adopted_at),
        h('button', { type: 'button', 'aria-label': M('compose.add_item', { title: p.title }), onclick: () => { chosen.push(p); draw(); drawPending(); } }, M('compose.add'))]),
      M('compose.none')));
    translate(pendingBox);
  };
  select.addEventListener('change', () => { chosen.length = 0; draw(); drawPending(); });
  const form = h('form', { class: 'card', id: 'compose-form' },
    field(M('field.periodical'), select),
    h('h2', {}, M('compose.order')), list,
    h('button', { type: 'submit', class: 'primary' }, M('compose.create')));
  onSubmit(form, async () => {
    if (!chosen.length) throw { code: 'invalid', field: 'report_ids' };
    const issue = await post('/api/v1/publication/issue_create', { periodical: select.value });
    await post('/api/v1/publication/issue_add', { issue_id: issue.issue_id, report_ids: chosen.map(c => c.report_id) });
    context.navigate('/publish/issues/' + issue.issue_id);
  });
  main.append(h('div', { class: 'columns' }, h('section', { 'aria-labelledby': 'pending-h' }, h('h2', { id: 'pending-h' }, M('compose.pending')), pendingBox), form),
    h('section', { 'aria-labelledby': 'issues-h' }, h('h2', { id: 'issues-h' }, M('publisher.issues')), issuesBox));
  const [pendingPage, issuesPage] = await Promise.all([get('/api/v1/publication/pending', { limit: 1000 }), get('/api/v1/publication/issues', { limit: 1000 })]);
  pending = pendingPage.items;
  drawPending();
  issuesBox.append(table(M('publisher.issues'), [M('col.issue'), M('col.state'), M('col.items'), M('col.published')],
    issuesPage.issues.slice().reverse().map(i => [h('a', { href: '/publish/issues/' + i.issue_id }, issueName(i)), M('issue.' + i.state), String(i.items.length), when(i.published_at)]),
    M('issues.none')));
}

async function renderIssue(main, id) {
  main.append(h('h1', {}, M('publisher.issue')), publisherTabs());
  const box = h('div', {});
  main.append(box);
  const load = async () => {
    const issue = await get('/api/v1/publication/issue', { issue_id: id });
    clear(box).append(h('article', { class: 'card issue' },
      h('h2', { id: 'issue-name' }, issueName(issue)),
      h('p', { class: 'meta' }, h('span', { id: 'issue-state' }, M('issue.' + issue.state)), issue.published_at ? [' · ', when(issue.published_at)] : null),
      h('ol', { class: 'issue-items' }, issue.items.map(item => h('li', {}, h('span', { class: 'item-title' }, item.title), h('span', { class: 'meta' }, ' ', item.reg_no, ' · ', item.unit)))),
      issue.state === 'draft' ? h('button', { type: 'button', class: 'primary', id: 'publish',
        onclick: () => post('/api/v1/publication/issue_publish', { issue_id: Number(id) }).then(() => { toast(M('issue.published_now')); return load(); }).catch(e => toast(errorMessage(e))) }, M('issue.publish')) : null));
    translate(box);
  };
  await load();
}

export async function render(main, context) {
  if (context.path.startsWith('/publish/issues/')) return renderIssue(main, context.params[0]);
  return renderCompose(main, context);
}
