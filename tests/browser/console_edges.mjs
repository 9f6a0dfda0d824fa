// The web console at its edges, as a careful person meets them in their
// first hour (run.sh starts the system and registers the people; this
// drives their browsers):
//   a report with a 200-character title and a long body (a long link in
//   it) on a phone (390x844): nothing wider than the screen, the title
//   wraps, the send button in reach; the same report in the editor's
//   queue and case page at 1366x768;
//   the keyboard alone: the editor's case page in Tab order (claim, edit,
//   critique, decide), the focus kept on the control pressed (or drawn in
//   its place) when the action draws the page anew; the publisher adds
//   to the next issue, orders it and its draft by keyboard;
//   a report sent once whatever happens: a double click, a reply lost on
//   a slow network and send pressed again (the console sends an
//   Idempotency-Key, the same until a receipt comes), a returned report
//   sent again (its form goes with its receipt); a claim, a topic's
//   close, a notice's mark read, a draft's move (button or Alt+↑) and
//   removal pressed twice on a slow network are each one request;
//   logged out in one tab, acting in another: the login page, then back
//   where the person was with what they typed;
//   a missing report, case or issue number while logged in: the
//   console's own 404 page, answered 404 by the gateway; another role's
//   page: the 403 page, answered 403;
//   refusals as a person reads them: a rules file refused for each of
//   the reasons the statistics service gives, the line named and
//   selected, what is wrong said in Simplified, then (the switch pressed)
//   in Traditional; a disabled unit marked in the unit tree; the admin's
//   forms refused (a token's name taken, a token for a disabled unit, a
//   token revoked that no one created, a login with a space, an officer with no unit, an email of another, an
//   email and a phone number that are none, a city under a county), an
//   editor's claim of a report claimed a moment before, a topic's name
//   taken or left empty, a topic closed by another meanwhile, a revert with no reason (said by the console,
//   not the browser), a synthesis of a report another editor holds, the
//   publisher's compose with nothing chosen and with a report another
//   put in a draft meanwhile (no empty draft left behind), a wrong
//   password, a login after too many, a report with more files than
//   a report holds and one over the body's limit, each said for what it
//   is in both scripts, the control (or item) at fault marked;
//   every officer page in Traditional on the phone: no Simplified
//   interface string left, nothing wider than the screen.
//
// Environment: as console_day.mjs (support.mjs).
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { URL_BASE, PASSWORD, pageErrors, browser, person, h1, stage, waitFor, screenshot, call, inScript } from './support.mjs';
import { assertFits, tabTo, formRefusal } from './checks.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { default: hans } = await import(path.join(here, '../../web/js/i18n/zh-Hans.js'));
const { default: hant } = await import(path.join(here, '../../web/js/i18n/zh-Hant.js'));

// The characters only Simplified writes: where a string of the two
// dictionaries differs position by position, the Simplified one, unless
// Traditional writes it somewhere too (核 of 审核, 審核).
const simplifiedOnly = (() => {
  const simplified = new Set();
  for (const key of Object.keys(hans)) {
    const [a, b] = [[...hans[key]], [...(hant[key] || '')]];
    if (a.length === b.length) a.forEach((c, i) => { if (c !== b[i] && /\p{Script=Han}/u.test(c)) simplified.add(c); });
  }
  const written = new Set(Object.values(hant).flatMap(text => [...text]));
  return new Set([...simplified].filter(c => !written.has(c)));
})();

// A 200-character title (the form's limit) and a long body ending in a
// link longer than a 1366 screen is wide, which no space breaks. The
// people's data is in Traditional, so that no Simplified character on a
// Traditional page is theirs.
const link = 'https://www.linzhou.gov.cn/zzb/xxgk/2026/12/05/' + 'a'.repeat(160) + '.html';
const longTitle = ('林州市深化幹部作風建設年活動推動基層黨建工作提質增效的做法與成效' +
  '（林組文〔2026〕158號）').repeat(6).slice(0, 200);
const longBody = Array.from({ length: 30 }, (_, i) => `第${i + 1}段：林州市委組織部圍繞幹部作風建設，` +
  '深入基層開展調研，收集意見建議，形成問題清單，逐項整改落實。').join('\n') + '\n詳見：' + link;
assert.equal([...longTitle].length, 200);

// In the page: each element of main past the screen's right edge, or
// whose content is wider than it and spills out (a table's box that
// scrolls sideways on its own holds what is in it).
function overflowing() {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main *')].filter(el => {
    if (!el.checkVisibility() || el.parentElement.closest('.table-wrap')) return false;
    return el.getBoundingClientRect().right > width + 0.5
      || (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible');
  }).map(el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + el.className : ''}`);
}
async function fits(page, where) {
  await assertFits(page, where);
  assert.deepEqual(await page.evaluate(overflowing), [], `${where}: wider than the screen`);
}

// In the page: its interface text as a person meets it (what is shown,
// the labels read out, the tab's title).
function shown() {
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    if (!node.parentElement.closest('script, style, noscript') && node.parentElement.checkVisibility()) parts.push(node.textContent);
  document.querySelectorAll('[aria-label], [placeholder], [title]').forEach(el =>
    parts.push(...['aria-label', 'placeholder', 'title'].map(name => el.getAttribute(name) || '')));
  return parts.join('\n');
}

// The focus comes to the element at selector (once the page is drawn
// anew: within a few seconds), or what failed.
async function focusComesTo(page, selector, what) {
  await waitFor(page, sel => document.activeElement?.matches(sel), selector, { timeout: 5000 }).catch(() => assert.fail(what));
}

// The page in the script of dictionary (hans or hant).
const inScriptOf = (page, dictionary) => inScript(page, dictionary === hant ? 'zh-Hant' : 'zh-Hans');

async function logIn(page, login) {
  await page.waitForURL(/\/login/);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
}

try {
  // ---- a long report on the phone, double-clicked --------------------------
  stage('a long report on the phone');
  const phone = await person('li', { width: 390, height: 844 });
  await phone.goto(URL_BASE + '/officer');
  await phone.waitForSelector('main[data-drawn="/officer"]');
  await phone.fill('input[name=title]', longTitle);
  await phone.fill('textarea[name=body]', longBody);
  assert.equal(await phone.inputValue('input[name=title]'), longTitle);
  await fits(phone, '/officer with a long report');
  const send = await phone.$('main button[type=submit]');
  await send.scrollIntoViewIfNeeded();
  const sendBox = await send.boundingBox();
  assert.ok(sendBox.x >= 0 && sendBox.x + sendBox.width <= 390 && sendBox.y >= 0 && sendBox.y + sendBox.height <= 844,
    `the send button is out of reach: ${JSON.stringify(sendBox)}`);
  await screenshot(phone, 'edges-long-send-390');
  const sent = [];
  phone.on('request', r => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/reports') sent.push(r.headers()['idempotency-key'] || '');
  });
  await phone.dblclick('main button[type=submit]');
  await phone.waitForSelector('#receipt-reg-no');
  await phone.waitForTimeout(300);
  assert.equal(sent.length, 1, 'a double click on send sent the report twice');
  assert.match(sent[0], /^web-[0-9a-f]{32}$/, 'the report was sent with no Idempotency-Key');
  const reg = (await phone.textContent('#receipt-reg-no')).trim();
  assert.equal(await phone.inputValue('input[name=title]'), '', 'the form keeps the report sent');
  await phone.click('#receipt-reg-no');
  await phone.waitForSelector('#report-state');
  await fits(phone, `/officer/reports/${reg} on a phone`);
  const titleBox = await (await phone.$('.report-title')).boundingBox();
  assert.ok(titleBox.width <= 390 && titleBox.height > 100, `the title does not wrap: ${JSON.stringify(titleBox)}`);
  await screenshot(phone, 'edges-long-report-390');
  // Back to the form: empty, nothing sent again.
  await phone.goBack();
  await phone.waitForSelector('main[data-drawn="/officer"]');
  assert.equal(await phone.inputValue('input[name=title]'), '');
  assert.equal(sent.length, 1);
  await phone.goto(URL_BASE + '/officer/reports');
  await phone.waitForSelector('table');
  await fits(phone, '/officer/reports on a phone');

  // ---- the same report to the editor at 1366x768 ---------------------------
  stage('the long report to the editor');
  const wang = await person('wang');
  await wang.goto(URL_BASE + '/review');
  await wang.waitForSelector('#queue table');
  await fits(wang, '/review');
  assert.ok(await wang.evaluate(() => { const box = document.querySelector('#queue .table-wrap'); return box.scrollWidth <= box.clientWidth; }),
    'the queue scrolls sideways at 1366');
  await screenshot(wang, 'edges-queue-1366');
  const id = (await call(wang, 'GET', '/api/v1/reports/' + reg)).report.report_id;
  await wang.goto(URL_BASE + '/review/case/' + id);
  await wang.waitForSelector('#claim');
  await fits(wang, '/review/case/' + id);
  await screenshot(wang, 'edges-case-1366');

  // ---- the case by keyboard alone ------------------------------------------
  // Each action draws the case anew: the focus stays on the control
  // pressed (or the one drawn in its place), not thrown to the page's top.
  stage('the case by keyboard');
  await tabTo(wang, '#claim');
  await wang.keyboard.press('Enter');
  await wang.waitForSelector('#edit-form');
  await focusComesTo(wang, '#claim', 'the focus left the claim button (now renew) as it was pressed');
  await tabTo(wang, '#edit-form input[name=title]');
  await wang.keyboard.press('End');
  await wang.keyboard.type('（修改稿）');
  await tabTo(wang, '#edit-form button[type=submit]');
  await wang.keyboard.press('Enter');
  await wang.waitForSelector('#diff-h');
  await focusComesTo(wang, '#edit-form button[type=submit]', 'the focus left the save button as it was pressed');
  await tabTo(wang, '#decide-form textarea[name=critique]', 60);
  await wang.keyboard.type('作風建設做法具體，採用。');
  await tabTo(wang, '#decide-form input[type=number]');
  await wang.keyboard.type('8');
  await tabTo(wang, '#decide-form button[type=submit]');
  await wang.keyboard.press('Enter');
  await waitFor(wang, () => !document.getElementById('decide-form'));
  assert.equal(await wang.textContent('#case-state'), '已采用');
  await focusComesTo(wang, 'main, main *', 'the focus left the page once decided');

  // ---- the publisher composes by keyboard alone ------------------------------
  stage('the publisher composes by keyboard');
  const settings = await call(wang, 'GET', '/api/v1/settings');
  const more = await call(phone, 'POST', '/api/v1/reports', { title: '林州市第二篇待編發信息', body: '這篇用來在組稿時排序。' });
  await call(wang, 'POST', '/api/v1/review/claim', { report_id: more.report_id });
  await call(wang, 'POST', '/api/v1/review/decide', { report_id: more.report_id, decision: 'adopt', critique: '採用。',
    periodical: settings.periodicals[0] });
  const liu = await person('liu');
  await liu.goto(URL_BASE + '/publish');
  await liu.waitForSelector('#pending table');
  const titles = await liu.$$eval('#pending tbody tr', rows => rows.map(row => row.children[1].textContent));
  assert.equal(titles.length, 2);
  // Added, the next one's button has the focus; the last added, the list.
  await tabTo(liu, '#pending button');
  await liu.keyboard.press('Enter');
  await liu.waitForSelector('#compose li');
  await focusComesTo(liu, '#pending button', 'the focus left the pending list once one was added');
  await liu.keyboard.press('Enter');
  await waitFor(liu, () => document.querySelectorAll('#compose li').length === 2);
  await focusComesTo(liu, '#compose li:last-child', 'the focus is not on the item added last');
  const order = (page, list) => page.$$eval(`#${list} li .item-title`, items => items.map(i => i.textContent));
  assert.deepEqual(await order(liu, 'compose'), titles);
  await liu.keyboard.press('Alt+ArrowUp');
  await waitFor(liu, first => document.querySelector('#compose li .item-title').textContent === first, titles[1]);
  await focusComesTo(liu, '#compose li:first-child', 'the moved item lost the focus');
  await tabTo(liu, '#compose-form button[type=submit]');
  await liu.keyboard.press('Enter');
  await liu.waitForURL(/\/publish\/issues\/\d+/);
  await liu.waitForSelector('#issue-items li');
  assert.deepEqual(await order(liu, 'issue-items'), [titles[1], titles[0]]);
  await tabTo(liu, '#issue-items li:nth-child(2)');
  await liu.keyboard.press('Alt+ArrowUp');
  await waitFor(liu, first => document.querySelector('#issue-items li .item-title').textContent === first, titles[0]);
  await tabTo(liu, '#issue-items li:nth-child(2) button[aria-label^="上移"]');
  await liu.keyboard.press('Enter');
  await waitFor(liu, first => document.querySelector('#issue-items li .item-title').textContent === first, titles[1]);
  await liu.reload();
  await liu.waitForSelector('#issue-items li');
  assert.deepEqual(await order(liu, 'issue-items'), [titles[1], titles[0]], 'the draft\'s order moved by keyboard is not kept');
  const issue = Number(new URL(liu.url()).pathname.split('/').pop());

  // ---- a draft's moves and removal pressed twice on a slow network ----------
  // Each press acts on the item where it was; a second press while the
  // first is on its way would move (or take out) the other item.
  stage('a draft changed twice on a slow network');
  {
    const sentTo = { issue_move: 0, issue_remove: 0 };
    for (const command of Object.keys(sentTo))
      await liu.route('**/api/v1/publication/' + command, async route => {
        sentTo[command]++;
        await new Promise(resolve => setTimeout(resolve, 1000));
        await route.continue();
      });
    const firstIs = title => waitFor(liu, first => document.querySelector('#issue-items li .item-title').textContent === first, title);
    await liu.dblclick('#issue-items li:nth-child(2) button[aria-label^="上移"]');
    await firstIs(titles[0]);
    await liu.waitForTimeout(1500);
    assert.equal(sentTo.issue_move, 1, 'a move pressed twice on a slow network was sent twice');
    await liu.focus('#issue-items li:nth-child(2)');
    await liu.keyboard.press('Alt+ArrowUp');
    await liu.keyboard.press('Alt+ArrowUp');
    await firstIs(titles[1]);
    await liu.waitForTimeout(1500);
    assert.equal(sentTo.issue_move, 2, 'Alt+↑ pressed twice on a slow network was sent twice');
    await liu.dblclick('#issue-items li:nth-child(2) button[aria-label^="移出"]');
    await waitFor(liu, () => document.querySelectorAll('#issue-items li').length === 1);
    await liu.waitForTimeout(1500);
    assert.equal(sentTo.issue_remove, 1, 'a removal pressed twice on a slow network was sent twice');
    for (const command of Object.keys(sentTo)) await liu.unroute('**/api/v1/publication/' + command);
    await liu.reload();
    await liu.waitForSelector('#issue-items li');
    assert.deepEqual(await order(liu, 'issue-items'), [titles[1]], 'the draft is not as it was changed once each');
  }

  // ---- a claim pressed twice on a slow network ------------------------------
  stage('a claim pressed twice on a slow network');
  {
    const other = await call(phone, 'POST', '/api/v1/reports', { title: '林州市慢網絡認領測試', body: '認領按鈕在慢網絡上被按兩次。' });
    let claims = 0;
    await wang.route('**/api/v1/review/claim', async route => {
      claims++;
      await new Promise(resolve => setTimeout(resolve, 1500));
      await route.continue();
    });
    await wang.goto(URL_BASE + '/review/case/' + other.report_id);
    await wang.waitForSelector('#claim');
    await wang.click('#claim');
    await wang.click('#claim', { timeout: 500 }).catch(() => { /* disabled while the first is on its way */ });
    await wang.waitForSelector('#edit-form');
    assert.equal(claims, 1, 'a claim pressed twice on a slow network was sent twice');
    await wang.unroute('**/api/v1/review/claim');
  }

  // ---- a topic closed and a notice marked read, pressed twice -----------------
  stage('close and mark read pressed twice on a slow network');
  {
    const slow = async (page, where, counter) => page.route(where, async route => {
      counter.n++;
      await new Promise(resolve => setTimeout(resolve, 1000));
      await route.continue();
    });
    const closes = { n: 0 }, reads = { n: 0 };
    const topic = '林州市雙擊關閉的專題';
    await call(wang, 'POST', '/api/v1/review/topic_create', { name: topic });
    await slow(wang, '**/api/v1/review/topic_close', closes);
    await wang.goto(URL_BASE + '/review/topics');
    await wang.dblclick(`tr:has-text("${topic}") button`);
    await waitFor(wang, name => [...document.querySelectorAll('tr')].some(row => row.textContent.includes(name) && !row.querySelector('button')), topic);
    await wang.waitForTimeout(1500);
    assert.equal(closes.n, 1, 'a topic\'s close pressed twice on a slow network was sent twice');
    await wang.unroute('**/api/v1/review/topic_close');
    const notice = await call(wang, 'POST', '/api/v1/review/notice_send', { kind: 'guidance', title: '雙擊已讀的通知',
      body: '已讀按鈕被按兩次。', units: [{ unit: '林州市' }] });
    await slow(phone, '**/api/v1/notices/read', reads);
    await phone.goto(URL_BASE + '/officer/notices');
    await phone.dblclick(`.notice[data-notice="${notice.notice_id}"] .mark-read`);
    await phone.waitForSelector(`.notice[data-notice="${notice.notice_id}"] .notice-read`);
    await phone.waitForTimeout(1500);
    assert.equal(reads.n, 1, 'a notice\'s mark read pressed twice on a slow network was sent twice');
    await phone.unroute('**/api/v1/notices/read');
  }

  // ---- a reply lost, send pressed again ---------------------------------------
  // The report reaches the gateway, its answer is lost; the person sends it
  // again: the same key, the first receipt, one report. (A body under ten
  // characters is no duplicate by its text: only the key makes it one.)
  stage('a reply lost, send pressed again');
  const office = await person('li');
  await office.goto(URL_BASE + '/officer');
  await office.waitForSelector('main[data-drawn="/officer"]');
  const before = (await call(office, 'GET', '/api/v1/my/reports?limit=1000')).cases.length;
  const keys = [];
  let lose = true;
  await office.route('**/api/v1/reports', async route => {
    keys.push(route.request().headers()['idempotency-key'] || '');
    if (!lose) return route.continue();
    lose = false;
    await route.fetch();
    await route.abort('connectionreset');
  });
  await office.fill('input[name=title]', '林州市雨後道路搶修情況');
  await office.fill('textarea[name=body]', '道路已搶通。');
  await office.click('main button[type=submit]');
  await office.waitForSelector('.form-error:not([hidden])');
  assert.match(await office.textContent('.form-error'), /服务暂时不可用/);
  await office.click('main button[type=submit]');
  await office.waitForSelector('#receipt-reg-no');
  assert.match(await office.textContent('.receipt'), /^已登记/);
  assert.equal((await call(office, 'GET', '/api/v1/my/reports?limit=1000')).cases.length, before + 1,
    'a report sent again after its answer was lost was registered twice');
  assert.equal(keys.length, 2);
  assert.ok(keys[0] && keys[0] === keys[1], `the retry's Idempotency-Key is not the first's: ${keys}`);
  await office.unroute('**/api/v1/reports');
  // The next report is another: a new key.
  sent.length = 0;
  await phone.goto(URL_BASE + '/officer');
  await phone.waitForSelector('main[data-drawn="/officer"]');
  await phone.fill('input[name=title]', '林州市雨後道路搶修情況續報');
  await phone.fill('textarea[name=body]', '沿線村莊已通電。');
  await phone.click('main button[type=submit]');
  await phone.waitForSelector('#receipt-reg-no');
  assert.equal(sent.length, 1);
  assert.ok(sent[0] && !keys.includes(sent[0]), 'the next report reused a key');

  // ---- a returned report sent again ------------------------------------------
  // Its form goes with its receipt: pressed again, it would be a third version.
  stage('a returned report sent again');
  const returned = await call(office, 'POST', '/api/v1/reports', { title: '林州市退回修改測試', body: '這篇將被退回修改後再報。' });
  await call(wang, 'POST', '/api/v1/review/claim', { report_id: returned.report_id });
  await call(wang, 'POST', '/api/v1/review/decide', { report_id: returned.report_id, decision: 'return', critique: '請補充數據。' });
  await office.goto(URL_BASE + '/officer/reports/' + returned.reg_no);
  await office.waitForSelector('.resend form');
  await office.fill('.resend textarea[name=body]', '這篇將被退回修改後再報，已補充數據。');
  await office.click('.resend button[type=submit]');
  await office.waitForSelector('.resend #receipt-reg-no');
  assert.equal(await office.$('.resend form'), null, 'the resend form stays after its receipt');
  await office.waitForTimeout(3500); // the page reads the new state
  assert.equal((await call(office, 'GET', '/api/v1/reports/' + returned.reg_no)).report.version, 2);
  assert.match(await office.textContent('.resend .receipt'), /已作为新版本登记/, 'the resend\'s receipt went');

  // ---- logged out in one tab, acting in another ---------------------------------
  // (Logging out ends every session of the person: li's phone's too.)
  stage('logged out in one tab, acting in another');
  const third = await call(office, 'POST', '/api/v1/reports', { title: '林州市編輯兩個標籤頁測試', body: '編輯在一個標籤頁退出，在另一個認領。' });
  const tab = await office.context().newPage();
  await tab.goto(URL_BASE + '/officer');
  await tab.waitForSelector('main[data-drawn="/officer"]');
  await tab.fill('input[name=title]', '林州市另一個標籤頁裡的信息');
  await tab.fill('textarea[name=body]', '另一個標籤頁已退出登錄。');
  await office.click('#logout');
  await office.waitForURL(/\/login/);
  await tab.click('main button[type=submit]');
  await tab.waitForURL(/\/login\?next=%2Fofficer/);
  await logIn(tab, 'li');
  await waitFor(tab, () => document.querySelector('main')?.dataset.drawn === '/officer');
  assert.equal(await tab.inputValue('input[name=title]'), '林州市另一個標籤頁裡的信息', 'the title typed in the other tab is lost');
  assert.equal(await tab.inputValue('textarea[name=body]'), '另一個標籤頁已退出登錄。');
  await tab.close();
  const editorTab = await wang.context().newPage();
  await editorTab.goto(URL_BASE + '/review/case/' + third.report_id);
  await editorTab.waitForSelector('#claim');
  await wang.goto(URL_BASE + '/review');
  await wang.waitForSelector('#queue table');
  await wang.click('#logout');
  await wang.waitForURL(/\/login/);
  await editorTab.click('#claim');
  await editorTab.waitForURL(/\/login\?next=/);
  await logIn(editorTab, 'wang');
  await editorTab.waitForURL(u => u.pathname === '/review/case/' + third.report_id);
  await editorTab.waitForSelector('#claim');
  await editorTab.click('#claim');
  await editorTab.waitForSelector('#decide-form');
  await editorTab.fill('#decide-form textarea[name=critique]', '兩個標籤頁的批語。');
  await editorTab.context().clearCookies();
  await editorTab.click('#decide-form button[type=submit]');
  await logIn(editorTab, 'wang');
  await editorTab.waitForSelector('#decide-form');
  assert.equal(await editorTab.inputValue('#decide-form textarea[name=critique]'), '兩個標籤頁的批語。', 'the critique is lost over a login');

  // ---- 404 and 403, logged in ----------------------------------------------------
  stage('404 and 403');
  await phone.goto(URL_BASE + '/login');
  await logIn(phone, 'li');
  await phone.waitForURL(u => !u.pathname.startsWith('/login'));
  for (const [page, where] of [[phone, '/officer/reports/2026-999999'], [editorTab, '/review/case/999999'],
    [editorTab, '/publish/issues/999999'], [liu, '/publish/issues/999999']]) {
    const answer = await page.goto(URL_BASE + where);
    assert.equal(answer.status(), 404, `${where}: the page of no record answered ${answer.status()}`);
    await waitFor(page, () => document.querySelector('main')?.dataset.drawn);
    assert.equal(new URL(page.url()).pathname, where);
    assert.equal(await h1(page), '找不到此页', `${where}: not the 404 page`);
    assert.match(await page.textContent('main .form-error'), /^找不到您要的记录/);
  }
  for (const [page, where] of [[liu, '/review/case/' + id], [phone, '/publish/issues/' + issue], [phone, '/review/case/' + id]]) {
    const answer = await page.goto(URL_BASE + where);
    assert.equal(answer.status(), 403, where);
    await page.waitForSelector('main h1');
    assert.equal(await h1(page), '无权访问', `${where}: not the 403 page`);
  }

  // ---- refusals as a person reads them, in both scripts -------------------------
  // A rules file the statistics service refuses: the line at fault named
  // and selected, and what is wrong there said in the script in use (the
  // error's reason: docs/API.md), not the service's English message; the
  // switch says it in the other script at once.
  stage('refusals in Chinese');
  const admin = await person('admin');
  await admin.goto(URL_BASE + '/admin/rules');
  await admin.waitForSelector('#rules-form');
  const rules = await admin.inputValue('#rules-form textarea[name=text]');
  const badFiles = [['adopted = 1', 'adopted = one', 'not_whole'], ['[penalties]', '[penalty]', 'unknown_section'],
    ['missed = 5', 'mised = 5', 'unknown_key'], ['split = 1', 'split = 2', 'out_of_range'],
    ['figure = adopted', 'figure = pieces', 'unknown_figure'], ['quota = 30', 'quota = 40', 'weights_sum'],
    ['adopted_city = 3', 'adopted_city 3', 'syntax']];
  const refusal = async (dictionary, [good, bad, reason]) => {
    const text = rules.replace('\n' + good + '\n', '\n' + bad + '\n');
    assert.notEqual(text, rules, good);
    const line = text.slice(0, text.indexOf('\n' + bad + '\n') + 1).split('\n').length;
    await admin.fill('#rules-form textarea[name=text]', text);
    await admin.click('#rules-form button[type=submit]');
    await admin.waitForSelector('#rules-form .form-error:not([hidden])');
    const said = dictionary['rules.bad_line'].replace('{line}', line) + dictionary['reason.' + reason];
    assert.equal(await admin.textContent('#rules-form .form-error'), said, `${bad}: the refusal`);
    assert.equal(await admin.getAttribute('#rules-form textarea[name=text]', 'aria-invalid'), 'true');
    assert.equal(await admin.$eval('#rules-form textarea[name=text]', area => area.value.slice(area.selectionStart, area.selectionEnd)), bad);
  };
  for (const bad of badFiles) await refusal(hans, bad);
  assert.match(await admin.textContent('#rules-form .form-error'), /^第 \d+ 行有误，未载入，在用的考核办法不变：这一行既不是 \[节名\]/);
  await admin.click('#script-switch');
  await waitFor(admin, () => document.documentElement.lang === 'zh-Hant');
  assert.match(await admin.textContent('#rules-form .form-error'), /^第 \d+ 行有誤，未載入，在用的考核辦法不變：這一行既不是 \[節名\]/, 'the switch left the refusal in Simplified');
  for (const bad of badFiles) await refusal(hant, bad);
  await admin.click('#script-switch');
  await waitFor(admin, () => document.documentElement.lang === 'zh-Hans');
  assert.match(await admin.textContent('#rules-version'), /第0版/);

  // The admin's forms, each refused for what a person gets wrong (the
  // error's reason), in the script in use, the control at fault marked:
  // a token's name taken, a token for a disabled unit, a token revoked
  // that no one created, a login with a space, an officer with no unit,
  // an email of another person, an email and a phone number that are
  // none, a city under a county.
  const adminRefusals = async (dictionary, suffix) => {
    await admin.goto(URL_BASE + '/admin/tokens');
    await admin.waitForSelector('#token-form');
    await admin.fill('#token-form input[name=name]', 'edges-system' + suffix);
    await admin.click('#token-form button[type=submit]');
    await admin.waitForSelector('#token-secret');
    await admin.fill('#token-form input[name=name]', 'edges-system' + suffix);
    await admin.click('#token-form button[type=submit]');
    await formRefusal(admin, '#token-form', 'name', dictionary['reason.taken.name']);
    await admin.fill('#token-form input[name=name]', 'edges-closed' + suffix);
    await admin.selectOption('#token-form select[name=unit]', '邊緣已撤銷鄉');
    await admin.click('#token-form button[type=submit]');
    await formRefusal(admin, '#token-form', 'unit', dictionary['reason.disabled.unit']);
    await admin.fill('#revoke-form input[name=name]', 'edges-never' + suffix);
    await admin.click('#revoke-form button[type=submit]');
    await formRefusal(admin, '#revoke-form', 'name', dictionary['reason.unknown.name']);
    await admin.goto(URL_BASE + '/admin/officers');
    await admin.waitForSelector('#officer-form');
    const officer = async (login, unit, emails, phones = '') => {
      await admin.fill('#officer-form input[name=login]', login);
      await admin.fill('#officer-form input[name=name]', '邊緣測試員');
      await admin.selectOption('#officer-form select[name=unit]', unit);
      await admin.fill('#officer-form input[name=emails]', emails);
      await admin.fill('#officer-form input[name=phones]', phones);
      await admin.click('#officer-form button[type=submit]');
    };
    await officer('edges-c' + suffix, '林州市', `edges${suffix}.linzhou.gov.cn`);
    await formRefusal(admin, '#officer-form', 'emails', dictionary['reason.not_email']);
    await officer('edges-c' + suffix, '林州市', '', '待定');
    await formRefusal(admin, '#officer-form', 'phones', dictionary['reason.not_phone']);
    await officer('edges ' + suffix, '林州市', '');
    await formRefusal(admin, '#officer-form', 'login', dictionary['reason.has_space']);
    await officer('edges-a' + suffix, '', '');
    await formRefusal(admin, '#officer-form', 'unit', dictionary['reason.unit_required']);
    await officer('edges-a' + suffix, '林州市', `edges${suffix}@linzhou.gov.cn`);
    await waitFor(admin, login => [...document.querySelectorAll('main td')].some(td => td.textContent === login), 'edges-a' + suffix);
    await officer('edges-b' + suffix, '林州市', `edges${suffix}@linzhou.gov.cn`);
    await formRefusal(admin, '#officer-form', 'emails', dictionary['reason.taken.emails']);
    await admin.goto(URL_BASE + '/admin');
    await admin.waitForSelector('#unit-form');
    await admin.fill('#unit-form input[name=name]', '鄴城' + suffix);
    await admin.selectOption('#unit-form select[name=parent]', '林州市');
    await admin.selectOption('#unit-form select[name=level]', 'city');
    await admin.click('#unit-form button[type=submit]');
    await formRefusal(admin, '#unit-form', 'parent', dictionary['reason.level_order']);
  };
  await call(admin, 'POST', '/api/v1/units', { name: '邊緣已撤銷鄉', level: 'township', parent: '林州市', disabled: true });
  // The unit tree says which unit is disabled.
  await admin.goto(URL_BASE + '/admin');
  await admin.waitForSelector('#unit-tree');
  assert.equal(await admin.textContent('#unit-tree li:has(> .unit-name:text-is("邊緣已撤銷鄉")) > .meta'), '乡镇 · 部门 · 已停用');
  assert.equal(await admin.textContent('#unit-tree li:has(> .unit-name:text-is("林州市")) > .meta'), '县（区） · 部门');
  await adminRefusals(hans, '1');
  await admin.click('#script-switch');
  await waitFor(admin, () => document.documentElement.lang === 'zh-Hant');
  assert.equal(await admin.textContent('#unit-form .form-error'), hant['reason.level_order'], 'the switch left the refusal in Simplified');
  await adminRefusals(hant, '2');
  await admin.click('#script-switch');
  await waitFor(admin, () => document.documentElement.lang === 'zh-Hans');

  // An editor claims a report another claimed a moment before: the
  // console says so, in either script (not a withdrawal's refusal).
  for (const dictionary of [hans, hant]) {
    const late = await call(phone, 'POST', '/api/v1/reports', { title: '林州市晚一步認領的信息', body: '另一位編輯先認領了。' });
    await wang.goto(URL_BASE + '/review/case/' + late.report_id);
    await wang.waitForSelector('#claim');
    if (dictionary === hant) {
      await wang.click('#script-switch');
      await waitFor(wang, () => document.documentElement.lang === 'zh-Hant');
    }
    await call(admin, 'POST', '/api/v1/review/claim', { report_id: late.report_id });
    await wang.click('#claim');
    await waitFor(wang, said => document.getElementById('toast')?.textContent === said, dictionary['reason.claimed'], { timeout: 5000 })
      .catch(async () => assert.fail(`the claim's refusal: ${await wang.textContent('#toast')}`));
  }
  await wang.click('#script-switch');
  await waitFor(wang, () => document.documentElement.lang === 'zh-Hans');

  // The editor's own forms: a topic named as another is, a synthesis of
  // a report another editor holds (the last late one: the admin claimed
  // it), in either script, the control at fault marked.
  const held = (await call(wang, 'GET', '/api/v1/review/queue?limit=1000')).cases.find(c => c.holder === 'admin');
  assert.ok(held, 'no case the admin holds in the queue');
  await call(wang, 'POST', '/api/v1/review/topic_create', { name: '林州市重名的專題' });
  for (const dictionary of [hans, hant]) {
    await wang.goto(URL_BASE + '/review/topics');
    await wang.waitForSelector('#topic-create');
    if (dictionary === hant) {
      await wang.click('#script-switch');
      await waitFor(wang, () => document.documentElement.lang === 'zh-Hant');
    }
    await wang.fill('#topic-create input[name=name]', '林州市重名的專題');
    await wang.click('#topic-create button[type=submit]');
    await formRefusal(wang, '#topic-create', 'name', dictionary['reason.taken.name']);
    // No name at all: said by the console, not by the browser's own bubble.
    await wang.fill('#topic-create input[name=name]', '');
    await wang.click('#topic-create button[type=submit]');
    await formRefusal(wang, '#topic-create', 'name', dictionary['err.invalid.name']);
    await wang.goto(URL_BASE + '/review/synthesis');
    await wang.waitForSelector('#synthesis-form');
    const boxes = await wang.$$('#synthesis-form input[name=report_ids]');
    assert.ok(boxes.length >= 2, 'fewer than two cases to combine');
    await wang.check(`#synthesis-form input[name=report_ids][value="${held.report_id}"]`);
    for (const box of boxes) if (!await box.isChecked()) { await box.check(); break; }
    await wang.fill('#synthesis-form input[name=title]', '林州市綜合稿');
    await wang.fill('#synthesis-form textarea[name=body]', '兩篇信息的綜合。');
    await wang.click('#synthesis-form button[type=submit]');
    await formRefusal(wang, '#synthesis-form', 'report_ids', dictionary['reason.claimed']);
  }
  await wang.click('#script-switch');
  await waitFor(wang, () => document.documentElement.lang === 'zh-Hans');

  // A topic another closed while the case page was open, chosen there:
  // said for what it is, in either script, the topic's list marked.
  for (const dictionary of [hans, hant]) {
    const suffix = dictionary === hans ? '一' : '二';
    const closing = await call(wang, 'POST', '/api/v1/review/topic_create', { name: '林州市剛結束的專題' + suffix });
    const report = await call(phone, 'POST', '/api/v1/reports', { title: '林州市專題剛結束的信息' + suffix, body: '專題已由他人結束。' });
    await wang.goto(URL_BASE + '/review/case/' + report.report_id);
    await wang.waitForSelector('#topic-form');
    await inScriptOf(wang, dictionary);
    await wang.selectOption('#topic-form select[name=topic_id]', String(closing.topic_id));
    await call(admin, 'POST', '/api/v1/review/topic_close', { topic_id: closing.topic_id });
    await wang.click('#topic-form button[type=submit]');
    await formRefusal(wang, '#topic-form', 'topic_id', dictionary['reason.closed.topic_id']);
  }
  await inScriptOf(wang, hans);

  // A revert with no reason (the admin's, of a declined report): said by
  // the console in the script in use, not by the browser's own bubble.
  const declined = await call(phone, 'POST', '/api/v1/reports', { title: '林州市不採用後撤銷的信息', body: '撤銷要寫理由。' });
  await call(wang, 'POST', '/api/v1/review/claim', { report_id: declined.report_id });
  await call(wang, 'POST', '/api/v1/review/decide', { report_id: declined.report_id, decision: 'decline', critique: '不採用。' });
  for (const dictionary of [hans, hant]) {
    await admin.goto(URL_BASE + '/review/case/' + declined.report_id);
    await admin.waitForSelector('#revert-form');
    if (dictionary === hant) {
      await admin.click('#script-switch');
      await waitFor(admin, () => document.documentElement.lang === 'zh-Hant');
    }
    await admin.click('#revert-form button[type=submit]');
    await formRefusal(admin, '#revert-form', 'reason', dictionary['err.invalid.reason']);
  }
  await admin.click('#script-switch');
  await waitFor(admin, () => document.documentElement.lang === 'zh-Hans');

  // The publisher's compose refused: nothing chosen, the list marked; a
  // report another publisher put in a draft while it was chosen here,
  // said for what it is (the error's reason: docs/API.md), in either
  // script, the item at fault marked, and no empty draft left behind.
  const periodical = settings.periodicals[0];
  const drafts = async () => (await call(liu, 'GET', '/api/v1/publication/issues?limit=1000')).issues.filter(i => i.state === 'draft').length;
  for (const dictionary of [hans, hant]) {
    const title = '林州市被另一期先編入的信息' + (dictionary === hans ? '一' : '二');
    const late = await call(phone, 'POST', '/api/v1/reports', { title, body: '另一位編發人員先把它編入了一期。' });
    await call(wang, 'POST', '/api/v1/review/claim', { report_id: late.report_id });
    await call(wang, 'POST', '/api/v1/review/decide', { report_id: late.report_id, decision: 'adopt', critique: '採用。', periodical });
    await liu.goto(URL_BASE + '/publish');
    await liu.waitForSelector('#pending table');
    await inScriptOf(liu, dictionary);
    await liu.click('#compose-form button[type=submit]');
    await formRefusal(liu, '#compose-form', 'report_ids', dictionary['err.invalid.report_ids']);
    await liu.click(`#pending tr:has(td:text-is("${title}")) button`);
    await liu.waitForSelector(`#compose li:has(.item-title:text-is("${title}"))`);
    await call(admin, 'POST', '/api/v1/publication/issue_create', { periodical, report_ids: [late.report_id] });
    const before = await drafts();
    await liu.click('#compose-form button[type=submit]');
    await liu.waitForSelector('#compose-form .form-error:not([hidden])');
    assert.equal(await liu.textContent('#compose-form .form-error'), dictionary['reason.in_issue'], 'the compose refusal');
    assert.equal(await liu.getAttribute(`#compose li:has(.item-title:text-is("${title}"))`, 'aria-invalid'), 'true',
      'the report in another issue is not marked');
    await focusComesTo(liu, `#compose li[aria-invalid=true]`, 'the focus is not on the report at fault');
    assert.equal(await drafts(), before, 'the refused compose left a draft behind');
  }
  await inScriptOf(liu, hans);

  // A wrong password said as such (it was said nowhere: the form took
  // the 401 for a session that ended), then a login after too many
  // (gateway.login_failures_per_login, 5) said for what it is, not as a
  // size limit, in either script; the login page wholly in Traditional.
  const door = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })).newPage();
  door.on('pageerror', error => pageErrors.push(`login page: ${error.message}`));
  await door.goto(URL_BASE + '/login');
  await door.waitForSelector('form button[type=submit]:not([disabled])');
  for (let tries = 0; tries < 6; tries++) {
    await door.fill('input[name=login]', 'edges-nobody');
    await door.fill('input[name=password]', 'wrong password ' + tries);
    await door.click('button[type=submit]');
    await door.waitForSelector('.form-error:not([hidden])');
    await waitFor(door, () => !document.querySelector('button[type=submit]').disabled);
    if (tries === 0) await formRefusal(door, 'form', 'password', hans['err.unauthorized.password']);
  }
  await formRefusal(door, 'form', 'login', hans['reason.too_many_tries']);
  await door.click('#script-switch');
  await waitFor(door, () => document.documentElement.lang === 'zh-Hant');
  await door.click('button[type=submit]');
  await formRefusal(door, 'form', 'login', hant['reason.too_many_tries']);
  const doorText = await door.evaluate(shown);
  assert.deepEqual([...new Set([...doorText].filter(c => simplifiedOnly.has(c)))], [], `the login page in Traditional shows Simplified: ${doorText}`);
  await door.context().close();

  // An officer's report with more files than a report holds (20): said
  // as such, the file control marked, in either script.
  await phone.goto(URL_BASE + '/officer');
  await phone.waitForSelector('main[data-drawn="/officer"]');
  await phone.fill('input[name=title]', '林州市附件太多的信息');
  await phone.fill('textarea[name=body]', '附了二十一個文件。');
  await phone.setInputFiles('input[name=attachments]', Array.from({ length: 21 }, (_, i) =>
    ({ name: `附件${i + 1}.txt`, mimeType: 'text/plain', buffer: Buffer.from('x') })));
  await phone.click('main button[type=submit]');
  await formRefusal(phone, 'main form', 'attachments', hans['reason.too_many.attachments']);
  await phone.click('#script-switch');
  await waitFor(phone, () => document.documentElement.lang === 'zh-Hant');
  assert.equal(await phone.textContent('main form .form-error'), hant['reason.too_many.attachments'], 'the switch left the refusal in Simplified');
  await phone.click('#script-switch');
  await waitFor(phone, () => document.documentElement.lang === 'zh-Hans');

  // Files each within 16 MiB whose report is over the body's limit (40
  // MiB): refused before the gateway reads it, so the refusal names no
  // field; the file control marked all the same, in either script.
  const big = mkdtempSync(path.join(tmpdir(), 'baosong-edges-'));
  try {
    const files = [1, 2, 3].map(n => path.join(big, `掃描件${n}.pdf`));
    for (const file of files) writeFileSync(file, Buffer.alloc(14 * 1024 * 1024, 'x'));
    for (const dictionary of [hans, hant]) {
      await phone.goto(URL_BASE + '/officer');
      await phone.waitForSelector('main[data-drawn="/officer"]');
      await inScriptOf(phone, dictionary);
      await phone.fill('input[name=title]', '林州市附件合計太大的信息');
      await phone.fill('textarea[name=body]', '附了三個各 14 MB 的掃描件。');
      await phone.setInputFiles('input[name=attachments]', files);
      await phone.click('main button[type=submit]');
      await formRefusal(phone, 'main form', 'attachments', dictionary['reason.too_large']);
    }
    await inScriptOf(phone, hans);
  } finally {
    rmSync(big, { recursive: true, force: true });
  }

  // ---- every officer page in Traditional on the phone -----------------------------
  stage('Traditional on the phone');
  await phone.goto(URL_BASE + '/officer');
  await phone.waitForSelector('main[data-drawn="/officer"]');
  await phone.click('#script-switch');
  await waitFor(phone, () => document.documentElement.lang === 'zh-Hant');
  for (const [where, title] of [['/officer', '報送信息'], ['/officer/reports', '我的信息'], ['/officer/reports/' + reg, '信息詳情'],
    ['/officer/reports/' + returned.reg_no, '信息詳情'], ['/officer/commissions', '約稿'], ['/officer/notices', '通知'],
    ['/officer/reports/2026-999999', '找不到此頁'], ['/no/such/page', '找不到此頁'], ['/publish/issues/' + issue, '無權訪問']]) {
    await phone.goto(URL_BASE + where);
    await waitFor(phone, () => document.querySelector('main')?.dataset.drawn);
    assert.equal(await h1(phone), title, `${where} in Traditional`);
    const text = await phone.evaluate(shown);
    const left = [...new Set([...text].filter(c => simplifiedOnly.has(c)))];
    assert.deepEqual(left, [], `${where} in Traditional shows Simplified: ${text.split('\n').filter(line => [...line].some(c => left.includes(c))).slice(0, 3)}`);
    await fits(phone, `${where} in Traditional`);
    await screenshot(phone, 'edges-hant' + where.replace(/\//g, '-'));
  }
  await phone.click('#script-switch'); // back to Simplified, one click
  await waitFor(phone, () => document.documentElement.lang === 'zh-Hans');

  assert.deepEqual(pageErrors, [], 'errors in the pages');
  stage('done');
} finally {
  await browser.close();
}
