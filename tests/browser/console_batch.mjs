// The editor's batch decisions on the queue (run.sh starts the system and
// registers the people; this drives the editor's browser):
//   five reports in the queue; the batch bar says nothing is picked and
//   its buttons wait; a row's box picked by the keyboard (Tab, Space),
//   all of the page by the box in the head, two left out again: four
//   picked, the count says so;
//   while they are picked (the queue not read again meanwhile), the leader
//   declines one of them and claims another: the editor adopts the four
//   with one critique, into the periodical chosen, by the keyboard (an
//   empty critique refused first, the box marked): the summary says two
//   adopted, and names the two refused, each by its registration number
//   with why in the console's words (decided already; claimed by another);
//   the queue read again: the adopted and the declined are gone, the
//   claimed one is still there and still picked, the one never picked is
//   not; the adopted carry the critique, the declined the leader's;
//   the bar in Traditional: its heading, count, buttons, the box of the
//   head, the summary, and the form a decision opens (Escape closes it,
//   the focus back on its button).
//
// Environment: as console_day.mjs (support.mjs).
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { URL_BASE, pageErrors, browser, person, stage, waitFor, call, inScript, screenshot } from './support.mjs';
import { formRefusal, tabTo } from './checks.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { default: hans } = await import(path.join(here, '../../web/js/i18n/zh-Hans.js'));
const { default: hant } = await import(path.join(here, '../../web/js/i18n/zh-Hant.js'));
const said = (dictionary, key, args = {}) => dictionary[key].replace(/\{(\w+)\}/g, (_, name) => args[name]);

const titles = ['林州市紅旗渠幹部學院開班', '林州市村級組織換屆完成', '林州市開展黨員冬訓',
  '林州市選派第一書記', '林州市整頓軟弱渙散村黨組織'];
const critique = '批量採用：內容翔實，時效性強。';
const declined = '與本期重點不符。';

// The queue's rows as the editor sees them: [reg_no, picked] each.
const rows = page => page.$$eval('#queue tbody tr', trs => trs.map(tr =>
  [tr.querySelector('a').textContent, tr.querySelector('input[type=checkbox]').checked]));

try {
  stage('five reports in the queue');
  const li = await person('li');
  const reports = [];
  for (const title of titles)
    reports.push(await call(li, 'POST', '/api/v1/reports', { title, body: title + '。詳見附件。', kind: 'situation' }));
  const [a, b, c, d, e] = reports;

  stage('the editor picks four');
  const wang = await person('wang');
  assert.equal(new URL(wang.url()).pathname, '/review');
  await waitFor(wang, n => document.querySelectorAll('#queue tbody tr').length === n, reports.length);
  assert.equal(await wang.textContent('#batch-h'), hans['batch.title']);
  assert.equal(await wang.textContent('#batch-count'), hans['batch.none']);
  for (const decision of ['adopt', 'return', 'decline', 'forward']) {
    assert.equal(await wang.textContent('#batch-' + decision), hans['decision.' + decision]);
    assert.ok(await wang.isDisabled('#batch-' + decision), `${decision} is pressable with nothing picked`);
  }
  // By the keyboard: the first row's box, Space.
  await wang.focus('main');
  await tabTo(wang, `#pick-${a.report_id}`);
  assert.equal(await wang.getAttribute(`#pick-${a.report_id}`, 'aria-label'), said(hans, 'batch.pick', { reg: a.reg_no }));
  await wang.keyboard.press('Space');
  assert.equal(await wang.textContent('#batch-count'), said(hans, 'batch.count', { n: 1 }));
  assert.ok(await wang.isEnabled('#batch-adopt'), 'adopt waits with a case picked');
  // All of the page, then two left out.
  assert.equal(await wang.getAttribute('#pick-all', 'aria-label'), hans['batch.all']);
  assert.ok(await wang.evaluate(() => document.getElementById('pick-all').indeterminate), 'the head\'s box does not say some are picked');
  await wang.click('#pick-all');
  assert.equal(await wang.textContent('#batch-count'), said(hans, 'batch.count', { n: 5 }));
  await wang.click(`#pick-${e.report_id}`);
  await wang.click(`#pick-${a.report_id}`);
  await wang.click(`#pick-${a.report_id}`);
  assert.equal(await wang.textContent('#batch-count'), said(hans, 'batch.count', { n: 4 }));
  assert.deepEqual(await rows(wang), [[a.reg_no, true], [b.reg_no, true], [c.reg_no, true], [d.reg_no, true], [e.reg_no, false]]);

  stage('the leader acts on two of them meanwhile');
  // The queue is not read again until the batch is answered: the editor
  // still sees the two the leader took.
  const held = [];
  await wang.route('**/api/v1/review/queue*', route => { held.push(route); });
  const zhao = await person('zhao');
  await call(zhao, 'POST', '/api/v1/review/decide', { report_id: c.report_id, decision: 'decline', critique: declined, claim: true });
  await call(zhao, 'POST', '/api/v1/review/claim', { report_id: d.report_id });

  stage('adopted in one go');
  await wang.focus(`#pick-${d.report_id}`);
  await wang.keyboard.press('Shift+Tab');
  for (let i = 0; i < 40 && !(await wang.evaluate(() => document.activeElement?.id === 'batch-adopt')); i++)
    await wang.keyboard.press('Shift+Tab');
  assert.equal(await wang.evaluate(() => document.activeElement?.id), 'batch-adopt', 'Shift+Tab does not reach 采用');
  await wang.keyboard.press('Enter');
  await wang.waitForSelector('#batch-form:not([hidden]) select[name=periodical]');
  assert.equal(await wang.textContent('#batch-form h3'), said(hans, 'batch.heading.adopt', { n: 4 }));
  assert.equal(await wang.evaluate(() => document.activeElement?.name), 'periodical', 'the form opens without the focus');
  // The periodicals the case page's form offers.
  const offered = await call(wang, 'GET', '/api/v1/publication/periodicals');
  assert.deepEqual(await wang.$$eval('#batch-form select[name=periodical] option', os => os.map(o => o.value)),
    offered.periodicals.map(p => p.name));
  await wang.selectOption('#batch-form select[name=periodical]', '組工信息');
  // An empty critique is refused before anything is sent.
  await tabTo(wang, '#batch-form button[type=submit]');
  await wang.keyboard.press('Enter');
  await formRefusal(wang, '#batch-form', 'critique', hans['err.invalid.critique']);
  assert.equal(await wang.evaluate(() => document.activeElement?.name), 'critique');
  await wang.keyboard.type(critique);
  await tabTo(wang, '#batch-form button[type=submit]');
  await wang.keyboard.press('Enter');
  await wang.waitForSelector('#batch-summary:not([hidden])');
  assert.equal(await wang.evaluate(() => document.activeElement?.id), 'batch-summary', 'the summary is not where the focus went');
  assert.equal(await wang.textContent('#batch-summary p'), said(hans, 'batch.done.adopt', { n: 2 }));
  assert.equal(await wang.textContent('#batch-summary p + p'), said(hans, 'batch.refused', { n: 2 }));
  assert.deepEqual(await wang.$$eval('#batch-summary li', lis => lis.map(li => li.textContent)),
    [`${c.reg_no} ${titles[2]}：${hans['reason.closed']}`, `${d.reg_no} ${titles[3]}：${hans['reason.claimed']}`]);
  assert.ok(await wang.isHidden('#batch-form'), 'the form stays open after the batch');
  // The decided are no longer picked, before the queue is read again.
  assert.deepEqual(await rows(wang), [[a.reg_no, false], [b.reg_no, false], [c.reg_no, true], [d.reg_no, true], [e.reg_no, false]]);
  await screenshot(wang, 'batch-summary');

  stage('the queue read again');
  await wang.unroute('**/api/v1/review/queue*');
  for (const route of held) await route.continue();
  await waitFor(wang, n => document.querySelectorAll('#queue tbody tr').length === n, 2);
  assert.deepEqual(await rows(wang), [[d.reg_no, true], [e.reg_no, false]], 'the queue after the batch');
  assert.equal(await wang.textContent('#batch-count'), said(hans, 'batch.count', { n: 1 }));
  for (const report of [a, b]) {
    const decided = await call(wang, 'GET', `/api/v1/review/case?report_id=${report.report_id}`);
    assert.deepEqual([decided.state, decided.critique, decided.periodical], ['adopted', critique, '組工信息'], report.reg_no);
  }
  const leaders = await call(wang, 'GET', `/api/v1/review/case?report_id=${c.report_id}`);
  assert.deepEqual([leaders.state, leaders.critique], ['declined', declined], 'the declined case');
  const claimed = await call(wang, 'GET', `/api/v1/review/case?report_id=${d.report_id}`);
  assert.deepEqual([claimed.state, claimed.holder], ['claimed', 'zhao'], 'the claimed case');

  stage('the bar in Traditional');
  await inScript(wang, 'zh-Hant');
  assert.equal(await wang.textContent('#batch-h'), hant['batch.title']);
  assert.equal(await wang.textContent('#batch-count'), said(hant, 'batch.count', { n: 1 }));
  for (const decision of ['adopt', 'return', 'decline', 'forward'])
    assert.equal(await wang.textContent('#batch-' + decision), hant['decision.' + decision]);
  assert.equal(await wang.getAttribute('#pick-all', 'aria-label'), hant['batch.all']);
  assert.equal(await wang.getAttribute(`#pick-${d.report_id}`, 'aria-label'), said(hant, 'batch.pick', { reg: d.reg_no }));
  assert.equal(await wang.textContent('#batch-summary p'), said(hant, 'batch.done.adopt', { n: 2 }));
  assert.deepEqual(await wang.$$eval('#batch-summary li', lis => lis.map(li => li.textContent)),
    [`${c.reg_no} ${titles[2]}：${hant['reason.closed']}`, `${d.reg_no} ${titles[3]}：${hant['reason.claimed']}`]);
  await wang.focus('#batch-return');
  await wang.keyboard.press('Enter');
  await wang.waitForSelector('#batch-form:not([hidden]) textarea[name=critique]');
  assert.equal(await wang.textContent('#batch-form h3'), said(hant, 'batch.heading.return', { n: 1 }));
  assert.equal(await wang.textContent('#batch-form .hint'), hant['batch.critique_hint']);
  assert.equal(await wang.textContent('#batch-form button[type=submit]'), hant['batch.send']);
  assert.equal(await wang.evaluate(() => document.activeElement?.name), 'critique');
  await screenshot(wang, 'batch-traditional');
  // A program's value never reaches the bar as text.
  assert.doesNotMatch(await wang.textContent('#batch'), /\[object \w+\]|\bundefined\b|\bnull\b|\bNaN\b/);
  await wang.keyboard.press('Escape');
  assert.ok(await wang.isHidden('#batch-form'), 'Escape leaves the form open');
  assert.equal(await wang.evaluate(() => document.activeElement?.id), 'batch-return', 'the focus is not back on the button');
  await inScript(wang, 'zh-Hans');
  assert.equal(await wang.textContent('#batch-h'), hans['batch.title']);

  assert.deepEqual(pageErrors, [], 'errors in the pages');
  stage('done');
} finally {
  await browser.close();
}
