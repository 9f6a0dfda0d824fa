// rules (考核办法): the scoring rules statistics computes every score with
// (GET /api/v1/statistics/rules: the version in force, its name, who
// loaded it and its text), and a new version loaded from the text edited
// here (POST /api/v1/statistics/rules). A file the service refuses names
// its first bad line and what is wrong there (the error's line and reason:
// docs/API.md): the page says both in Chinese, and selects that line.
// Every version loaded before is listed, newest first (GET
// /api/v1/statistics/rules/versions): each row opens that version's text,
// read-only (GET /api/v1/statistics/rules?version=N), which may be taken
// as the start of a new version (it fills the text box; loading it makes
// the next version: a version is never changed).
import { h, M, field, when, clear, toast } from '../dom.js';
import { get, post } from '../api.js';
import { onSubmit, showError } from '../errors.js';
import { table, adminTabs } from './common.js';
import { translate, has } from '../i18n.js';
import { people, nameOf } from '../app.js';

// Select line (1, 2, ...) of a textarea and scroll it into view.
function selectLine(area, line) {
  const lines = area.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((at, l) => at + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1] || '').length);
}

// A version's name: version 0's, the built-in rules', in the page's
// script (the service names it in Simplified only), any other as loaded.
const nameOfVersion = rules => (rules.version === 0 ? M('rules.built_in_name') : rules.name || '');

// The history: a row per version, newest first, each opening its text
// read-only in viewer, from where it may fill area, the new version's text.
function versions(history, viewer, area) {
  const open = async version => {
    const old = await get('/api/v1/statistics/rules', { version: version.version });
    const text = h('textarea', { id: 'rules-version-text', rows: 14, class: 'code', readonly: true, spellcheck: 'false',
      'aria-labelledby': 'rules-viewer-h' }, old.text);
    const startFrom = () => {
      area.value = old.text;
      area.focus();
      area.setSelectionRange(0, 0);
      toast(M('rules.started_from', { version: old.version }));
    };
    clear(viewer).append(h('section', { class: 'card', 'aria-labelledby': 'rules-viewer-h' },
      h('h2', { id: 'rules-viewer-h', tabindex: '-1' }, M('rules.viewing', { version: old.version })), text,
      h('button', { type: 'button', id: 'rules-start-from', onclick: startFrom }, M('rules.start_from'))));
    translate(viewer);
    viewer.querySelector('h2').focus();
  };
  return h('section', { class: 'card', id: 'rules-versions', 'aria-labelledby': 'rules-versions-h' },
    h('h2', { id: 'rules-versions-h' }, M('rules.versions')), h('p', { class: 'hint' }, M('rules.versions_help')),
    table(M('rules.versions'), [M('col.version'), M('col.name'), M('col.loaded_by'), M('col.time'), M('col.state'), M('col.actions')],
      history.versions.map(v => [M('rules.version', { version: v.version }), nameOfVersion(v),
        v.by ? nameOf(v.by) : M('rules.built_in'), when(v.loaded_at),
        v.in_force ? h('span', { class: 'badge ok' }, M('rules.in_force_badge')) : '',
        h('button', { type: 'button', class: 'small', 'aria-label': M('rules.open_named', { version: v.version }),
          onclick: () => open(v) }, M('rules.open'))])));
}

export async function render(main, context) {
  main.append(h('h1', {}, M('rules.title')), adminTabs(), h('p', { class: 'hint' }, M('rules.help')));
  const [rules, history] = await Promise.all([get('/api/v1/statistics/rules'), get('/api/v1/statistics/rules/versions'), people()]);
  const area = h('textarea', { name: 'text', rows: 18, class: 'code', spellcheck: 'false' }, rules.text);
  const viewer = h('div', { id: 'rules-viewer' });
  const form = h('form', { class: 'card', id: 'rules-form', novalidate: true }, h('h2', {}, M('rules.load')),
    field(M('field.rules_text'), area, M('rules.load_help')),
    h('button', { type: 'submit', class: 'primary' }, M('rules.load')));
  onSubmit(form, async data => {
    try {
      await post('/api/v1/statistics/rules', { text: data.get('text') });
    } catch (error) {
      const line = error.line;
      if (error.code !== 'invalid' || !line) throw error;
      showError(form, error);
      const box = form.querySelector('.form-error');
      const why = has('reason.' + error.reason) ? 'reason.' + error.reason : 'rules.bad_line_why';
      clear(box).append(h('span', {}, M('rules.bad_line', { line })), h('span', {}, M(why)));
      translate(box);
      selectLine(area, line);
      return;
    }
    toast(M('rules.loaded'));
    await context.reload();
  });
  main.append(h('section', { class: 'card', 'aria-labelledby': 'rules-h' }, h('h2', { id: 'rules-h' }, M('rules.in_force')),
    table(M('rules.in_force'), [M('col.version'), M('col.name'), M('col.loaded_by'), M('col.time')],
      [[h('span', { id: 'rules-version' }, M('rules.version', { version: rules.version })),
        h('span', { id: 'rules-name' }, nameOfVersion(rules)), rules.by ? nameOf(rules.by) : M('rules.built_in'), when(rules.loaded_at)]])),
  versions(history, viewer, area), viewer, form);
}
