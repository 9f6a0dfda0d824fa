// The admin's pages (管理) as a newcomer walks them (run.sh starts the
// system and registers the people; this drives the admin's browser):
//   the API tokens listed by name, with their unit, when each was made
//   and last used (从未使用 until a request uses it, then its time) and
//   whether it is live, never a secret; a token made in the form
//   joins the list; one revoked from its row once confirmed (取消 first
//   leaves it live), then shown revoked, in either script; the list is
//   the admin's alone;
//   a unit disabled from the unit tree once confirmed, marked 已停用, and
//   enabled again; an officer disabled from the officers' list: marked,
//   their open session ended and their login refused, then enabled again
//   and let in;
//   a unit added under a name that exists: refused (taken) in either
//   script, the name marked, the unit unchanged; a new name added;
//   refusals said for what they are in either script, the control at
//   fault marked: a unit 17 units deep (too_deep), a password of 7
//   characters (too_short), the right password of a disabled login
//   (disabled); a report from a person of no unit refused with no_unit;
//   a periodical added in the form (a code of spaces refused first, in
//   either script, the code marked), then changed from its row (its name
//   kept), and offered at once where a periodical is chosen: the editor
//   adopts a report into it, the publisher composes from it;
//   the scoring rules (考核办法): two versions loaded in the form, both
//   listed newest first with the one in force, the older one's text opened
//   read-only and taken as the start of a new version (the text box filled,
//   nothing loaded), the page's words in either script (the built-in
//   version's name too).
//
// Environment: as console_day.mjs (support.mjs).
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { URL_BASE, PASSWORD, pageErrors, browser, person, stage, waitFor, call, inScript } from './support.mjs';
import { formRefusal } from './checks.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { default: hans } = await import(path.join(here, '../../web/js/i18n/zh-Hans.js'));
const { default: hant } = await import(path.join(here, '../../web/js/i18n/zh-Hant.js'));
const said = (dictionary, key, args = {}) => dictionary[key].replace(/\{(\w+)\}/g, (_, name) => args[name]);
const inScriptOf = (page, dictionary) => inScript(page, dictionary === hant ? 'zh-Hant' : 'zh-Hans');

// The unit form sent (name under parent at level) and refused in both
// scripts, the control field marked with the sentence of key.
async function unitRefused(admin, name, parent, level, field, key) {
  for (const dictionary of [hans, hant]) {
    await inScriptOf(admin, dictionary);
    await admin.fill('#unit-form input[name=name]', name);
    await admin.selectOption('#unit-form select[name=parent]', parent);
    await admin.selectOption('#unit-form select[name=level]', level);
    await admin.click('#unit-form button[type=submit]');
    await formRefusal(admin, '#unit-form', field, dictionary[key]);
  }
  await inScriptOf(admin, hans);
}

// The row of a table in box whose first cell is name.
const row = (box, name) => `${box} tr:has(> td:first-child:text-is("${name}"))`;
const cells = (page, selector) => page.$$eval(selector + ' > td', tds => tds.map(td => td.textContent));

try {
  stage('API tokens listed');
  const admin = await person('admin');
  const made = await call(admin, 'POST', '/api/v1/tokens', { name: 'walk-system', unit: '林州市' });
  await admin.goto(URL_BASE + '/admin/tokens');
  await admin.waitForSelector(row('#tokens', 'walk-system'));
  const [name, unit, created, unused, state] = await cells(admin, row('#tokens', 'walk-system'));
  assert.deepEqual([name, unit, unused, state], ['walk-system', '林州市', hans['token.never_used'], hans['token.live']]);
  assert.match(created, /^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$/, 'when the token was made');
  // A system's request with the token: its last use shown when the list is read again.
  const used = await fetch(URL_BASE + '/api/v1/session', { headers: { Authorization: 'Bearer ' + made.secret } });
  assert.equal(used.status, 200, 'the token let no request through');
  await admin.goto(URL_BASE + '/admin/tokens');
  await admin.waitForSelector(row('#tokens', 'walk-system'));
  assert.match((await cells(admin, row('#tokens', 'walk-system')))[3], /^\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$/,
    'when the token was last used');
  assert.ok((await call(admin, 'GET', '/api/v1/tokens')).tokens.find(t => t.name === 'walk-system').last_used_at >= made.created_at,
    'the API lists no last use');
  assert.ok(!(await admin.textContent('main')).includes(made.secret.slice(4)), 'the secret shown in the list');
  const listed = await call(admin, 'GET', '/api/v1/tokens');
  assert.ok(listed.tokens.length >= 1 && listed.tokens.every(t => t.secret == null), `a secret listed: ${JSON.stringify(listed)}`);

  // A token made in the form joins the list at once.
  await admin.fill('#token-form input[name=name]', 'walk-form-system');
  await admin.selectOption('#token-form select[name=unit]', '湯陰縣');
  await admin.click('#token-form button[type=submit]');
  await admin.waitForSelector('#token-secret');
  await admin.waitForSelector(row('#tokens', 'walk-form-system'));

  // Revoked from its row, once confirmed: 取消 leaves it live.
  const revoke = `#tokens button[aria-label="${said(hans, 'admin.revoke_named', { name: 'walk-system' })}"]`;
  await admin.click(revoke);
  assert.equal(await admin.textContent(row('#tokens', 'walk-system') + ' .confirm-question'),
    said(hans, 'admin.revoke_confirm', { name: 'walk-system' }));
  assert.ok(await admin.$eval(row('#tokens', 'walk-system') + ' .confirm-yes', button => button === document.activeElement), 'the focus is not on 确定');
  await admin.click(row('#tokens', 'walk-system') + ' .confirm-no');
  await waitFor(admin, selector => document.activeElement?.matches(selector), revoke, { timeout: 5000 })
    .catch(() => assert.fail('取消 left the focus elsewhere'));
  assert.equal((await call(admin, 'GET', '/api/v1/tokens')).tokens.find(t => t.name === 'walk-system').revoked, false, '取消 revoked it');
  await admin.click(revoke);
  await admin.click(row('#tokens', 'walk-system') + ' .confirm-yes');
  await admin.waitForSelector(row('#tokens', 'walk-system') + ' .badge.down');
  assert.equal((await cells(admin, row('#tokens', 'walk-system')))[4], hans['token.revoked']);
  assert.equal(await admin.$(revoke), null, 'a revoked token still has its revoke button');
  assert.equal((await call(admin, 'GET', '/api/v1/tokens')).tokens.find(t => t.name === 'walk-system').revoked, true);
  await admin.click('#script-switch');
  await waitFor(admin, () => document.documentElement.lang === 'zh-Hant');
  assert.equal((await cells(admin, row('#tokens', 'walk-system')))[4], hant['token.revoked']);
  assert.equal((await cells(admin, row('#tokens', 'walk-form-system')))[3], hant['token.never_used']);
  assert.ok(await admin.$(`button[aria-label="${said(hant, 'admin.revoke_named', { name: 'walk-form-system' })}"]`), 'the revoke button in Traditional');
  await admin.click('#script-switch');
  await waitFor(admin, () => document.documentElement.lang === 'zh-Hans');

  // The list is the admin's: an editor is refused it.
  const wang = await person('wang');
  await assert.rejects(call(wang, 'GET', '/api/v1/tokens'), /403/);

  // ---- a unit disabled and enabled from the tree ------------------------------
  stage('a unit disabled and enabled');
  const item = name => `#unit-tree li:has(> .unit-name:text-is("${name}"))`;
  const named = (dictionary, key, name) => `button[aria-label="${said(dictionary, key, { name })}"]`;
  await admin.goto(URL_BASE + '/admin');
  await admin.waitForSelector(item('湯陰縣'));
  assert.equal(await admin.textContent(item('湯陰縣') + ' > .meta'), '县（区） · 部门');
  await admin.click(`${item('湯陰縣')} > .confirm > ${named(hans, 'admin.disable_named', '湯陰縣')}`);
  assert.equal(await admin.textContent(item('湯陰縣') + ' > .confirm .confirm-question'), said(hans, 'admin.disable_unit_confirm', { name: '湯陰縣' }));
  await admin.click(item('湯陰縣') + ' > .confirm .confirm-yes');
  await admin.waitForSelector(`${item('湯陰縣')} > .confirm > ${named(hans, 'admin.enable_named', '湯陰縣')}`);
  assert.equal(await admin.textContent(item('湯陰縣') + ' > .meta'), '县（区） · 部门 · 已停用');
  await waitFor(admin, label => document.activeElement?.getAttribute('aria-label') === label, said(hans, 'admin.enable_named', { name: '湯陰縣' }), { timeout: 5000 })
    .catch(() => assert.fail('the focus is not on the unit\'s enable button'));
  assert.equal((await call(admin, 'GET', '/api/v1/units?limit=1000')).units.find(u => u.name === '湯陰縣').disabled, true);
  assert.equal(await admin.textContent(item('林州市') + ' > .meta'), '县（区） · 部门', 'another unit disabled too');
  await admin.click(`${item('湯陰縣')} > .confirm > ${named(hans, 'admin.enable_named', '湯陰縣')}`);
  assert.equal(await admin.textContent(item('湯陰縣') + ' > .confirm .confirm-question'), said(hans, 'admin.enable_unit_confirm', { name: '湯陰縣' }));
  await admin.click(item('湯陰縣') + ' > .confirm .confirm-yes');
  await admin.waitForSelector(`${item('湯陰縣')} > .confirm > ${named(hans, 'admin.disable_named', '湯陰縣')}`);
  assert.equal(await admin.textContent(item('湯陰縣') + ' > .meta'), '县（区） · 部门');
  const again = (await call(admin, 'GET', '/api/v1/units?limit=1000')).units.find(u => u.name === '湯陰縣');
  assert.deepEqual([again.disabled, again.parent, again.level], [false, '安陽市', 'county'], 'the unit changed otherwise');

  // ---- an officer disabled and enabled from the list ---------------------------
  stage('an officer disabled and enabled');
  const zhang = await person('zhang');
  await admin.goto(URL_BASE + '/admin/officers');
  const officer = login => row('#officers', login);
  await admin.waitForSelector(officer('zhang'));
  assert.equal((await cells(admin, officer('zhang')))[4], hans['account.enabled']);
  await admin.click(`${officer('zhang')} ${named(hans, 'admin.disable_named', 'zhang')}`);
  assert.equal(await admin.textContent(officer('zhang') + ' .confirm-question'), said(hans, 'admin.disable_officer_confirm', { name: 'zhang' }));
  await admin.click(officer('zhang') + ' .confirm-yes');
  await admin.waitForSelector(`${officer('zhang')} ${named(hans, 'admin.enable_named', 'zhang')}`);
  assert.equal((await cells(admin, officer('zhang')))[4], hans['unit.disabled']);
  assert.equal((await cells(admin, officer('li')))[4], hans['account.enabled'], 'another officer disabled too');
  await assert.rejects(call(zhang, 'GET', '/api/v1/my/reports'), /401/, 'a disabled officer\'s session lives on');
  // The right password of a disabled login is said to be disabled, in
  // either script, the login marked.
  const door = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })).newPage();
  door.on('pageerror', error => pageErrors.push(`login page: ${error.message}`));
  await door.goto(URL_BASE + '/login');
  await door.waitForSelector('form button[type=submit]:not([disabled])');
  await door.fill('input[name=login]', 'zhang');
  await door.fill('input[name=password]', PASSWORD);
  await door.click('button[type=submit]');
  await formRefusal(door, 'form', 'login', hans['reason.disabled.login']);
  await door.click('#script-switch');
  await waitFor(door, () => document.documentElement.lang === 'zh-Hant');
  await door.click('button[type=submit]');
  await formRefusal(door, 'form', 'login', hant['reason.disabled.login']);
  await door.context().close();
  await admin.click('#script-switch');
  await waitFor(admin, () => document.documentElement.lang === 'zh-Hant');
  assert.equal((await cells(admin, officer('zhang')))[4], hant['unit.disabled']);
  await admin.click(`${officer('zhang')} ${named(hant, 'admin.enable_named', 'zhang')}`);
  assert.equal(await admin.textContent(officer('zhang') + ' .confirm-question'), said(hant, 'admin.enable_officer_confirm', { name: 'zhang' }));
  await admin.click(officer('zhang') + ' .confirm-yes');
  await admin.waitForSelector(`${officer('zhang')} ${named(hant, 'admin.disable_named', 'zhang')}`);
  assert.equal((await cells(admin, officer('zhang')))[4], hant['account.enabled']);
  await admin.click('#script-switch');
  await waitFor(admin, () => document.documentElement.lang === 'zh-Hans');
  await person('zhang'); // let in again, with the password kept

  // ---- adding a unit never changes one --------------------------------------
  stage('a unit added under a name taken');
  await admin.goto(URL_BASE + '/admin');
  await admin.waitForSelector('#unit-form');
  await unitRefused(admin, '林州市', '', 'city', 'name', 'reason.taken.name');
  const lin = (await call(admin, 'GET', '/api/v1/units?limit=1000')).units.find(u => u.name === '林州市');
  assert.deepEqual([lin.level, lin.parent], ['county', '安陽市'], 'adding changed 林州市');
  assert.equal(await admin.textContent(item('林州市') + ' > .meta'), '县（区） · 部门');
  await admin.fill('#unit-form input[name=name]', '殷都區');
  await admin.selectOption('#unit-form select[name=parent]', '安陽市');
  await admin.selectOption('#unit-form select[name=level]', 'county');
  await admin.click('#unit-form button[type=submit]');
  await admin.waitForSelector(item('殷都區'));

  // ---- refusals said for what they are ---------------------------------------
  stage('refusals with their reasons');
  let above = '安陽市'; // 16 units above the last of these: one more is too deep
  for (let i = 1; i <= 16; i++) {
    const name = `深${String(i).padStart(2, '0')}縣`;
    await call(admin, 'POST', '/api/v1/units/add', { name, level: 'county', parent: above });
    above = name;
  }
  await admin.goto(URL_BASE + '/admin');
  await admin.waitForSelector('#unit-form');
  await unitRefused(admin, '深17縣', above, 'county', 'parent', 'reason.too_deep');
  await admin.goto(URL_BASE + '/admin/officers');
  await admin.waitForSelector('#officer-form');
  for (const dictionary of [hant, hans]) {
    await inScriptOf(admin, dictionary);
    await admin.fill('#officer-form input[name=login]', 'walk-short');
    await admin.fill('#officer-form input[name=name]', '短密碼');
    await admin.selectOption('#officer-form select[name=unit]', '林州市');
    await admin.fill('#officer-form input[name=password]', '林州市七個字符');
    await admin.click('#officer-form button[type=submit]');
    await formRefusal(admin, '#officer-form', 'password', dictionary['reason.too_short.password']);
  }
  // An editor of no unit sends no report of a unit: said why.
  await assert.rejects(call(wang, 'POST', '/api/v1/reports', { title: '無單位的報送', body: '編輯不屬於單位。' }), /403.*"reason":"no_unit"/);

  // ---- a periodical added, changed, and offered at once ----------------------
  stage('a periodical added and changed');
  await admin.goto(URL_BASE + '/admin/periodicals');
  await admin.waitForSelector('#periodical-form');
  for (const dictionary of [hant, hans]) {
    await inScriptOf(admin, dictionary);
    await admin.fill('#periodical-form input[name=name]', '三農信息');
    await admin.fill('#periodical-form input[name=code]', '  ');
    await admin.click('#periodical-form button[type=submit]');
    await formRefusal(admin, '#periodical-form', 'code', dictionary['reason.blank.code']);
  }
  assert.equal((await call(admin, 'GET', '/api/v1/publication/periodicals')).periodicals.some(p => p.name === '三農信息'), false, 'a refused periodical stored');
  await admin.fill('#periodical-form input[name=code]', 'SNXX');
  await admin.fill('#periodical-form input[name=issuing_unit]', '中共湯陰縣委農辦');
  await admin.selectOption('#periodical-form select[name=level]', 'county');
  await admin.check('#periodical-form input[name=upward]');
  await admin.click('#periodical-form button[type=submit]');
  await admin.waitForSelector(row('#periodicals', '三農信息'));
  assert.deepEqual((await cells(admin, row('#periodicals', '三農信息'))).slice(0, 6),
    ['三農信息', 'SNXX', '中共湯陰縣委農辦', hans['level.county'], hans['admin.yes'], hans['admin.no']]);
  // Changed from its row by the keyboard: the name kept, the rest saved.
  const edit = `#periodicals button[aria-label="${said(hans, 'admin.edit_periodical', { name: '三農信息' })}"]`;
  await admin.focus(edit);
  await admin.keyboard.press('Enter');
  await admin.waitForSelector('#periodical-edit-form');
  assert.equal(await admin.getAttribute('#periodical-edit-form input[name=name]', 'readonly'), '', 'the name may be changed');
  assert.ok(await admin.$eval('#periodical-edit-form input[name=code]', input => input === document.activeElement), 'the focus is not on the code');
  await admin.fill('#periodical-edit-form input[name=code]', 'SN');
  await admin.uncheck('#periodical-edit-form input[name=upward]');
  await admin.check('#periodical-edit-form input[name=signoff]');
  await admin.click('#periodical-edit-form button[type=submit]');
  await admin.waitForSelector(row('#periodicals', '三農信息') + ' > td:nth-child(2):text-is("SN")');
  assert.deepEqual((await cells(admin, row('#periodicals', '三農信息'))).slice(0, 6),
    ['三農信息', 'SN', '中共湯陰縣委農辦', hans['level.county'], hans['admin.no'], hans['admin.yes']]);
  await waitFor(admin, selector => document.activeElement?.matches(selector), edit, { timeout: 5000 })
    .catch(() => assert.fail('the focus is not on the saved periodical\'s edit button'));
  const stored = (await call(admin, 'GET', '/api/v1/publication/periodicals?name=' + encodeURIComponent('三農信息'))).periodicals[0];
  assert.deepEqual([stored.code, stored.level, stored.upward, stored.signoff], ['SN', 'county', false, true]);
  await assert.rejects(call(wang, 'POST', '/api/v1/publication/periodicals', { name: '編輯的刊物', code: 'BJ', level: 'city' }), /403/);

  // Offered at once: the editor adopts into it, the publisher composes it.
  const li = await person('li');
  const sent = await call(li, 'POST', '/api/v1/reports', { title: '三農工作新舉措', body: '湯陰縣推進鄉村振興的做法。' });
  await waitFor(wang, async id => (await fetch('/api/v1/review/case?report_id=' + id)).ok, sent.report_id, { timeout: 30000 });
  await call(wang, 'POST', '/api/v1/review/claim', { report_id: sent.report_id });
  await wang.goto(URL_BASE + '/review/case/' + sent.report_id);
  await wang.waitForSelector('#decide-form select[name=periodical]');
  await waitFor(wang, () => [...document.querySelectorAll('#decide-form select[name=periodical] option')].some(o => o.value === '三農信息'), undefined, { timeout: 5000 })
    .catch(() => assert.fail('the editor is not offered 三農信息'));
  await wang.selectOption('#decide-form select[name=periodical]', '三農信息');
  await wang.fill('#decide-form textarea[name=critique]', '做法具體，可供借鑒。');
  await wang.click('#decide-form button[type=submit]');
  await waitFor(wang, () => !document.querySelector('#decide-form'), undefined, { timeout: 10000 })
    .catch(async () => assert.fail('the adoption into 三農信息 refused: ' + await wang.textContent('#decide-form')));
  const liu = await person('liu');
  await waitFor(liu, async id => (await (await fetch('/api/v1/publication/pending?limit=1000')).json()).items.some(i => i.report_id === id),
    sent.report_id).catch(() => assert.fail('publication does not hold the adoption into 三農信息'));
  await liu.goto(URL_BASE + '/publish');
  await liu.waitForSelector('#compose-form select[name=periodical]');
  await liu.selectOption('#compose-form select[name=periodical]', '三農信息');
  await waitFor(liu, () => document.querySelector('#pending')?.textContent.includes('三農工作新舉措'), undefined, { timeout: 5000 })
    .catch(() => assert.fail('the adopted report is not offered under 三農信息'));

  // Scoring rules: every version listed, an older one's text opened
  // read-only and taken as the start of a new one.
  stage('rules versions');
  // Before any is loaded, the scores are by the built-in version, named in
  // the page's script.
  await admin.goto(URL_BASE + '/leader/scores');
  for (const dictionary of [hans, hant]) {
    await inScriptOf(admin, dictionary);
    await admin.waitForSelector('#scores-rules');
    const rules = await admin.textContent('#scores-rules');
    assert.ok(rules.startsWith(said(dictionary, 'assessment.rules', { name: dictionary['rules.built_in_name'], version: 0 }))
      && rules.startsWith(dictionary['assessment.rules_built_in']),
      `the scores do not name the built-in rules in the page's script: ${rules}`);
  }
  await inScriptOf(admin, hans);
  await admin.goto(URL_BASE + '/admin/rules');
  await admin.waitForSelector('#rules-form textarea[name=text]');
  const inForce = await admin.inputValue('#rules-form textarea[name=text]');
  const drafts = {};
  for (const name of ['走查甲版', '走查乙版']) {
    drafts[name] = inForce.replace(/^name = .*$/m, 'name = ' + name);
    assert.notEqual(drafts[name], inForce, 'the rules in force have no name line to change');
    await admin.fill('#rules-form textarea[name=text]', drafts[name]);
    await admin.click('#rules-form button[type=submit]');
    await admin.waitForSelector(`#rules-name:text-is("${name}")`);
  }
  const [newer, older] = (await call(admin, 'GET', '/api/v1/statistics/rules/versions')).versions;
  assert.deepEqual([newer.name, newer.in_force, older.name, older.in_force, newer.version - older.version],
    ['走查乙版', true, '走查甲版', false, 1]);
  const openOlder = dictionary => `#rules-versions button[aria-label="${said(dictionary, 'rules.open_named', { version: older.version })}"]`;
  // By the keyboard: the row's button, named for its version, opens the
  // text, labelled by its heading, which takes the focus.
  await admin.getByRole('button', { name: said(hans, 'rules.open_named', { version: older.version }), exact: true }).focus();
  await admin.keyboard.press('Enter');
  await admin.waitForSelector('#rules-version-text');
  assert.equal(await admin.evaluate(() => document.activeElement.id), 'rules-viewer-h', 'the opened text\'s heading has not the focus');
  assert.equal(await admin.getByRole('textbox', { name: said(hans, 'rules.viewing', { version: older.version }), exact: true })
    .inputValue(), drafts['走查甲版'], 'the older version\'s text, by its label');
  assert.ok(await admin.$eval('#rules-version-text', area => area.readOnly), 'the older version\'s text may be edited');
  // The page's words in either script: both versions listed, newest first.
  for (const dictionary of [hans, hant]) {
    await inScriptOf(admin, dictionary);
    const listed = await admin.$$eval('#rules-versions tbody tr', trs => trs.map(tr => [...tr.cells].map(td => td.textContent)));
    assert.deepEqual(listed.slice(0, 2).map(([version, name, , , state, action]) => [version, name, state, action]),
      [[said(dictionary, 'rules.version', { version: newer.version }), '走查乙版', dictionary['rules.in_force_badge'], dictionary['rules.open']],
        [said(dictionary, 'rules.version', { version: older.version }), '走查甲版', '', dictionary['rules.open']]]);
    assert.deepEqual(listed.at(-1).slice(0, 2), [said(dictionary, 'rules.version', { version: 0 }), dictionary['rules.built_in_name']],
      'the built-in version is not listed last, named in the page\'s script');
    assert.equal(await admin.textContent('#rules-versions-h'), dictionary['rules.versions']);
    assert.equal(await admin.textContent('#rules-versions p.hint'), dictionary['rules.versions_help']);
    assert.ok(await admin.$(openOlder(dictionary)), 'no button opens the older version');
    assert.equal(await admin.textContent('#rules-viewer-h'), said(dictionary, 'rules.viewing', { version: older.version }));
    assert.equal(await admin.textContent('#rules-start-from'), dictionary['rules.start_from']);
  }
  await inScriptOf(admin, hans);
  // Taken as the start of a new version: the text box filled, nothing loaded.
  // By the keyboard: Tab from the heading through the text to the button.
  await admin.focus('#rules-viewer-h');
  for (const next of ['rules-version-text', 'rules-start-from']) {
    await admin.keyboard.press('Tab');
    assert.equal(await admin.evaluate(() => document.activeElement.id), next, 'Tab does not reach ' + next);
  }
  await admin.keyboard.press('Enter');
  assert.equal(await admin.getByRole('textbox', { name: hans['field.rules_text'], exact: true }).inputValue(), drafts['走查甲版']);
  assert.equal(await admin.evaluate(() => document.activeElement.name), 'text', 'the new version\'s text box has not the focus');
  assert.equal(await admin.textContent('#toast'), said(hans, 'rules.started_from', { version: older.version }));
  assert.equal((await call(admin, 'GET', '/api/v1/statistics/rules')).version, newer.version, 'taking it as the start loaded it');

  assert.deepEqual(pageErrors, [], 'errors in the pages');
  stage('done');
} finally {
  await browser.close();
}
