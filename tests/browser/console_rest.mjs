// The points of each role's day the other programs do not walk (run.sh
// starts the system and registers the people; with BROWSER_CLOCK set it
// gives the system a clock file, CLOCK_FILE, which this program moves):
//   the topic (专题) an officer gives a report, shown on the officer's
//   page and on the editor's case;
//   the same report mailed from the officer's address and phoned in from
//   the officer's number (the hotline operator's `baosong phone`): one
//   report, its three provenances (网页; 网络信箱 with the address; 电话
//   with the number and the operator) on the case page;
//   the scores an editor gives, on the officer's page;
//   a synthesis (综合) of two units' reports: its case page lists the
//   cases it combines, it is claimed and adopted; the queue names its kind;
//   an admin resets a password (the old one refused, the new one let in)
//   and adds a person as an editor alone, who lands on the queue;
//   the leader's ranking: two counties of equal adoptions share rank 1,
//   and the chart of adoptions by unit draws each unit's figure;
//   a topic assigned to a case, said in its audit trail;
//   every page of each role by the keyboard alone: each control reached
//   by Tab, showing its focus;
//   an urgent report past its deadline (the clock moved three hours) on
//   the dashboard's list of escalated reports, with no reload.
//
// Environment: as console_day.mjs (support.mjs), CLOCK_FILE, and the CLI
// with the system's data folder (BAOSONG_CLI, BAOSONG_DATA: run.sh).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { URL_BASE, PASSWORD, pageErrors, browser, person, h1, stage, waitFor, call, lmtp, submitReport, screenshot } from './support.mjs';

const CLOCK_FILE = process.env.CLOCK_FILE;
assert.ok(CLOCK_FILE, 'CLOCK_FILE is needed (run.sh gives it with BROWSER_CLOCK=yes)');

const report = { title: '林州市推進基層黨建陣地建設', body: '林州市委組織部推進基層黨建陣地建設。全市共建成陣地十二處。' };
const topic = '基層黨建';
const email = 'li@linzhou.example.cn';
const phone = '0372-5511234';
const operator = '張接線員';

const synthesis = { title: '林州市、湯陰縣推進村級陣地建設', body: '兩縣本月新建村級陣地八處。' };

// In the page: the texts of main that are a dictionary's key (kind.x),
// not its sentence: a key with no entry.
function rawKeys() {
  const keys = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    if (/^[a-z_]+(\.[a-z_]+)+$/.test(node.textContent.trim())) keys.push(node.textContent.trim());
  return keys;
}

// Press Tab through the page at where (as page's person), from its top
// until every control was passed: each visible control (a link, button,
// field, or an element made focusable) is reached, and shows that it has
// the focus (an outline). Of a group of radio buttons one is reached (the
// arrows choose among them).
async function byKeyboard(page, where) {
  await page.goto(URL_BASE + where);
  await waitFor(page, path => document.querySelector('main')?.dataset.drawn === path, where);
  const controls = await page.evaluate(() => {
    const all = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')]
      .filter(el => !el.disabled && el.tabIndex >= 0 && (el.checkVisibility() || el.classList.contains('visually-hidden')));
    all.forEach((el, i) => { el.dataset.tabbed = i; });
    document.activeElement?.blur();
    return all.map(el => [`${el.tagName.toLowerCase()}${el.name ? `[name=${el.name}]` : ''}${el.id ? '#' + el.id : ''} `
      + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 20), el.type === 'radio' ? el.name : '']);
  });
  const reached = new Set(), unmarked = [];
  for (let press = 0; press < controls.length + 20; press++) {
    await page.keyboard.press('Tab');
    const [at, outline] = await page.evaluate(() => [document.activeElement?.dataset.tabbed, getComputedStyle(document.activeElement).outlineStyle]);
    if (at === undefined || reached.has(Number(at))) continue;
    reached.add(Number(at));
    if (outline === 'none') unmarked.push(controls[at][0]);
  }
  const groups = new Set([...reached].map(at => controls[at][1]).filter(Boolean));
  assert.deepEqual(controls.filter(([, group], at) => !reached.has(at) && !groups.has(group)).map(([name]) => name), [],
    `${where}: controls Tab does not reach`);
  assert.deepEqual(unmarked, [], `${where}: controls that show no focus`);
  return controls.length;
}

// An adoption (with a critique) by the editor, through the API.
async function adopt(editor, reportId, periodical) {
  await call(editor, 'POST', '/api/v1/review/claim', { report_id: reportId });
  await call(editor, 'POST', '/api/v1/review/decide', { report_id: reportId, decision: 'adopt', critique: '採用。', periodical });
}

try {
  // ---- the officer's topic, two provenances, the scores -------------------
  stage('a report with its topic, by web, by mail and by phone');
  const admin = await person('admin');
  await call(admin, 'POST', '/api/v1/officers', { login: 'li', name: '李信息員', unit: '林州市', roles: 'officer', emails: email, phones: phone });
  const li = await person('li');
  await li.goto(URL_BASE + '/officer');
  await li.waitForSelector('main[data-drawn="/officer"]');
  await li.fill('input[name=topic]', topic);
  const reg = await submitReport(li, report, { stay: true });
  await li.click('#receipt-reg-no');
  await li.waitForSelector('#report-state');
  assert.equal(await li.textContent('main .report .meta .topic'), `专题：${topic}`, 'the officer\'s page does not say the topic');
  // The same report by li's mail: one report, kept with both provenances.
  const subject = '=?UTF-8?B?' + Buffer.from(report.title).toString('base64') + '?=';
  const mailed = await lmtp(process.env.BAOSONG_MAIL_LMTP, `From: ${email}\nTo: reports@example.org\nSubject: ${subject}\n` +
    `Message-ID: <rest-1@linzhou.example.cn>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n` +
    `Content-Transfer-Encoding: 8bit\n\n${report.body}`);
  assert.match(mailed, new RegExp(`duplicate: already registered as ${reg}`));
  // And phoned in from li's number: the operator keys it in (the CLI, as
  // the hotline does); the caller's number names li, and so the report.
  const phoned = execFileSync(process.env.BAOSONG_CLI, ['--data', process.env.BAOSONG_DATA, 'phone', '--caller', '+86 372 551 1234',
    '--operator', operator, '--title', report.title, '--body', report.body], { encoding: 'utf8' });
  assert.match(phoned, new RegExp(`duplicate.*${reg}`), 'the phoned-in report is not known as the same one');
  const wang = await person('wang');
  const id = (await call(wang, 'GET', '/api/v1/reports/' + reg)).report.report_id;
  await wang.goto(URL_BASE + '/review/case/' + id);
  await wang.waitForSelector('#claim');
  assert.equal(await wang.textContent('main .report .meta .topic'), `专题：${topic}`, 'the case page does not say the topic');
  const provenances = await wang.$$eval('section[aria-labelledby=prov-h] tbody tr',
    rows => rows.map(row => [...row.cells].slice(0, 2).map(c => c.textContent)));
  assert.deepEqual(provenances, [['网页', '李信息員'], ['网络信箱', email], ['电话', '+86 372 551 1234']],
    'the case\'s provenances');
  assert.equal(await wang.$eval('section[aria-labelledby=prov-h] tbody tr:nth-child(3)', row => row.cells[2].textContent), operator,
    'the phoned-in provenance does not name its operator');

  // The editor scores and adopts: the officer's page says the scores.
  await wang.click('#claim');
  await wang.waitForSelector('#decide-form');
  await wang.fill('#decide-form textarea[name=critique]', '陣地建設做法具體，採用。');
  await wang.fill('#decide-form input[name=score_timeliness]', '9');
  await wang.fill('#decide-form input[name=score_accuracy]', '7');
  await wang.click('#decide-form button[type=submit]');
  await waitFor(wang, () => document.querySelector('#case-state')?.textContent.includes('已采用'));
  await waitFor(li, () => document.querySelector('.critique .scores'), undefined, { timeout: 10000 })
    .catch(() => assert.fail('the officer\'s page shows no scores'));
  assert.deepEqual(await li.$$eval('.critique .scores li', items => items.map(i => i.textContent)), ['时效性 9', '准确性 7']);
  await screenshot(li, 'rest-officer-scores-1366');

  // 湯陰縣 has one adoption too (for the ranking below).
  const zhang = await person('zhang');
  const periodical = (await call(wang, 'GET', '/api/v1/settings')).periodicals[0];
  const tangyin = await call(zhang, 'POST', '/api/v1/reports', { title: '湯陰縣幹部培訓情況', body: '湯陰縣本月培訓村級幹部二百人次。' });
  await adopt(wang, tangyin.report_id, periodical);

  // ---- a synthesis of two units' reports -----------------------------------
  // Made from the queue's cases, it is a case of its own: its page (no
  // report of intake's behind it) lists the cases it combines, and it is
  // claimed and adopted as any case; the queue names its kind.
  stage('a synthesis');
  const combined = [await call(li, 'POST', '/api/v1/reports', { title: '林州市村級陣地建設', body: '林州市新建村級陣地五處。' }),
    await call(zhang, 'POST', '/api/v1/reports', { title: '湯陰縣村級陣地建設', body: '湯陰縣新建村級陣地三處。' })];
  await wang.goto(URL_BASE + '/review/synthesis');
  await wang.waitForSelector('#synthesis-form');
  for (const source of combined) await wang.check(`#synthesis-form input[name=report_ids][value="${source.report_id}"]`);
  await wang.fill('#synthesis-form input[name=title]', synthesis.title);
  await wang.fill('#synthesis-form textarea[name=body]', synthesis.body);
  await wang.click('#synthesis-form button[type=submit]');
  await wang.waitForURL(/\/review\/case\/\d+$/);
  const synthesisPath = new URL(wang.url()).pathname;
  await waitFor(wang, path => document.querySelector('main')?.dataset.drawn === path, synthesisPath);
  assert.equal(await h1(wang), '审核信息', `${synthesisPath}: not the case page`);
  assert.equal(await wang.textContent('main .report-title'), synthesis.title);
  assert.match(await wang.textContent('main .report .meta'), /^\d{4}-Z\d{4} · 綜合 · 综合信息 · /);
  assert.equal(await wang.textContent('main .report .body'), synthesis.body);
  assert.deepEqual(await wang.$$eval('section[aria-labelledby=sources-h] tbody tr', rows => rows.map(row =>
    [row.cells[0].textContent, row.cells[0].querySelector('a')?.getAttribute('href'), row.cells[1].textContent])),
  combined.map((source, i) => [source.reg_no, '/review/case/' + source.report_id, ['林州市', '湯陰縣'][i]]), 'the synthesis\'s sources');
  assert.deepEqual(await wang.evaluate(rawKeys), [], `${synthesisPath}: a dictionary key shown`);
  await screenshot(wang, 'rest-synthesis-1366');
  await wang.goto(URL_BASE + '/review');
  await wang.waitForSelector('#queue table');
  const queued = await wang.textContent(`#queue tbody tr:has-text("${synthesis.title}")`);
  assert.ok(queued.includes('综合信息'), `the synthesis in the queue: ${queued}`);
  assert.deepEqual(await wang.evaluate(rawKeys), [], '/review: a dictionary key shown');
  await wang.goto(URL_BASE + synthesisPath);
  await wang.waitForSelector('#claim');
  await wang.click('#claim');
  await wang.waitForSelector('#decide-form');
  await wang.fill('#decide-form textarea[name=critique]', '兩縣做法可互相借鑒，綜合採用。');
  await wang.click('#decide-form button[type=submit]');
  await waitFor(wang, () => document.querySelector('#case-state')?.textContent.includes('已采用'));

  // ---- the admin resets a password, adds an editor -----------------------
  stage('a password reset, an editor added');
  await admin.goto(URL_BASE + '/admin/officers');
  await admin.waitForSelector('#officers');
  await admin.click('#officers button[aria-label="修改 zhang"]');
  await admin.waitForSelector('#reset-form');
  const renewed = 'a password zhang chose';
  await admin.fill('#reset-form input[name=password]', renewed);
  await admin.click('#reset-form button[type=submit]');
  await waitFor(admin, () => document.querySelector('#toast')?.textContent.includes('已保存'));
  const door = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })).newPage();
  door.on('pageerror', error => pageErrors.push(`login page: ${error.message}`));
  for (const [password, refused] of [[PASSWORD, true], [renewed, false]]) {
    await door.goto(URL_BASE + '/login');
    await door.waitForSelector('form button[type=submit]:not([disabled])');
    await door.fill('input[name=login]', 'zhang');
    await door.fill('input[name=password]', password);
    await door.click('button[type=submit]');
    if (refused) {
      await door.waitForSelector('.form-error:not([hidden])');
      assert.equal(await door.textContent('.form-error'), '登录名或密码不正确。', 'the old password after the reset');
    } else {
      await door.waitForURL(u => u.pathname === '/officer');
      await waitFor(door, () => document.querySelector('main')?.dataset.drawn === '/officer');
    }
  }
  await door.context().close();
  await admin.fill('#officer-form input[name=login]', 'qian');
  await admin.fill('#officer-form input[name=name]', '錢編輯');
  await admin.uncheck('#officer-form input[name=roles][value=officer]');
  await admin.check('#officer-form input[name=roles][value=editor]');
  await admin.fill('#officer-form input[name=password]', PASSWORD);
  await admin.click('#officer-form button[type=submit]');
  await waitFor(admin, () => document.querySelector('#officers')?.textContent.includes('錢編輯'));
  assert.equal((await admin.$$eval('#officers tr:has(> td:first-child:text-is("qian")) > td', tds => tds.map(td => td.textContent)))[3], '编辑');
  const qian = await person('qian');
  assert.equal(new URL(qian.url()).pathname, '/review');
  assert.equal(await h1(qian), '待审队列');
  assert.ok(!(await qian.$$eval('#top nav a', links => links.map(a => a.getAttribute('href')))).includes('/officer'),
    'an editor alone is offered the send page');

  // ---- the leader's ranking and chart ----------------------------------------
  stage('shared ranks and the chart by unit');
  const leader = await person('zhao');
  const county = () => leader.$$eval('#ranking .tier[data-tier=county] tbody tr',
    rows => rows.map(row => [...row.cells].slice(0, 3).map(c => c.textContent)).sort((a, b) => a[1].localeCompare(b[1])));
  await waitFor(leader, () => document.querySelectorAll('#ranking .tier[data-tier=county] tbody tr').length === 2);
  const counties = await county();
  assert.equal(counties.length, 2);
  assert.ok(counties.every(([rank, , adopted]) => rank === '1' && adopted === counties[0][2] && adopted !== '0'),
    `two counties of equal adoptions do not share rank 1: ${JSON.stringify(counties)}`);
  const bars = await leader.$$eval('#chart-units text.label', labels => labels.map(l => [l.textContent, l.nextElementSibling.nextElementSibling.textContent]));
  assert.deepEqual(bars.sort(), [['安陽市', '0'], ...counties.map(([, unit, adopted]) => [unit, adopted])].sort(), 'the chart of adoptions by unit');

  // ---- a topic assigned to a case ---------------------------------------------
  stage('a topic assigned');
  const theme = '村級陣地建設';
  const made = await call(wang, 'POST', '/api/v1/review/topic_create', { name: theme });
  const themed = await call(li, 'POST', '/api/v1/reports', { title: '林州市村級陣地管理辦法', body: '林州市制定村級陣地管理辦法。' });
  await wang.goto(URL_BASE + '/review/case/' + themed.report_id);
  await wang.waitForSelector('#topic-form');
  await wang.selectOption('#topic-form select[name=topic_id]', String(made.topic_id));
  await wang.click('#topic-form button[type=submit]');
  await waitFor(wang, note => [...document.querySelectorAll('section[aria-labelledby=audit-h] tbody tr')]
    .some(row => row.cells[5]?.textContent === note), `归入专题「${theme}」`, { timeout: 10000 })
    .catch(async () => assert.fail(`the audit trail does not say the topic: ${await wang.textContent('section[aria-labelledby=audit-h]')}`));
  assert.equal(await wang.$eval('#topic-form select[name=topic_id]', select => select.selectedOptions[0].textContent), theme);

  // ---- every page by the keyboard ---------------------------------------------
  // Each role's pages, a claimed case and a draft issue among them.
  stage('every page by the keyboard');
  await call(wang, 'POST', '/api/v1/review/claim', { report_id: themed.report_id });
  const liu = await person('liu');
  const draft = await call(liu, 'POST', '/api/v1/publication/issue_create', { periodical, report_ids: [tangyin.report_id] });
  let walked = 0, controls = 0;
  for (const [page, paths] of [
    [li, ['/officer', '/officer/reports', '/officer/reports/' + reg, '/officer/commissions', '/officer/notices']],
    [wang, ['/review', '/review/case/' + themed.report_id, synthesisPath, '/review/topics', '/review/synthesis', '/review/held',
      '/review/commissions', '/review/notices', '/leader/bulletins']],
    [liu, ['/publish', '/publish/issues/' + draft.issue_id]],
    [leader, ['/leader', '/leader/scores', '/leader/bulletins']],
    [admin, ['/admin', '/admin/officers', '/admin/tokens', '/admin/periodicals', '/admin/rules', '/admin/status']]]) {
    for (const where of paths) { controls += await byKeyboard(page, where); walked++; }
  }
  console.log(`keyboard: ${walked} pages, ${controls} controls, each reached by Tab and showing its focus`);
  await leader.goto(URL_BASE + '/leader');
  await leader.waitForSelector('section[aria-labelledby=esc-h]');

  // ---- an urgent report past its deadline ----------------------------------
  // (Last: the system's clock is three hours on from here.)
  stage('an urgent report escalated');
  const urgent = await call(li, 'POST', '/api/v1/reports', { title: '林州市汛情緊急報告', body: '林州市境內河道水位超過警戒線。', kind: 'urgent', urgent: true });
  const escalated = 'section[aria-labelledby=esc-h]';
  assert.match(await leader.textContent(escalated), /没有超时的紧急信息/);
  const hours = (await call(leader, 'GET', '/api/v1/settings')).urgent_hours;
  writeFileSync(CLOCK_FILE, String((hours * 60 + 1) * 60 * 1000));
  const moved = Date.now();
  await waitFor(leader, reg => document.querySelector('section[aria-labelledby=esc-h]')?.textContent.includes(reg), urgent.reg_no, { timeout: 15000 })
    .catch(async () => assert.fail(`the dashboard does not list the escalated report: ${await leader.textContent(escalated)}`));
  console.log(`dashboard listed the escalated report ${Date.now() - moved} ms after its deadline passed`);
  const row = await leader.textContent(`${escalated} tbody tr:has-text("${urgent.reg_no}")`);
  assert.ok(row.includes('林州市汛情緊急報告') && row.includes('林州市') && row.includes('待审核'), row);
  await screenshot(leader, 'rest-leader-1366');

  assert.deepEqual(pageErrors, [], 'script errors in the pages');
  stage('done');
} finally {
  await browser.close();
}
