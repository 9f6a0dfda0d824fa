// admin: the unit tree (add a unit; disable or enable one, confirmed),
// officers and their roles (add one, reset a password; disable or enable
// one, confirmed), API tokens (listed without secrets; create: the
// secret is shown once; revoke, confirmed), the periodicals (add one,
// change one's code, issuing unit, level, upward and sign-off from its
// row: publication keeps them, the configuration only seeds them; a name
// never changes), the scoring criteria as configured (read only:
// review.criteria) and the health of every service (as `baosong status`).
// The scoring rules (考核办法) are rules.js.
import { h, M, field, when, clear, toast, drawView } from '../dom.js';
import { get, post } from '../api.js';
import { onSubmit, errorMessage } from '../errors.js';
import { table, levelName, adminTabs, confirmButton } from './common.js';
import { translate, has, t } from '../i18n.js';
import { settings as readSettings } from '../app.js';
import adminView from '../../first/admin.html';

const levels = ['township', 'county', 'city', 'province'];
const unitKinds = ['department', 'section', 'key_unit'];
const roles = ['officer', 'editor', 'publisher', 'leader', 'admin'];

async function allUnits() { return (await get('/api/v1/units', { limit: 1000 })).units; }

// A unit's level and kind, and whether it is disabled (intake takes
// nothing from it and gives it no token).
function unitMeta(u) {
  return h('span', { class: 'meta' }, M('level.' + u.level), u.kind ? [' · ', M('unitkind.' + u.kind)] : null,
    u.disabled ? [' · ', h('strong', { class: 'unit-disabled' }, M('unit.disabled'))] : null);
}

// The button that disables what is enabled, or enables it again, once
// confirmed: what (unit or officer) named name, act(disabled wanted).
function disableButton(what, name, disabled, act) {
  const verb = disabled ? 'enable' : 'disable';
  return confirmButton(M(`admin.${verb}`), M(`admin.${verb}_${what}_confirm`, { name }), () => act(!disabled),
    { 'aria-label': M(`admin.${verb}_named`, { name }), class: 'small' });
}

// The tree of units, each with its disable (or enable) button; toggle(u,
// disabled) puts it so.
function tree(units, toggle) {
  const children = parent => units.filter(u => (u.parent || '') === parent);
  const known = new Set(units.map(u => u.name));
  const item = u => h('li', { role: 'treeitem', 'aria-expanded': children(u.name).length ? 'true' : null },
    h('span', { class: 'unit-name' }, u.name), ' ', unitMeta(u), ' ', disableButton('unit', u.name, u.disabled, disabled => toggle(u, disabled)),
    branch(u.name));
  const branch = parent => {
    const list = children(parent);
    return list.length ? h('ul', { role: 'group' }, list.map(item)) : null;
  };
  const roots = units.filter(u => !u.parent || !known.has(u.parent));
  return h('div', { class: 'tree card', id: 'unit-tree' }, roots.length ? h('ul', { role: 'tree', 'aria-label': M('admin.units') }, roots.map(item))
    : h('p', { class: 'empty' }, M('list.empty')));
}

// The unit tree's first view (heading and the admin's tabs) is written
// whole by the gateway (web/first/admin.html, written), or drawn from the
// same markup; the tree and the form below it from the units.
async function renderUnits(main, written) {
  if (!written) drawView(main, adminView);
  const box = h('div', {});
  const units = await allUnits();
  const form = h('form', { class: 'card', id: 'unit-form', novalidate: true }, h('h2', {}, M('admin.add_unit')),
    h('div', { class: 'row' },
      field(M('field.name'), h('input', { name: 'name', required: true })),
      field(M('field.parent'), h('select', { name: 'parent' }, h('option', { value: '' }, M('admin.no_parent')), units.map(u => h('option', { value: u.name }, u.name)))),
      field(M('field.level'), h('select', { name: 'level' }, levels.map(l => h('option', { value: l, selected: l === 'county' }, M('level.' + l))))),
      field(M('field.unit_kind'), h('select', { name: 'kind' }, unitKinds.map(k => h('option', { value: k }, M('unitkind.' + k)))))),
    h('button', { type: 'submit', class: 'primary' }, M('admin.add_unit')));
  const again = async focus => {
    const main2 = clear(main);
    await renderUnits(main2);
    translate(main2);
    if (focus) main2.querySelector(focus)?.focus();
  };
  onSubmit(form, async data => {
    // Adding never changes a unit of the same name (refused: taken).
    await post('/api/v1/units/add', { name: data.get('name'), parent: data.get('parent') || undefined, level: data.get('level'), kind: data.get('kind') });
    toast(M('admin.saved'));
    await again();
  });
  // Disabling is a change of the unit as it is: the same put, disabled.
  const toggle = async (u, disabled) => {
    await post('/api/v1/units', { name: u.name, parent: u.parent || undefined, level: u.level, kind: u.kind, disabled });
    toast(M(disabled ? 'admin.disabled' : 'admin.enabled'));
    await again(`#unit-tree button[aria-label="${CSS.escape(t(disabled ? 'admin.enable_named' : 'admin.disable_named', { name: u.name }))}"]`);
  };
  box.append(tree(units, toggle));
  main.append(box, form);
}

function officerForm(units, officer, done) {
  const held = (officer?.roles || 'officer').split(',');
  const form = h('form', { class: 'card', id: officer ? 'reset-form' : 'officer-form', novalidate: true },
    h('h2', {}, officer ? M('admin.edit_officer', { login: officer.login }) : M('admin.add_officer')),
    h('div', { class: 'row' },
      field(M('field.login'), h('input', { name: 'login', required: true, value: officer?.login || '', readonly: !!officer, autocomplete: 'off' })),
      field(M('field.person_name'), h('input', { name: 'name', required: true, value: officer?.name || '' })),
      field(M('field.unit'), h('select', { name: 'unit' }, h('option', { value: '' }, M('admin.no_unit')),
        units.map(u => h('option', { value: u.name, selected: officer?.unit === u.name }, u.name))))),
    h('fieldset', { name: 'roles' }, h('legend', {}, M('field.roles')), roles.map(r =>
      h('label', { class: 'check-row inline' }, h('input', { type: 'checkbox', name: 'roles', value: r, checked: held.includes(r) }), ' ', M('role.' + r)))),
    h('div', { class: 'row' },
      field(M('field.emails'), h('input', { name: 'emails', value: officer?.emails || '' })),
      field(M('field.phones'), h('input', { name: 'phones', value: officer?.phones || '' })),
      field(officer ? M('field.new_password') : M('field.password'), h('input', { name: 'password', type: 'password', autocomplete: 'new-password' }), M('admin.password_hint'))),
    h('button', { type: 'submit', class: 'primary' }, officer ? M('admin.save_officer') : M('admin.add_officer')));
  onSubmit(form, async data => {
    const roleList = data.getAll('roles');
    if (!roleList.length) throw { code: 'invalid', field: 'roles' };
    await post('/api/v1/officers', { login: data.get('login'), name: data.get('name'), unit: data.get('unit') || undefined,
      roles: roleList.join(','), emails: data.get('emails') || undefined, phones: data.get('phones') || undefined,
      password: data.get('password') || undefined, disabled: officer?.disabled || undefined });
    toast(M('admin.saved'));
    done();
  });
  return form;
}

async function renderOfficers(main) {
  main.append(h('h1', {}, M('admin.officers')), adminTabs());
  const [units, page] = await Promise.all([allUnits(), get('/api/v1/officers', { limit: 1000 })]);
  const again = async () => { clear(main); await renderOfficers(main); translate(main); };
  const editBox = h('div', {});
  // Disabling an officer is a change of them as they are (no password:
  // theirs is kept), disabled; it ends their sessions.
  const toggle = async (o, disabled) => {
    await post('/api/v1/officers', { login: o.login, name: o.name, unit: o.unit || undefined, roles: o.roles,
      emails: o.emails || undefined, phones: o.phones || undefined, disabled });
    toast(M(disabled ? 'admin.disabled' : 'admin.enabled'));
    await again();
    main.querySelector(`#officers button[aria-label="${CSS.escape(t(disabled ? 'admin.enable_named' : 'admin.disable_named', { name: o.login }))}"]`)?.focus();
  };
  main.append(h('div', { id: 'officers', class: 'list' }, table(M('admin.officers'), [M('col.login'), M('field.person_name'), M('col.unit'), M('col.roles'), M('col.state'), M('col.actions')],
    page.officers.map(o => [o.login, o.name, o.unit || '', h('span', {}, o.roles.split(',').map((r, i) => [i ? '、' : '', M('role.' + r)])),
      o.disabled ? h('strong', { class: 'unit-disabled' }, M('unit.disabled')) : M('account.enabled'),
      h('span', { class: 'actions' }, h('button', { type: 'button', 'aria-label': M('admin.edit_officer', { login: o.login }),
        onclick: () => { clear(editBox).append(officerForm(units, o, again)); translate(editBox); editBox.querySelector('input[name=name]').focus(); } }, M('admin.edit')),
      ' ', disableButton('officer', o.login, o.disabled, disabled => toggle(o, disabled)))]))),
  editBox, officerForm(units, null, again));
}

// The tokens by name: unit, when made, when last used (to the minute:
// intake records a use at most once a minute), live or revoked, and a
// revoke button (confirmed) for each live one; never a secret.
function tokenTable(tokens, revoked) {
  return table(M('admin.token_list'), [M('col.name'), M('col.unit'), M('col.created'), M('col.last_used'), M('col.state'), M('col.actions')],
    tokens.map(t => [t.name, t.unit, when(t.created_at), t.last_used_at ? when(t.last_used_at) : M('token.never_used'),
      h('span', { class: 'badge ' + (t.revoked ? 'down' : 'ok') }, M(t.revoked ? 'token.revoked' : 'token.live')),
      t.revoked ? '' : confirmButton(M('admin.revoke'), M('admin.revoke_confirm', { name: t.name }), async () => {
        await post('/api/v1/tokens/revoke', { name: t.name });
        toast(M('admin.revoked'));
        await revoked();
      }, { 'aria-label': M('admin.revoke_named', { name: t.name }) })]), M('admin.no_tokens'));
}

async function renderTokens(main) {
  main.append(h('h1', {}, M('admin.tokens')), adminTabs(), h('p', { class: 'hint' }, M('admin.tokens_help')));
  const units = await allUnits();
  const list = h('div', { id: 'tokens', class: 'list', tabindex: '-1' });
  const load = async () => {
    const page = await get('/api/v1/tokens', { limit: 1000 });
    clear(list).append(tokenTable(page.tokens, async () => { await load(); list.focus(); }));
    translate(list);
  };
  await load();
  const shown = h('div', { 'aria-live': 'polite' });
  const create = h('form', { class: 'card', id: 'token-form', novalidate: true }, h('h2', {}, M('admin.create_token')),
    h('div', { class: 'row' },
      field(M('field.token_name'), h('input', { name: 'name', required: true })),
      field(M('field.unit'), h('select', { name: 'unit' }, units.map(u => h('option', { value: u.name }, u.name))))),
    h('button', { type: 'submit', class: 'primary' }, M('admin.create_token')));
  onSubmit(create, async data => {
    const token = await post('/api/v1/tokens', { name: data.get('name'), unit: data.get('unit') });
    clear(shown).append(h('div', { class: 'card receipt' }, M('admin.token_secret', { name: token.name }), ' ', h('code', { id: 'token-secret' }, token.secret)));
    translate(shown);
    create.reset();
    await load();
  });
  const revoke = h('form', { class: 'card', id: 'revoke-form', novalidate: true }, h('h2', {}, M('admin.revoke_token')),
    field(M('field.token_name'), h('input', { name: 'name', required: true })),
    h('button', { type: 'submit' }, M('admin.revoke_token')));
  onSubmit(revoke, async data => { await post('/api/v1/tokens/revoke', { name: data.get('name') }); toast(M('admin.revoked')); revoke.reset(); await load(); });
  main.append(list, shown, create, revoke);
}

const periodicalLevels = ['county', 'city', 'province', 'central'];

// The form that adds a periodical (periodical null) or changes the one
// given: every attribute but its name, which names its issues, adoptions
// and numbers and never changes (a new name is a new periodical).
function periodicalForm(periodical, done) {
  const form = h('form', { class: 'card', id: periodical ? 'periodical-edit-form' : 'periodical-form', novalidate: true },
    h('h2', {}, periodical ? M('admin.edit_periodical', { name: periodical.name }) : M('admin.add_periodical')),
    h('div', { class: 'row' },
      field(M('field.periodical_name'), h('input', { name: 'name', required: true, value: periodical?.name || '', readonly: !!periodical, autocomplete: 'off' }),
        periodical ? M('admin.periodical_name_kept') : null),
      field(M('field.code'), h('input', { name: 'code', required: true, value: periodical?.code || '', autocomplete: 'off' })),
      field(M('field.issuing_unit'), h('input', { name: 'issuing_unit', value: periodical?.issuing_unit || '' })),
      field(M('field.level'), h('select', { name: 'level' }, periodicalLevels.map(l =>
        h('option', { value: l, selected: l === (periodical?.level || 'city') }, M('level.' + l)))))),
    h('label', { class: 'check-row' }, h('input', { type: 'checkbox', name: 'upward', checked: !!periodical?.upward }), ' ', M('admin.periodical_upward')),
    h('label', { class: 'check-row' }, h('input', { type: 'checkbox', name: 'signoff', checked: !!periodical?.signoff }), ' ', M('admin.periodical_signoff')),
    h('button', { type: 'submit', class: 'primary' }, periodical ? M('admin.save_periodical') : M('admin.add_periodical')));
  onSubmit(form, async data => {
    const saved = await post('/api/v1/publication/periodicals', { name: data.get('name'), code: data.get('code'),
      issuing_unit: data.get('issuing_unit') || undefined, level: data.get('level'),
      upward: data.get('upward') === 'on', signoff: data.get('signoff') === 'on' });
    toast(M('admin.saved'));
    await done(saved.name);
  });
  return form;
}

async function renderPeriodicals(main) {
  main.append(h('h1', {}, M('admin.periodicals')), adminTabs(), h('p', { class: 'hint' }, M('admin.periodicals_help')));
  const [page, settings] = await Promise.all([get('/api/v1/publication/periodicals'), readSettings()]);
  const yes = flag => M(flag ? 'admin.yes' : 'admin.no');
  const editLabel = name => M('admin.edit_periodical', { name });
  // Drawn again once saved, the focus on the saved one's edit button.
  const again = async name => {
    clear(main);
    await renderPeriodicals(main);
    translate(main);
    main.querySelector(`#periodicals button[aria-label="${CSS.escape(t('admin.edit_periodical', { name }))}"]`)?.focus();
  };
  const editBox = h('div', {});
  main.append(h('div', { id: 'periodicals', class: 'list' }, table(M('admin.periodicals'),
    [M('col.name'), M('col.code'), M('col.issuing_unit'), M('col.level'), M('col.upward'), M('col.signoff'), M('col.actions')],
    page.periodicals.map(p => [p.name, p.code, p.issuing_unit || '', levelName(p.level), yes(p.upward), yes(p.signoff),
      h('button', { type: 'button', class: 'small', 'aria-label': editLabel(p.name),
        onclick: () => { clear(editBox).append(periodicalForm(p, again)); translate(editBox); editBox.querySelector('input[name=code]').focus(); } },
      M('admin.edit_short'))]))),
  editBox, periodicalForm(null, again));
  main.append(h('section', { class: 'card', id: 'scoring', 'aria-labelledby': 'scoring-h' }, h('h2', { id: 'scoring-h' }, M('admin.scoring')),
    h('p', {}, M('admin.criteria', { max: settings.score_max })),
    h('ul', {}, settings.criteria.map(c => h('li', {}, M('criterion.' + c)))),
    h('p', {}, M('admin.urgent_hours', { hours: settings.urgent_hours }))));
}

async function renderStatus(main) {
  main.append(h('h1', {}, M('admin.status')), adminTabs());
  const box = h('div', {});
  main.append(box);
  const load = async () => {
    const status = await get('/api/v1/status');
    clear(box).append(table(M('admin.status'), [M('col.service'), M('col.state'), M('col.pid'), M('col.since')],
      status.services.map(s => [has('service.' + s.service) ? M('service.' + s.service) : s.service,
        h('span', { class: 'badge ' + (s.running ? 'ok' : 'down') }, M(s.running ? 'status.running' : 'status.down')),
        s.pid ? String(s.pid) : '', s.running ? when(s.started_at) : errorMessage({ code: s.code || 'unavailable' })])));
    translate(box);
  };
  await load();
  const timer = setInterval(() => load().catch(() => {}), 5000);
  return () => clearInterval(timer);
}

export async function render(main, context) {
  try {
    if (context.path === '/admin/officers') return await renderOfficers(main);
    if (context.path === '/admin/tokens') return await renderTokens(main);
    if (context.path === '/admin/status') return await renderStatus(main);
    if (context.path === '/admin/periodicals') return await renderPeriodicals(main);
    return await renderUnits(main, context.written);
  } catch (error) {
    main.append(h('p', { class: 'form-error', role: 'alert' }, errorMessage(error)));
  }
}
