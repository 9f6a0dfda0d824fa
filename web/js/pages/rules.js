// rules (考核办法): the scoring rules statistics computes every score with
// (GET /api/v1/statistics/rules: the version in force, its name, who
// loaded it and its text), and a new version loaded from the text edited
// here (POST /api/v1/statistics/rules). A file the service refuses names
// its first bad line and what is wrong there (the error's line and reason:
// docs/API.md): the page says both in Chinese, and selects that line.
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

export async function render(main, context) {
  main.append(h('h1', {}, M('rules.title')), adminTabs(), h('p', { class: 'hint' }, M('rules.help')));
  const [rules] = await Promise.all([get('/api/v1/statistics/rules'), people()]);
  const area = h('textarea', { name: 'text', rows: 18, class: 'code', spellcheck: 'false' }, rules.text);
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
        h('span', { id: 'rules-name' }, rules.name || ''), rules.by ? nameOf(rules.by) : M('rules.built_in'), when(rules.loaded_at)]])),
  form);
}
