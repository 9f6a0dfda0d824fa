// A whole day in the web console, in Debian's chromium (playwright-core,
// no browser download). run.sh starts the system and registers the people;
// this drives their browsers and asserts what each page shows:
//   two officers of different units send reports (one with an attachment);
//   an editor claims, edits (sentence diff), critiques, returns one and
//   adopts two; the officer reads the critique and sends the report again;
//   a publisher composes (keyboard and drag and drop), writes the editor's
//   note, a leader signs the draft off from the dashboard, and the
//   publisher publishes it and forwards it to the province's own system,
//   whose editor adopts one item and declines the other (stage_upward.mjs);
//   the leader's dashboard shows each change within 1 s without a reload;
//   the editor issues last month's bulletin, the leader downloads it and
//   reads the scores (stage_assessment.mjs); an admin adds a unit and an
//   officer, who then logs in; each role's main page is drawn from one
//   answer of the gateway with its data in it (first_page.mjs).
//   Commissions: answered, extended, cancelled (an answer sent after the
//   cancellation is refused); a withdrawal before the claim works, one
//   sent after it is refused.
// Also: another unit's report never reaches an officer; errors in Chinese
// with the field highlighted; 404 and 403 pages; an expired session goes
// to the login page and back; the script switch changes every interface
// string on every page; screenshots (1366x768, officers also 390x844)
// written under OUT and checked to be non-blank.
//
// Environment: BAOSONG_URL (the gateway), OUT (a folder for screenshots),
// PASSWORD (every person's password), MODULES (the node_modules folder
// npm ci filled; default: the one beside this file).
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { URL_BASE, PASSWORD, pageErrors, browser, person, h1, started, stage, waitFor, liveShows, lmtp, screenshot,
  submitReport } from './support.mjs';
import { assessmentStage } from './stage_assessment.mjs';
import { upwardStage } from './stage_upward.mjs';
import { lowContrast, assertFits, tabTo } from './checks.mjs';
import { firstPageStage, writtenLoginStage, writtenPagesStage, rolesStage } from './first_page.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { default: hans } = await import(path.join(here, '../../web/js/i18n/zh-Hans.js'));
const { default: hant } = await import(path.join(here, '../../web/js/i18n/zh-Hant.js'));

// No Traditional character in a Simplified string: the characters the two
// dictionaries write differently (where a string has the same length in
// both, position by position) but for those written either way (体/體
// pairs both ways), outside the script switch's own label, which names
// the other script in its own characters.
{
  const traditional = new Set(), simplified = new Set();
  for (const key of Object.keys(hans)) {
    const [a, b] = [[...hans[key]], [...(hant[key] || '')]];
    if (a.length === b.length) a.forEach((c, i) => { if (c !== b[i] && /\p{Script=Han}/u.test(c)) { simplified.add(c); traditional.add(b[i]); } });
  }
  const mixed = Object.entries(hans).filter(([key]) => !key.startsWith('script.'))
    .filter(([, text]) => [...text].some(c => traditional.has(c) && !simplified.has(c))).map(([key, text]) => `${key}: ${text}`);
  assert.deepEqual(mixed, [], 'Traditional characters in the Simplified dictionary');
}

// The reads the leader's dashboard draws first, as the gateway makes them
// (services/gateway/console.c): today's, this month's, this year's and
// each month's figures, the ranking and the lists.
function leaderReads() {
  const now = new Date();
  const two = n => String(n).padStart(2, '0');
  const year = String(now.getFullYear());
  const month = `${year}-${two(now.getMonth() + 1)}`;
  const months = Array.from({ length: now.getMonth() + 1 }, (_, i) => `${year}-${two(i + 1)}`);
  return [...new Set([`${month}-${two(now.getDate())}`, month, year, ...months])]
    .map(period => `/api/v1/statistics?period=${period}&basis=decided`)
    .concat([`/api/v1/statistics/ranking?period=${year}&by=adopted&basis=decided`,
      '/api/v1/review/queue?all=true&limit=1000', '/api/v1/publication/issues?limit=1000',
      '/api/v1/publication/instructions?limit=1000']);
}

// The data the people type: shown as entered in both scripts.
const data = {
  units: ['安陽市', '林州市', '湯陰縣', '殷都區'],
  names: ['李信息員', '張信息員', '王編輯', '劉編發', '趙領導', '管理員', '孫信息員', '周編輯'],
  a: { title: '林州市嚴格職權管理積極自查自糾', body: '林州市委組織部開展自查自糾。全市共清理超配幹部十二名。' },
  b: { title: '湯陰縣在村級幹部中實行創業承諾', body: '湯陰縣在全縣村級幹部中推行創業承諾制。' },
  c: { title: '湯陰縣緊急報告防汛幹部到崗情況', body: '全縣防汛幹部已全部到崗。' },
  edited: '全市共清理超配幹部十二名，均已妥善安置。',
  critiqueA: '情況清楚，時效性強。',
  critiqueB: '請補充具體數據後再報。',
  critiqueC: '反應迅速，採用。',
  resent: '湯陰縣在全縣村級幹部中推行創業承諾制，共三百一十二名幹部作出承諾。',
  periodicals: ['組工信息', '重點上報信息'],
  topic: '基層黨建',
  attachment: '林州市自查表.txt',
  note: '本期刊發林州市、湯陰縣兩篇信息。',
  commission: { title: '關於報送基層黨建信息的約稿', brief: '請報送本單位的做法與成效。' },
  notice: { title: '十二月信息報送要點', body: '請圍繞基層黨建報送信息。' },
  mistake: { title: '湯陰縣誤報的一篇信息', body: '這篇是誤報。' },
  cancelled: { title: '關於報送防汛工作信息的約稿', brief: '請報送汛期值守情況。', reason: '防汛工作已另行部署',
    answer: '湯陰縣汛期值守情況' },
  withdrawReason: '誤報，已由市裡統一報送',
  extendReason: '縣裡開會，寬限一天',
  section: '基層黨建',
  outlet: '河南日報', outletIssue: '2026年12月3日',
  upper: { periodical: '河南組工信息', critiqueA: '做法具體，省刊採用。', critiqueC: '時效已過，不再刊用。',
    leader: '吳部長', comment: '林州市的做法值得全省借鑑，請總結經驗報來。' },
  declined: '與本月重點無關。', revertReason: '此稿反映的培訓情況值得採用，請重新審核。',
  leaderName: '趙書記', comment: '這個做法很好，請總結推廣。', followUp: '已在全市推廣，並形成制度。',
  rulesName: '2026年度信息工作考核辦法',
  rules: '[rules]\nname = 2026年度信息工作考核辦法\n[points]\nadopted = 2\nadopted_province = 6\n[rewards]\nadopted = 80\n',
  keyboard: { title: '林州市用鍵盤報送的一篇信息', body: '全程只用鍵盤填寫並報送。' },
  mailed: { title: '湯陰縣幹部培訓情況', body: '湯陰縣本月培訓村級幹部二百人次。' },
};
const dataStrings = [...data.units, ...data.names, ...data.periodicals, data.topic, data.attachment,
  data.a.title, data.a.body, data.b.title, data.b.body, data.c.title, data.c.body, data.edited,
  data.critiqueA, data.critiqueB, data.critiqueC, data.resent, data.note, 'zhao',
  data.commission.title, data.commission.brief, data.notice.title, data.notice.body, data.mistake.title,
  data.mistake.body, data.cancelled.title, data.cancelled.brief, data.cancelled.reason, data.cancelled.answer,
  data.withdrawReason, data.extendReason, data.section, data.outlet, data.outletIssue,
  data.keyboard.title, data.keyboard.body, data.rulesName, data.upper.periodical, data.upper.critiqueA, data.upper.critiqueC, data.upper.leader, data.upper.comment, data.leaderName, data.comment, data.followUp, data.mailed.title, data.mailed.body, data.declined, data.revertReason];

try {
  // ---- morning: the leader watches the dashboard --------------------------
  stage('morning: the leader watches the dashboard');
  // Its figures are fed by the statistics feed (an EventSource), not polled.
  const leaderRequests = [];
  const leader = await person('zhao', undefined, page => {
    page.on('request', r => leaderRequests.push([r.resourceType(), new URL(r.url()).pathname]));
    // What the first frame after the dashboard appears holds (at the first
    // animation frame, just before its style, layout and paint).
    return page.addInitScript(() => {
      const watch = new MutationObserver(() => {
        if (!document.getElementById('dashboard')) return;
        watch.disconnect();
        requestAnimationFrame(() => {
          window.bsLeaderFirstFrame = { lists: document.getElementById('dashboard-more')?.childElementCount ?? -1,
            today: document.querySelector('#today .submitted')?.textContent };
        });
      });
      watch.observe(document, { childList: true, subtree: true });
    });
  });
  assert.equal(new URL(leader.url()).pathname, '/leader');
  // Drawn after the login form from the login's answer, which carries the
  // page's reads: person() asserts the login was its only call before it
  // was drawn.
  // Its first frame is the small one, as a new tab's: the heading and the
  // figures (from the reads the page carried), the lists and charts after.
  assert.deepEqual(await leader.evaluate(() => window.bsLeaderFirstFrame), { lists: 0, today: '0' },
    'the first frame of the dashboard after the login form: the heading and figures alone');
  await leader.waitForSelector('#today .submitted');
  assert.equal(await leader.textContent('#today .submitted'), '0');
  await waitFor(leader, () => document.querySelector('#feed-state')?.textContent === '实时更新中');
  assert.ok(leaderRequests.some(([type, where]) => type === 'eventsource' && where === '/api/v1/statistics/feed'), 'no EventSource on the feed');
  const figureReads = () => leaderRequests.filter(([, where]) => where.startsWith('/api/v1/statistics') && where !== '/api/v1/statistics/feed').length;
  // The badge says 实时更新中 at the stream's open; its snapshot, a read of
  // statistics by the gateway, may come later on a loaded machine, and the
  // page reads its figures again on it (nothing that changed while the feed
  // opened is missed): the day's, month's and year's, and the ranking, which
  // only that read asks for. Those reads are the snapshot's, not reads with
  // no event: the quiet window starts after them.
  const feedAt = leaderRequests.findIndex(([type, where]) => type === 'eventsource' && where === '/api/v1/statistics/feed');
  const rankingRead = () => leaderRequests.slice(feedAt).some(([, where]) => where === '/api/v1/statistics/ranking');
  for (let waited = 0; !rankingRead() && waited < 20000; waited += 50)
    await leader.waitForTimeout(50);
  assert.ok(rankingRead(), "the dashboard reads its figures again on the feed's snapshot");
  const readsBefore = figureReads();
  await leader.waitForTimeout(1500);
  assert.equal(figureReads(), readsBefore, 'the dashboard reads its figures with no event');

  // ---- the editor asks the county units for reports, sends guidance -------
  stage('the editor asks the county units for reports, sends guidance');
  const wang = await person('wang');
  assert.equal(new URL(wang.url()).pathname, '/review');
  await wang.goto(URL_BASE + '/review/commissions');
  await wang.waitForSelector('#commission-form');
  await wang.fill('#commission-form input[name=title]', data.commission.title);
  await wang.fill('#commission-form textarea[name=brief]', data.commission.brief);
  // No unit chosen: refused in Chinese, the units marked.
  await wang.click('#commission-form button[type=submit]');
  await wang.waitForSelector('#commission-form .form-error:not([hidden])');
  assert.match(await wang.textContent('#commission-form .form-error'), /请至少选择一个单位/);
  await wang.selectOption('#commission-form select[name=tier]', 'county'); // 林州市 and 湯陰縣
  await wang.click('#commission-form button[type=submit]');
  await wang.waitForSelector('#commission-units');
  const commissionPath = new URL(wang.url()).pathname;
  assert.equal(await wang.textContent('#commission-title'), data.commission.title);
  assert.equal(await wang.textContent('#missing-units'), '林州市、湯陰縣');
  assert.match(await wang.textContent('#commission-state'), /进行中/);
  await wang.goto(URL_BASE + '/review/notices');
  await wang.waitForSelector('#notice-form');
  await wang.check('#notice-form input[value=guidance]');
  await wang.fill('#notice-form input[name=title]', data.notice.title);
  await wang.fill('#notice-form textarea[name=body]', data.notice.body);
  await wang.check('#notice-form input[value="林州市"]');
  await wang.check('#notice-form input[value="湯陰縣"]');
  await wang.click('#notice-form button[type=submit]');
  await wang.waitForSelector('#notice-reads');
  const noticePath = new URL(wang.url()).pathname;
  assert.equal((await wang.textContent('#notice-reads')).match(/未读/g).length, 2);

  // ---- officers of two units send reports ---------------------------------
  stage('officers of two units send reports');
  const li = await person('li');
  assert.equal(new URL(li.url()).pathname, '/officer');
  assert.equal(await h1(li), '报送信息');
  // An empty form: the error in Chinese, the field highlighted, no JSON.
  await li.click('button[type=submit]');
  await li.waitForSelector('.form-error:not([hidden])');
  const error = await li.textContent('.form-error');
  assert.match(error, /标题/);
  assert.ok(!/[{}"]/.test(error), `raw JSON in the error: ${error}`);
  assert.equal(await li.getAttribute('input[name=title]', 'aria-invalid'), 'true');
  // What li types survives a reload: kept in the tab until it is sent.
  await li.fill('input[name=title]', data.a.title);
  await li.fill('textarea[name=body]', data.a.body);
  await li.reload();
  await waitFor(li, () => document.querySelector('main')?.dataset.drawn === '/officer');
  assert.equal(await li.inputValue('input[name=title]'), data.a.title, 'the title typed before the reload is lost');
  assert.equal(await li.inputValue('textarea[name=body]'), data.a.body, 'the text typed before the reload is lost');

  // li reads the guidance (a read receipt) and answers the commission.
  await li.goto(URL_BASE + '/officer/notices');
  await li.waitForSelector('.notice');
  assert.equal(await li.textContent('.notice .notice-title'), data.notice.title);
  assert.match(await li.textContent('.notice .badge'), /报送要点/);
  await li.click('.notice .mark-read');
  await li.waitForSelector('.notice .notice-read');
  assert.match(await li.textContent('.notice .notice-read'), /已于 .* 阅读/);
  await li.goto(URL_BASE + '/officer/commissions');
  await li.waitForSelector('#commissions table');
  assert.match(await li.textContent('#commissions tbody tr'), /待答复/);
  // Three days to its deadline: counted in days, not in 71 hours.
  assert.match(await li.textContent('#commissions tbody tr .countdown'), /^剩余 2天 2\d:\d\d:\d\d$/);
  await li.click(`a[aria-label="答复约稿「${data.commission.title}」"]`);
  await li.waitForSelector('select[name=commission]');
  assert.equal(await li.$eval('select[name=commission]', s => s.selectedOptions[0].textContent), data.commission.title);
  // The attachment control speaks Chinese: a button of our own, what was
  // chosen said by name (the browser's own says Choose File, No file chosen).
  assert.equal(await li.textContent('label.button[for=report-attachments]'), '选择文件');
  assert.equal(await li.textContent('#report-attachments-chosen'), '尚未选择文件');
  await li.setInputFiles('input[name=attachments]', { name: data.attachment, mimeType: 'text/plain', buffer: Buffer.from('x') });
  assert.equal(await li.textContent('#report-attachments-chosen'), `已选 1 个文件：${data.attachment}`);
  const regA = await submitReport(li, data.a, { stay: true,
    file: { name: data.attachment, mimeType: 'text/plain', buffer: Buffer.from('林州市自查表\n一、基本情況\n') } });
  assert.ok((await li.textContent('.receipt')).includes(`作为约稿「${data.commission.title}」的答复`));
  // Sent, the draft is gone: a reload shows an empty form.
  await li.reload();
  await waitFor(li, () => document.querySelector('main')?.dataset.drawn === '/officer');
  assert.equal(await li.inputValue('input[name=title]'), '', 'the sent report comes back after a reload');
  await li.goto(URL_BASE + '/officer/commissions');
  await li.waitForSelector('#commissions table');
  assert.match(await li.textContent('#commissions tbody tr'), /按时答复/);
  assert.ok((await li.textContent('#commissions tbody tr')).includes(regA));
  await liveShows(leader, '#today .submitted', 1, 'the first report');

  const zhang = await person('zhang');
  const regB = await submitReport(zhang, data.b);
  await liveShows(leader, '#today .submitted', 2, 'the second report');
  const regC = await submitReport(zhang, data.c, { kind: 'urgent', urgent: true });
  await liveShows(leader, '#today .submitted', 3, 'the urgent report');
  await liveShows(leader, '#month .submitted', 3, 'the month');
  await liveShows(leader, '#year .submitted', 3, 'the year');

  // zhang withdraws a report sent by mistake, before an editor claims it.
  const regD = await submitReport(zhang, data.mistake);
  await zhang.click('#receipt-reg-no');
  await zhang.waitForSelector('#withdraw-form');
  await zhang.click('#withdraw-form button[type=submit]'); // no reason: refused
  await zhang.waitForSelector('#withdraw-form .form-error:not([hidden])');
  assert.match(await zhang.textContent('#withdraw-form .form-error'), /理由/);
  await zhang.fill('#withdraw-form textarea[name=reason]', data.withdrawReason);
  await zhang.click('#withdraw-form button[type=submit]');
  await waitFor(zhang, () => document.querySelector('#report-state')?.textContent.includes('已撤回'));
  assert.equal(await zhang.$('#withdraw-form'), null);
  // zhang opens B, still queued, to withdraw it too; the page's clock stands
  // still (it reads the report's state again every 3 s), so the editor's
  // claim below comes between what zhang sees and what zhang sends.
  await zhang.clock.install();
  await zhang.goto(URL_BASE + '/officer/reports/' + regB);
  await zhang.waitForSelector('#withdraw-form');
  // Paused a moment after the page's own now: a fixed margin from the
  // runner's clock ran out on a loaded machine ("Cannot fast-forward to the
  // past"), so one that has passed is tried again from the page's time.
  for (let attempt = 1; ; attempt++) {
    const pageNow = await zhang.evaluate(() => Date.now());
    try {
      await zhang.clock.pauseAt(pageNow + 250);
      break;
    } catch (error) {
      if (attempt === 5 || !/past/.test(String(error))) throw error;
    }
  }

  // li's reports: only 林州市's, in every listing and page.
  await li.goto(URL_BASE + '/officer/reports');
  await li.waitForSelector('table');
  const liList = await li.textContent('main');
  assert.ok(liList.includes(data.a.title) && liList.includes(regA));
  for (const other of [data.b.title, data.c.title, regB, regC]) assert.ok(!liList.includes(other), `li sees ${other}`);
  const mine = await li.evaluate(() => fetch('/api/v1/my/reports?unit=湯陰縣').then(r => r.json()));
  assert.ok(mine.cases.length >= 1 && mine.cases.every(c => c.unit === '林州市'), 'my/reports gave another unit');
  await li.goto(URL_BASE + '/officer/reports/' + regB);
  await li.waitForSelector('.form-error');
  assert.ok(!(await li.textContent('main')).includes(data.b.title), 'li opened 湯陰縣\'s report');
  assert.match(await li.textContent('.form-error'), /找不到/);
  // An officer on an editor's page: the 403 page.
  await li.goto(URL_BASE + '/review');
  await li.waitForSelector('main h1');
  assert.equal(await h1(li), '无权访问');

  // ---- the editor ---------------------------------------------------------
  stage('the editor');
  await wang.goto(URL_BASE + '/review');
  await wang.waitForSelector('#queue table');
  assert.ok(!(await wang.textContent('#queue')).includes(data.mistake.title), 'the withdrawn report is in the queue');
  const firstRow = await wang.textContent('#queue tbody tr:first-child');
  assert.ok(firstRow.includes(data.c.title), `urgent first, not: ${firstRow}`);
  assert.match(await wang.textContent('#queue tbody tr:first-child .countdown'), /剩余 \d+:\d\d:\d\d/);
  const countdown1 = await wang.textContent('#queue tbody tr:first-child .countdown');
  await wang.waitForTimeout(1100);
  assert.notEqual(await wang.textContent('#queue tbody tr:first-child .countdown'), countdown1, 'the countdown is not live');

  // A: claim, read its provenance and attachment, edit, diff, adopt.
  await wang.click(`a:text("${regA}")`);
  await wang.waitForSelector('#claim');
  assert.match(await wang.textContent('main'), /网页/); // its provenance: the web channel
  assert.equal(await wang.textContent('.attachments li'), `${data.attachment}（1 KB）`);
  await wang.click('#claim');
  await wang.waitForSelector('#edit-form');
  assert.match(await wang.textContent('#case-state'), /审核中/);
  // Who holds it, by name as entered (not the login wang); so in the queue.
  assert.ok((await wang.textContent('main .report .meta')).includes('（王編輯 认领）'), await wang.textContent('main .report .meta'));
  // Its provenance names the officer who sent it by name too.
  assert.ok((await wang.textContent('section[aria-labelledby=prov-h]')).includes('李信息員'), await wang.textContent('section[aria-labelledby=prov-h]'));
  // The critique typed first is still there once the edited copy is saved
  // (which draws the case again).
  await wang.fill('#decide-form textarea[name=critique]', data.critiqueA);
  await wang.fill('#edit-form textarea[name=body]', data.a.body.replace('全市共清理超配幹部十二名。', data.edited));
  await wang.click('#edit-form button[type=submit]');
  await wang.waitForSelector('.diff .added');
  assert.equal(await wang.inputValue('#decide-form textarea[name=critique]'), data.critiqueA, 'the critique typed before saving the edit is lost');
  assert.ok((await wang.textContent('.diff .added')).includes(data.edited));
  assert.ok((await wang.textContent('.diff .removed')).includes('全市共清理超配幹部十二名。'));
  await wang.fill('#decide-form textarea[name=critique]', data.critiqueA);
  await wang.fill('#decide-form input[name=score_timeliness]', '9');
  await wang.fill('#decide-form input[name=score_accuracy]', '8');
  await wang.click('#decide-form button[type=submit]');
  await waitFor(wang, () => document.querySelector('#case-state')?.textContent.includes('已采用'));
  await liveShows(leader, '#today .adopted', 1, 'the first adoption');
  // Its audit trail in words: who (the system, when no person), and the
  // review service's notes as the page's script says them, not its English.
  const trail = await wang.$$eval('section[aria-labelledby=audit-h] tbody tr', rows => rows.map(row => [...row.cells].map(cell => cell.textContent)));
  // Who: the person by name as entered, never their login.
  assert.deepEqual(trail.map(([, action, actor]) => [action, actor]), [['接收', '系统'], ['认领', '王編輯'], ['修改', '王編輯'], ['采用', '王編輯']]);
  assert.match(trail[1][5], /^认领至 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$/);
  // The edit changed the body alone: the history says so.
  assert.deepEqual(trail.slice(2).map(row => row[5]), ['修改了正文', data.critiqueA]);

  // B: a critique without a decision's scores, returned for revision.
  await wang.goto(URL_BASE + '/review');
  await wang.click(`a:text("${regB}")`);
  await wang.click('#claim');
  await wang.waitForSelector('#decide-form');
  // Claimed: zhang's withdrawal, sent from the page read before, is refused
  // in Chinese, and the page says why the form is gone (an editor claimed
  // it: the refusal's reason).
  await zhang.fill('#withdraw-form textarea[name=reason]', data.withdrawReason);
  await zhang.click('#withdraw-form button[type=submit]');
  await zhang.waitForSelector('#withdraw-refused');
  assert.equal(await zhang.textContent('#withdraw-refused'), '编辑已认领这篇信息，不能再撤回（如需改动，可请编辑退回）。');
  assert.match(await zhang.textContent('#report-state'), /审核中/);
  assert.equal(await zhang.$('#withdraw-form'), null);
  await zhang.clock.resume();
  assert.match(await wang.textContent('#case-state'), /审核中/);
  // Released to the queue, then claimed again.
  await wang.click('#release');
  await waitFor(wang, () => document.querySelector('#case-state')?.textContent.includes('待审核') && !document.querySelector('#decide-form'));
  await wang.click('#claim');
  await wang.waitForSelector('#decide-form');
  // A decision without a critique: refused, in Chinese, the field marked.
  await wang.check('#decide-form input[value=return]');
  await wang.click('#decide-form button[type=submit]');
  await wang.waitForSelector('#decide-form .form-error:not([hidden])');
  assert.match(await wang.textContent('#decide-form .form-error'), /讲评/);
  assert.equal(await wang.getAttribute('#decide-form textarea[name=critique]', 'aria-invalid'), 'true');
  await wang.fill('#decide-form textarea[name=critique]', data.critiqueB);
  await wang.click('#decide-form button[type=submit]');
  await waitFor(wang, () => document.querySelector('#case-state')?.textContent.includes('退回修改'));

  // C: adopted.
  await wang.goto(URL_BASE + '/review');
  await wang.click(`a:text("${regC}")`);
  await wang.click('#claim');
  await wang.waitForSelector('#decide-form');
  await wang.fill('#decide-form textarea[name=critique]', data.critiqueC);
  await wang.click('#decide-form button[type=submit]');
  await waitFor(wang, () => document.querySelector('#case-state')?.textContent.includes('已采用'));
  await liveShows(leader, '#today .adopted', 2, 'the second adoption');
  await liveShows(leader, '#year .adopted', 2, 'the year\'s adoptions');
  const audit = await wang.textContent('main');
  assert.match(audit, /认领/);
  assert.match(audit, /采用/);

  // The commission: 林州市 answered on time with A, 湯陰縣 still missing;
  // extended by a day. The guidance: 林州市 read it, 湯陰縣 not yet.
  await wang.goto(URL_BASE + commissionPath);
  await wang.waitForSelector('#commission-units');
  assert.equal(await wang.textContent('#missing-units'), '湯陰縣');
  const linzhou = await wang.textContent('#commission-units tbody tr:has-text("林州市")');
  assert.ok(linzhou.includes('按时答复') && linzhou.includes(regA), linzhou);
  const deadlineBefore = await wang.textContent('#commission-deadline');
  await wang.fill('#extend-form input[name=reason]', data.extendReason);
  await wang.click('#extend-form button[type=submit]');
  await waitFor(wang, before => document.querySelector('#commission-deadline')?.textContent !== before, deadlineBefore);
  assert.match(await wang.textContent('main'), /延期/);
  // The history says it in Chinese, in the page's own form of dates.
  const extended = await wang.textContent('section[aria-labelledby=history-h] tbody tr:last-child td:nth-child(4)');
  assert.match(extended, /^截止时间由 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d 延至 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d，理由：/);
  assert.ok(extended.endsWith(data.extendReason), extended);
  // A second commission, cancelled by the editor who made it. zhang had the
  // answer form open: the answer sent after the cancellation is refused.
  await wang.goto(URL_BASE + '/review/commissions');
  await wang.waitForSelector('#commission-form');
  await wang.fill('#commission-form input[name=title]', data.cancelled.title);
  await wang.fill('#commission-form textarea[name=brief]', data.cancelled.brief);
  await wang.selectOption('#commission-form select[name=tier]', 'county');
  await wang.click('#commission-form button[type=submit]');
  await wang.waitForSelector('#commission-units');
  const cancelledPath = new URL(wang.url()).pathname;
  await zhang.goto(URL_BASE + '/officer?commission=' + cancelledPath.split('/').pop());
  await zhang.waitForSelector('select[name=commission]');
  assert.equal(await zhang.$eval('select[name=commission]', s => s.selectedOptions[0].textContent), data.cancelled.title);
  await wang.click('#cancel-form button[type=submit]'); // no reason: refused
  await wang.waitForSelector('#cancel-form .form-error:not([hidden])');
  assert.match(await wang.textContent('#cancel-form .form-error'), /理由/);
  await wang.fill('#cancel-form input[name=reason]', data.cancelled.reason);
  await wang.click('#cancel-form button[type=submit]');
  await waitFor(wang, () => document.querySelector('#commission-state')?.textContent.includes('已取消'));
  assert.equal(await wang.$('#cancel-form'), null);
  assert.equal(await wang.$('#extend-form'), null);
  assert.ok((await wang.textContent('main')).includes(data.cancelled.reason), 'the reason is not in the history');
  await zhang.fill('input[name=title]', data.cancelled.answer);
  await zhang.fill('textarea[name=body]', data.cancelled.answer);
  await zhang.click('button[type=submit]');
  await zhang.waitForSelector('.form-error:not([hidden])');
  assert.match(await zhang.textContent('.form-error'), /所选约稿已取消或已结束/);
  assert.equal(await zhang.getAttribute('select[name=commission]', 'aria-invalid'), 'true');
  assert.equal(await zhang.$('#receipt-reg-no'), null);
  await zhang.goto(URL_BASE + '/officer/commissions');
  await zhang.waitForSelector('#commissions table');
  assert.match(await zhang.textContent(`#commissions tbody tr:has-text("${data.cancelled.title}")`), /已取消/);
  assert.equal(await zhang.$(`a[aria-label="答复约稿「${data.cancelled.title}」"]`), null);
  const mineNow = await zhang.evaluate(() => fetch('/api/v1/my/reports?limit=1000').then(r => r.json()));
  assert.ok(!mineNow.cases.some(c => c.title === data.cancelled.answer), 'the refused answer was registered');
  await wang.goto(URL_BASE + noticePath);
  await wang.waitForSelector('#notice-reads');
  // Who read it, by name as entered (not the login li); when, as offices write it.
  assert.match(await wang.textContent('#notice-reads tbody tr:has-text("林州市")'), /已读李信息員\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d$/);
  assert.match(await wang.textContent('#notice-reads tbody tr:has-text("湯陰縣")'), /未读/);

  // ---- the officer reads the critique and sends the report again ----------
  stage('the officer reads the critique and sends the report again');
  await zhang.goto(URL_BASE + '/officer/reports');
  await zhang.waitForSelector('table');
  const zhangList = await zhang.textContent('main');
  assert.ok(zhangList.includes(data.critiqueB) && zhangList.includes('退回修改'));
  assert.ok(!zhangList.includes(data.a.title), 'zhang sees 林州市\'s report');
  await zhang.click(`a:text("${regB}")`);
  await zhang.waitForSelector('.critique');
  assert.ok((await zhang.textContent('.critique')).includes(data.critiqueB));
  await zhang.fill('.resend textarea[name=body]', data.resent);
  await zhang.click('.resend button[type=submit]');
  await zhang.waitForSelector('.resend .receipt');
  assert.match(await zhang.textContent('.resend .receipt'), /已作为新版本登记/);
  assert.equal((await zhang.textContent('.resend #receipt-reg-no')).trim(), regB);
  await wang.goto(URL_BASE + '/review');
  await wang.waitForSelector('#queue table');
  assert.ok((await wang.textContent('#queue')).includes(data.b.title), 'the revised report is not back in the queue');

  // ---- the publisher --------------------------------------------------------
  stage('the publisher');
  const liu = await person('liu');
  assert.equal(new URL(liu.url()).pathname, '/publish');
  await liu.waitForSelector('#pending table');
  // Nothing added yet: the list says in words what to do, and goes once
  // an item is added.
  assert.match(await liu.textContent('#compose-form'), /还没有加入信息。请在「已采用、待编发」中点「添加」/);
  assert.equal(await liu.isVisible('#compose-empty'), true, 'the empty compose list says nothing');
  for (const title of [data.a.title, data.c.title]) await liu.click(`#pending button[aria-label="添加「${title}」"]`);
  assert.equal(await liu.isVisible('#compose-empty'), false, 'the empty list\'s words stay beside its items');
  const order = () => liu.$$eval('#compose li .item-title', items => items.map(i => i.textContent));
  assert.deepEqual(await order(), [data.a.title, data.c.title]);
  // By keyboard: Alt+↑ on the second item.
  await liu.focus('#compose li:nth-child(2)');
  await liu.keyboard.press('Alt+ArrowUp');
  assert.deepEqual(await order(), [data.c.title, data.a.title]);
  // By drag and drop: the second onto the first.
  await liu.dragAndDrop('#compose li:nth-child(2)', '#compose li:nth-child(1)');
  assert.deepEqual(await order(), [data.a.title, data.c.title]);
  await liu.click('#compose-form button[type=submit]');
  await liu.waitForSelector('#issue-name');
  assert.match(await liu.textContent('#issue-name'), /《組工信息》待刊稿/);
  assert.equal(await liu.textContent('#issue-state'), '草稿');
  const draftOrder = () => liu.$$eval('#issue-items li .item-title', items => items.map(i => i.textContent));
  assert.deepEqual(await draftOrder(), [data.a.title, data.c.title]);
  // The draft's order is the server's: moved by keyboard, kept on reload.
  await liu.focus('#issue-items li:nth-child(2)');
  await liu.keyboard.press('Alt+ArrowUp');
  await waitFor(liu, title => document.querySelector('#issue-items li .item-title')?.textContent === title, data.c.title);
  const issuePath = new URL(liu.url()).pathname;
  await liu.reload();
  await liu.waitForSelector('#issue-items li');
  assert.deepEqual(await draftOrder(), [data.c.title, data.a.title]);
  await liu.dragAndDrop('#issue-items li:nth-child(2)', '#issue-items li:nth-child(1)');
  await waitFor(liu, title => document.querySelector('#issue-items li .item-title')?.textContent === title, data.a.title);
  // A section (栏目) for the first item, kept by the server.
  await liu.fill('#issue-items li:nth-child(1) input.section', data.section);
  await liu.press('#issue-items li:nth-child(1) input.section', 'Tab');
  await waitFor(liu, () => document.querySelector('#toast')?.textContent.includes('已保存'));
  // The editor's note (编者按).
  await liu.fill('#issue-edit-form textarea[name=note]', data.note);
  await liu.click('#issue-edit-form button[type=submit]');
  await waitFor(liu, note => document.querySelector('#issue-note')?.textContent === note, data.note);
  // 組工信息 needs a leader's sign-off: publishing now is refused, in Chinese.
  await liu.click('#publish');
  await waitFor(liu, () => document.querySelector('#toast')?.textContent.includes('须经领导签发后才能刊发'));
  assert.equal(await liu.textContent('#issue-state'), '草稿');
  // The draft is finished: the publisher sends it to the leaders (送签);
  // until then their sign-off queue does not list it.
  await liu.waitForSelector('#signoff-ask');
  await new Promise(resolve => setTimeout(resolve, 2500)); // the leader's lists are read every 2 s
  assert.match(await leader.textContent('#signoff-queue'), /没有待签发的刊期/, 'a draft not asked about is in the leaders\' queue');
  await liu.click('#signoff-ask');
  await waitFor(liu, () => document.querySelector('#issue-signoff')?.textContent.includes('已送领导签发'));
  assert.match(await liu.textContent('#issue-signoff'), /^劉編發 已送领导签发 /, 'the request does not name who sent it');
  assert.equal(await liu.$('#signoff-ask'), null, 'the request can be sent twice');

  // ---- the leader signs the draft off from the dashboard ------------------
  stage('the leader signs the draft off from the dashboard');
  // (The sign-off queue is no statistic: it is read every 2 s.)
  await waitFor(leader, () => document.querySelector('#signoff-queue a') !== null, undefined, { timeout: 5000 });
  await leader.click('#signoff-queue a');
  await leader.waitForSelector('#signoff');
  assert.deepEqual(await leader.$$eval('#issue-items li .item-title', items => items.map(i => i.textContent)), [data.a.title, data.c.title]);
  await leader.click('#signoff');
  await waitFor(leader, () => document.querySelector('#issue-signoff')?.textContent.includes('已签发'));
  assert.equal(await leader.textContent('#issue-signoff'), '趙領導 已签发', 'the sign-off does not name the leader by name');
  await leader.goto(URL_BASE + '/leader');
  await leader.waitForSelector('#today .submitted');
  assert.match(await leader.textContent('#signoff-queue'), /没有待签发的刊期/);

  // ---- the publisher publishes ------------------------------------------------
  stage('the publisher publishes');
  await liu.goto(URL_BASE + issuePath);
  await liu.waitForSelector('#publish');
  assert.match(await liu.textContent('#issue-signoff'), /已签发/);
  await liu.click('#publish');
  await waitFor(liu, () => document.querySelector('#issue-state')?.textContent === '已刊发');
  assert.match(await liu.textContent('#issue-name'), /《組工信息》\d{4}年第1期（总第1期）/);
  assert.deepEqual(await liu.$$eval('#issue-items .item-title', items => items.map(i => i.textContent)), [data.a.title, data.c.title]);
  await liveShows(leader, '#ranking .published[data-unit="林州市"]', 1, 'the publication');
  // Units are ranked within their tier: the two counties apart from the city.
  assert.match(await leader.textContent('#ranking .tier[data-tier=county]'), /^县（区）.*林州市.*湯陰縣|^县（区）.*湯陰縣.*林州市/);
  assert.ok(!(await leader.textContent('#ranking .tier[data-tier=county]')).includes('安陽市'));
  assert.equal(await liu.textContent('#issue-items li:nth-child(1) .section-name'), data.section);
  // The PDF preview: the issue as a PDF, rendered by publication.
  const pdf = await liu.evaluate(href => fetch(href).then(async r => [r.status, r.headers.get('content-type'),
    new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5))]), await liu.getAttribute('#issue-pdf', 'href'));
  assert.deepEqual(pdf, [200, 'application/pdf', '%PDF-']);

  // ---- forwarded upward: the province's own system decides ----------------
  stage('forwarded upward: the province decides');
  const upward = await upwardStage({ liu, li, zhang, leader, data, regA, regC });
  dataStrings.push(upward.upperIssue);

  // An outside outlet adopts A too and a leader comments on it: li, on A's
  // page, sees both arrive without reloading, and answers with the follow-up.
  stage('an outside outlet and a leader\'s comment');
  await liu.selectOption('#adoption-form select[name=report_id]', { label: data.a.title });
  await liu.fill('#adoption-form input[name=outlet]', data.outlet);
  await liu.fill('#adoption-form input[name=outlet_issue]', data.outletIssue);
  await liu.click('#adoption-form button[type=submit]');
  await waitFor(liu, outlet => document.querySelector('#adoptions')?.textContent.includes(outlet), data.outlet);
  await liveShows(leader, '#by-level [data-level=province]', 2, 'the outlet\'s adoption');
  await liu.selectOption('#instruct-form select[name=report_id]', { label: data.a.title });
  await liu.selectOption('#instruct-form select[name=level]', 'city');
  await liu.fill('#instruct-form input[name=leader]', data.leaderName);
  await liu.fill('#instruct-form textarea[name=text]', data.comment);
  await liu.click('#instruct-form button[type=submit]');
  await waitFor(liu, text => document.querySelector('#comments')?.textContent.includes(text), data.comment);
  await waitFor(leader, text => document.querySelector('#leader-comments')?.textContent.includes(text), data.comment, { timeout: 5000 });
  await waitFor(li, ([outlet, comment]) => document.querySelector('.upward')?.textContent.includes(outlet)
    && document.querySelector('.instructions')?.textContent.includes(comment), [data.outlet, data.comment], { timeout: 10000 });
  assert.match(await li.textContent('.upward'), /省/);
  // li answers the city's comment (the province's is on A too).
  const cityComment = li.locator('.instruction', { has: li.locator('blockquote', { hasText: data.comment }) });
  await cityComment.locator('textarea[name=text]').fill(data.followUp);
  await cityComment.locator('button[type=submit]').click();
  await waitFor(li, text => [...document.querySelectorAll('.instruction')].some(i => i.querySelector('blockquote')?.textContent === text
    && /已于 .* 反馈落实情况/.test(i.textContent)), data.comment);
  await liu.reload();
  await liu.waitForSelector('#comments');
  assert.ok((await liu.textContent('#comments')).includes(data.followUp));
  // Another unit's officer sees none of it.
  const idA = await li.evaluate(reg => fetch('/api/v1/reports/' + reg).then(r => r.json()).then(j => j.report.report_id), regA);
  const zhangSees = await zhang.evaluate(id => Promise.all([fetch('/api/v1/my/upward?report_id=' + id).then(r => r.status),
    fetch('/api/v1/publication/instructions?report_id=' + id).then(r => r.json())]), idA);
  assert.equal(zhangSees[0], 404);
  assert.deepEqual(zhangSees[1].instructions, []);

  // ---- a mail from an unknown sender: held, the editor assigns it ---------
  stage('held mail');
  const subject = '=?UTF-8?B?' + Buffer.from(data.mailed.title).toString('base64') + '?=';
  const held = await lmtp(process.env.BAOSONG_MAIL_LMTP, `From: stranger@example.org\nTo: reports@example.org\n` +
    `Subject: ${subject}\nMessage-ID: <held-1@example.org>\nMIME-Version: 1.0\n` +
    `Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n` + Buffer.from(data.mailed.body).toString('latin1'));
  assert.match(held, /held for staff to assign/);
  await wang.goto(URL_BASE + '/review/held');
  await wang.waitForSelector('main table');
  assert.ok((await wang.textContent('main table')).includes(data.mailed.title));
  // Why it is held, in Chinese (the service's English reason is no text for a person).
  assert.equal(await wang.textContent('main tbody td:nth-child(5)'), '发件人地址没有登记在任何信息员名下');
  await wang.selectOption(`select[aria-label="「${data.mailed.title}」的报送单位"]`, '湯陰縣');
  await wang.click('main table button[type=submit]');
  await waitFor(wang, () => document.querySelector('#toast')?.textContent.includes('已登记，登记号'));
  await waitFor(wang, () => document.querySelector('main')?.textContent.includes('没有待分配的邮件'));
  await wang.goto(URL_BASE + '/review');
  await wang.waitForSelector('#queue table');
  assert.ok((await wang.textContent('#queue')).includes(data.mailed.title), 'the assigned mail is not in the queue');
  // Declined by the editor; the leader reverts it with a reason, back to the queue.
  await wang.goto(URL_BASE + (await wang.getAttribute(`#queue tr:has-text("${data.mailed.title}") a`, 'href')));
  await wang.click('#claim');
  await wang.waitForSelector('#decide-form');
  await wang.check('#decide-form input[value=decline]');
  await wang.fill('#decide-form textarea[name=critique]', data.declined);
  await wang.click('#decide-form button[type=submit]');
  await waitFor(wang, () => document.querySelector('#case-state')?.textContent.includes('未采用'));
  const mailedCase = new URL(wang.url()).pathname;
  await leader.goto(URL_BASE + mailedCase);
  await leader.waitForSelector('#revert-form');
  await leader.fill('#revert-form textarea[name=reason]', data.revertReason);
  await leader.click('#revert-form button[type=submit]');
  await waitFor(leader, () => document.querySelector('#case-state')?.textContent.includes('待审核'));
  assert.ok((await leader.textContent('section[aria-labelledby=audit-h]')).includes(`撤销「不采用」的决定，理由：${data.revertReason}`),
    'the revert and its reason are not in the audit trail');
  await leader.goto(URL_BASE + '/leader');
  await leader.waitForSelector('#today .submitted');

  // ---- scores and bulletins ---------------------------------------------------
  stage('scores and bulletins');
  const assessment = await assessmentStage({ wang, leader });
  dataStrings.push(assessment.title, assessment.quarterTitle);
  await leader.goto(URL_BASE + '/leader');
  await leader.waitForSelector('#today .submitted');

  // ---- the admin --------------------------------------------------------------
  stage('the admin');
  const admin = await person('admin');
  assert.equal(new URL(admin.url()).pathname, '/admin');
  await admin.fill('#unit-form input[name=name]', '殷都區');
  await admin.selectOption('#unit-form select[name=parent]', '安陽市');
  await admin.click('#unit-form button[type=submit]');
  await waitFor(admin, () => document.querySelector('#unit-tree')?.textContent.includes('殷都區'));
  await admin.goto(URL_BASE + '/admin/officers');
  await admin.waitForSelector('#officer-form');
  await admin.fill('#officer-form input[name=login]', 'sun');
  await admin.fill('#officer-form input[name=name]', '孫信息員');
  await admin.selectOption('#officer-form select[name=unit]', '殷都區');
  // The password's rule in characters, as a person counts them (not
  // bytes): too short a one, seven Chinese characters among them, is
  // refused in Chinese, the field marked.
  assert.match(await admin.textContent('#officer-form .field:has(input[name=password]) .hint'), /至少 8 个字符/);
  for (const short of ['short', '七個漢字的密碼']) {
    await admin.fill('#officer-form input[name=password]', short);
    await admin.click('#officer-form button[type=submit]');
    await admin.waitForSelector('#officer-form .form-error:not([hidden])');
    assert.match(await admin.textContent('#officer-form .form-error'), /密码太短：至少要 8 个字符/, `the password ${short}`);
    assert.equal(await admin.getAttribute('#officer-form input[name=password]', 'aria-invalid'), 'true');
  }
  await admin.fill('#officer-form input[name=password]', PASSWORD);
  await admin.click('#officer-form button[type=submit]');
  await waitFor(admin, () => document.querySelector('main table')?.textContent.includes('孫信息員'));
  // People have names (姓名), not 名称; the list stands apart from the form below it.
  assert.equal(await admin.textContent('main thead th:nth-child(2)'), '姓名');
  const [listEnd, formTop] = await admin.evaluate(() => [document.querySelector('main table').getBoundingClientRect().bottom,
    document.getElementById('officer-form').getBoundingClientRect().top]);
  assert.ok(formTop - listEnd >= 10, `the officers' list touches the form below it (${formTop - listEnd} px apart)`);
  const sun = await person('sun');
  assert.equal(await h1(sun), '报送信息');
  assert.ok((await sun.textContent('#who')).includes('孫信息員'));
  await admin.goto(URL_BASE + '/admin/status');
  await admin.waitForSelector('main table');
  assert.equal((await admin.textContent('main table')).match(/运行中/g).length, 6);
  // Each service named in Chinese, not by its program's name.
  assert.deepEqual(await admin.$$eval('main tbody tr', rows => rows.map(row => row.cells[0].textContent)),
    ['网关', '接收', '审核', '编发', '统计', '邮件']);
  await admin.click('a[href="/admin/periodicals"]');
  await admin.waitForSelector('#periodicals table');
  assert.match(await admin.textContent('#periodicals tbody tr'), /組工信息.*ZGXX.*市.*是.*是/);
  assert.match(await admin.textContent('#scoring'), /时效性/);
  // The scoring rules: the built-in ones say what they are in Chinese; a
  // file with a bad line is refused in Chinese (not the service's English
  // message), its line named and selected, what is wrong there said; a good one becomes version 1,
  // which the leader's scores name at once.
  await admin.click('a[href="/admin/rules"]');
  await admin.waitForSelector('#rules-form');
  assert.match(await admin.textContent('#rules-version'), /第0版/);
  assert.match(await admin.inputValue('#rules-form textarea[name=text]'), /^; 系统默认的考核办法（第0版）/);
  await admin.fill('#rules-form textarea[name=text]', data.rules.replace('adopted = 2', 'adopted = two'));
  await admin.click('#rules-form button[type=submit]');
  await admin.waitForSelector('#rules-form .form-error:not([hidden])');
  const refusal = await admin.textContent('#rules-form .form-error');
  assert.equal(refusal, '第 4 行有误，未载入，在用的考核办法不变：值须是 0 或以上的整数。');
  assert.doesNotMatch(refusal.replace(/\[[a-z_]+\]/g, ''), /[A-Za-z]{4}/, refusal); // no English but the file's own [section] names
  assert.equal(await admin.getAttribute('#rules-form textarea[name=text]', 'aria-invalid'), 'true');
  assert.equal(await admin.$eval('#rules-form textarea[name=text]', area => area.value.slice(area.selectionStart, area.selectionEnd)), 'adopted = two');
  assert.match(await admin.textContent('#rules-version'), /第0版/);
  await admin.fill('#rules-form textarea[name=text]', data.rules);
  await admin.click('#rules-form button[type=submit]');
  await waitFor(admin, () => document.querySelector('#rules-version')?.textContent === '第1版');
  assert.equal(await admin.textContent('#rules-name'), data.rulesName);
  await leader.goto(URL_BASE + '/leader/scores');
  await leader.waitForSelector('#scores-rules');
  assert.ok((await leader.textContent('#scores-rules')).includes(`${data.rulesName}（第1版）`), await leader.textContent('#scores-rules'));
  await leader.goto(URL_BASE + '/leader');
  await leader.waitForSelector('#today .submitted');

  // ---- 404, and an expired session returns to the login and back ----------
  stage('404, and an expired session returns to the login and back');
  // The assessment is no officer's: the pages answer 403, and so does the API.
  await li.goto(URL_BASE + '/leader/bulletins');
  await li.waitForSelector('main h1');
  assert.equal(await h1(li), '无权访问');
  assert.deepEqual(await li.evaluate(() => Promise.all(['/api/v1/statistics/bulletins', '/api/v1/statistics/scores?period=2026',
    '/api/v1/statistics/bulletin_file?bulletin_id=1&format=csv', '/api/v1/statistics/rules'].map(u => fetch(u).then(r => r.status)))),
  [403, 403, 403, 403]);
  const missing = await li.goto(URL_BASE + '/no/such/page');
  assert.equal(missing.status(), 404);
  await li.waitForSelector('main h1');
  assert.equal(await h1(li), '找不到此页');
  // A report written while the session expired: sending it goes to the
  // login page, and back to the form with the report as it was typed.
  await li.goto(URL_BASE + '/officer');
  await li.waitForSelector('input[name=title]');
  await li.fill('input[name=title]', data.keyboard.title);
  await li.fill('textarea[name=body]', data.keyboard.body);
  await li.context().clearCookies();
  await li.click('main button[type=submit]');
  await li.waitForURL(/\/login\?next=%2Fofficer/);
  await li.fill('input[name=login]', 'li');
  await li.fill('input[name=password]', PASSWORD);
  await li.click('button[type=submit]');
  await waitFor(li, () => document.querySelector('main')?.dataset.drawn === '/officer');
  assert.equal(await li.inputValue('input[name=title]'), data.keyboard.title, 'the report typed when the session expired is lost');
  assert.equal(await li.inputValue('textarea[name=body]'), data.keyboard.body);
  await li.fill('input[name=title]', '');
  await li.fill('textarea[name=body]', '');
  await li.goto(URL_BASE + '/officer/reports');
  await li.waitForSelector('table');
  await li.context().clearCookies();
  await li.click(`a:text("${regA}")`);
  await li.waitForURL(/\/login\?next=/);
  await li.fill('input[name=login]', 'li');
  await li.fill('input[name=password]', PASSWORD);
  await li.click('button[type=submit]');
  await li.waitForURL(u => u.pathname === '/officer/reports/' + regA);
  await li.waitForSelector('.critique');
  assert.ok((await li.textContent('.critique')).includes(data.critiqueA));
  // A file that cannot be given, opened in a tab (an attachment, an
  // issue's PDF preview): a page in Chinese, never the API's JSON; in
  // the script the person chose.
  const attachmentHref = await li.getAttribute('.attachments a', 'href');
  assert.equal(await li.getAttribute('.attachments a', 'target'), '_blank', 'the attachment does not open in a tab of its own');
  for (const [page, where, status, why] of [[li, attachmentHref.replace(/\/0$/, '/7'), 404, '找不到这个文件'],
    [liu, '/api/v1/issues/999/document?format=pdf', 404, '找不到这个文件'], [li, '/api/v1/issues/1/document?format=pdf', 403, '您无权查看这个文件']]) {
    const tab = await page.context().newPage();
    const answer = await tab.goto(URL_BASE + where);
    assert.equal(answer.status(), status, where);
    assert.match(answer.headers()['content-type'], /^text\/html/, `${where} in a tab: ${answer.headers()['content-type']}`);
    assert.equal(await tab.textContent('h1'), '无法打开', where);
    assert.ok((await tab.textContent('body')).includes(why), `${where} in a tab: ${await tab.textContent('body')}`);
    assert.ok(!/[{}"]/.test(await tab.textContent('body')), `${where}: raw JSON in the tab`);
    await tab.close();
  }
  // With the session expired, the attachment goes to the login page and,
  // once li has logged in, is saved; the tab shows li's main page.
  {
    const tab = await li.context().newPage();
    await li.context().clearCookies();
    await tab.goto(URL_BASE + attachmentHref);
    await tab.waitForURL(/\/login\?next=%2Fapi%2Fv1%2Freports%2F/);
    await tab.fill('input[name=login]', 'li');
    await tab.fill('input[name=password]', PASSWORD);
    const [saved] = await Promise.all([tab.waitForEvent('download'), tab.click('button[type=submit]')]);
    assert.equal(saved.suggestedFilename(), data.attachment);
    await waitFor(tab, () => document.querySelector('main')?.dataset.drawn === '/officer');
    await tab.close();
    // li's first tab read its report's news meanwhile (every few seconds):
    // a read while no session was in the browser sent it to the login
    // page. Back to the report, as li would go.
    await li.goto(URL_BASE + '/officer/reports/' + regA);
    await li.waitForSelector('.critique');
  }

  // ---- screenshots ------------------------------------------------------------
  stage('screenshots');
  await screenshot(li, 'officer-report-1366');
  await wang.goto(URL_BASE + '/review'); await wang.waitForSelector('#queue');
  await screenshot(wang, 'editor-queue-1366');
  await liu.goto(URL_BASE + '/publish'); await liu.waitForSelector('#pending');
  await screenshot(liu, 'publisher-compose-1366');
  await leader.goto(URL_BASE + '/leader'); await leader.waitForSelector('#today .submitted');
  // The months of the chart named as an office names them (1月, not 2026-01).
  await leader.waitForSelector('#chart-months text.label');
  const monthLabels = await leader.$$eval('#chart-months text.label', labels => labels.map(l => l.textContent));
  assert.deepEqual(monthLabels, Array.from({ length: new Date().getMonth() + 1 }, (_, i) => `${i + 1}月`), 'the chart\'s months');
  await screenshot(leader, 'leader-dashboard-1366');
  await leader.goto(URL_BASE + '/leader/scores'); await leader.waitForSelector('#score-ranking');
  await screenshot(leader, 'leader-scores-1366');
  await admin.goto(URL_BASE + '/admin'); await admin.waitForSelector('#unit-tree');
  await screenshot(admin, 'admin-units-1366');
  const phone = await person('li', { width: 390, height: 844 });
  await screenshot(phone, 'officer-send-390');
  await assertFits(phone, '/officer');
  for (const [where, ready, name] of [['/officer/reports', 'table', 'reports'], ['/officer/reports/' + regA, '.critique', 'report'],
    ['/officer/commissions', '#commissions table', 'commissions'], ['/officer/notices', '.notice', 'notices']]) {
    await phone.goto(URL_BASE + where); await phone.waitForSelector(ready);
    await screenshot(phone, `officer-${name}-390`);
    await assertFits(phone, where);
    // A table on a phone is a card per row, each cell a line under its
    // label: no line of a label with nothing after it.
    assert.deepEqual(await phone.$$eval('td', cells => cells.filter(td => td.checkVisibility() && !td.textContent.trim()
      && !td.querySelector('input, select, button, img, svg')).map(td => td.dataset.label)), [], `${where}: a label with nothing after it on a phone`);
  }

  // ---- by the keyboard alone, on the phone ----------------------------------
  stage('by the keyboard alone');
  // li sends a report with no pointer: every control reached by Tab shows
  // its focus; Enter sends, and Enter on the receipt's link opens the report.
  await phone.goto(URL_BASE + '/officer');
  await phone.waitForSelector('input[name=title]');
  await tabTo(phone, 'input[name=title]');
  await phone.keyboard.type(data.keyboard.title);
  await tabTo(phone, 'textarea[name=body]');
  await phone.keyboard.type(data.keyboard.body);
  await tabTo(phone, 'input[name=urgent]');
  await phone.keyboard.press('Space');
  assert.equal(await phone.isChecked('input[name=urgent]'), true);
  // The attachment button is reached by Tab too, and shows the focus.
  await tabTo(phone, 'input[name=attachments]');
  assert.notEqual(await phone.$eval('label.button[for=report-attachments]', label => getComputedStyle(label).outlineStyle), 'none',
    'the attachment button shows no focus');
  await tabTo(phone, 'button[type=submit]');
  await phone.keyboard.press('Enter');
  await phone.waitForSelector('#receipt-reg-no');
  const regK = (await phone.textContent('#receipt-reg-no')).trim();
  await tabTo(phone, '#receipt-reg-no', 60);
  await phone.keyboard.press('Enter');
  await phone.waitForURL(u => u.pathname === '/officer/reports/' + regK);
  await phone.waitForSelector('#report-state');
  assert.equal(await phone.textContent('.report-title'), data.keyboard.title);
  await assertFits(phone, '/officer/reports/' + regK);

  // ---- every interface string switches script, on every page -----------------
  stage('every interface string switches script, on every page');
  // Strings written alike in both scripts (修改 {login}) need not change.
  const escape = text => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  const alike = Object.keys(hans).filter(k => hans[k] === hant[k])
    .map(k => new RegExp('^' + escape(hans[k]).replace(/\\?\{\w+\\?\}/g, '.+') + '$'));
  const sameInBoth = { has: text => alike.some(pattern => pattern.test(text)) };
  assert.deepEqual(Object.keys(hans).sort(), Object.keys(hant).sort(), 'the dictionaries differ in keys');
  const cjk = /[\u3400-\u9fff]/;
  const isData = text => dataStrings.some(d => d.includes(text) || text.includes(d)) || /^\d{4}-\d{6}$/.test(text);
  const strings = page => page.evaluate(() => {
    const out = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === Node.TEXT_NODE) {
        if (node.parentElement.closest('noscript, script, style')) continue;
        let text = node.textContent.trim();
        // A countdown ticks while the page is walked: its digits are no string.
        if (node.parentElement.closest('.countdown')) text = text.replace(/\d/g, '0');
        if (text) out.push(text);
      } else for (const name of ['aria-label', 'placeholder', 'title', 'data-label'])
        if (node.hasAttribute(name)) out.push(node.getAttribute(name));
    }
    return out;
  });
  const walk = [
    [li, ['/officer', '/officer/reports', '/officer/reports/' + regA, '/officer/commissions', '/officer/notices', '/review', '/no/such/page']],
    [zhang, ['/officer', '/officer/reports', '/officer/reports/' + regB, '/officer/reports/' + regD, '/officer/commissions', '/officer/notices']],
    [wang, ['/review', '/review/case/1', '/review/topics', '/review/synthesis', '/review/held',
      '/review/commissions', commissionPath, cancelledPath, '/review/notices', noticePath, '/leader/bulletins']],
    [liu, ['/publish', '/publish/issues/1']],
    [leader, ['/leader', ...assessment.paths]],
    [admin, ['/admin', '/admin/officers', '/admin/tokens', '/admin/periodicals', '/admin/rules', '/admin/status']],
  ];
  // What each officer must never see: the other unit's reports.
  const otherUnit = new Map([[li, [data.b.title, data.c.title, data.mistake.title, data.mailed.title, regB, regC, regD]],
    [zhang, [data.a.title, regA, data.attachment, data.outlet, data.comment, data.upper.comment, data.keyboard.title]]]);
  // Every control has a label (its own <label>, aria-label or aria-labelledby).
  const unlabelled = page => page.evaluate(() => [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea, main button')]
    .filter(el => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim())))
    .map(el => el.outerHTML.slice(0, 80)));
  const logins = ['li', 'zhang', 'wang', 'liu', 'zhao', 'sun', 'zhou'];
  let walked = 0;
  for (const [page, paths] of walk) {
    for (const where of paths) {
      // Within the console, as a click on a link does (no reload).
      await page.evaluate(to => { history.pushState(null, '', to); dispatchEvent(new PopStateEvent('popstate')); }, where);
      await waitFor(page, path => document.querySelector('main')?.dataset.drawn === path, where);
      // A live page's feed opens after the page is drawn (and sooner drawn
      // from one answer, api.js carryFirstReads): walked once it is live, so
      // the walk compares the page with itself, not two moments of its feed.
      await waitFor(page, () => !document.getElementById('feed-state') || document.getElementById('feed-state').classList.contains('ok'), `${where}: its live feed`);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-Hans', `${where} is not Simplified by default`);
      const before = await strings(page);
      assert.deepEqual(await unlabelled(page), [], `${where}: controls without a label`);
      assert.deepEqual(await page.evaluate(lowContrast), [], `${where}: text below the WCAG AA contrast`);
      // A program's value never reaches the page as text.
      const leaked = before.filter(text => /\[object \w+\]|\bundefined\b|\bnull\b|\bNaN\b/.test(text));
      assert.deepEqual(leaked, [], `${where}: a program value shown as text`);
      // People by their names as entered, never by their logins (but on
      // the admin's list of people, which says both).
      if (where !== '/admin/officers')
        assert.deepEqual(before.filter(text => logins.includes(text) || /[（(](li|zhang|wang|liu|zhao) /.test(text)), [], `${where}: a person shown by their login`);
      // Dates as the offices write them (2026年12月5日), not 2026-12-05.
      assert.deepEqual(before.filter(text => /\d{4}-\d\d-\d\d|\d\d\/\d\d\/\d{4}/.test(text)), [], `${where}: a date in a machine's form`);
      // No control of the browser's own words (mm/dd/yyyy, Choose File):
      // no date or time picker, no file input in sight.
      assert.deepEqual(await page.$$eval('main input', inputs => inputs.filter(i => /^(date|datetime-local|time|month|week)$/.test(i.type)
        || (i.type === 'file' && i.checkVisibility() && i.getBoundingClientRect().width > 1)).map(i => `${i.name}: ${i.type}`)), [],
      `${where}: a control that speaks the browser's language`);
      for (const text of otherUnit.get(page) || [])
        assert.ok(!before.some(shown => shown.includes(text)), `${where}: an officer sees another unit's ${text}`);
      await page.click('#script-switch');
      await waitFor(page, () => document.documentElement.lang === 'zh-Hant', `${where} in Traditional`);
      const after = await strings(page);
      assert.equal(after.length, before.length, `${where}: the page changed while switching`);
      before.forEach((text, i) => {
        if (text !== after[i] || !cjk.test(text) || sameInBoth.has(text) || isData(text)) return;
        assert.fail(`${where}: "${text}" did not switch to Traditional`);
      });
      assert.ok(before.some((text, i) => text !== after[i]), `${where}: nothing switched`);
      await page.click('#script-switch'); // back to Simplified, one click
      await waitFor(page, () => document.documentElement.lang === 'zh-Hans', `${where} back in Simplified`);
      assert.deepEqual(await strings(page), before, `${where}: switching back did not restore the page`);
      walked++;
    }
  }
  console.log(`script switch: ${walked} pages in both scripts`);

  // ---- each role's main page comes with its data ---------------------------
  stage("each role's main page comes with its data");
  await firstPageStage([
    [li, '/officer', ['/api/v1/commissions?open=true'], '报送信息', /林州市/],
    [wang, '/review', ['/api/v1/review/queue?limit=1000', '/api/v1/people'], '待审队列', /wang|王編輯/],
    [liu, '/publish', ['/api/v1/publication/periodicals', '/api/v1/publication/pending?limit=1000',
      '/api/v1/publication/issues?limit=1000', '/api/v1/people'], '组稿', /liu|劉編發/],
    [admin, '/admin', ['/api/v1/units?limit=1000'], '单位', /admin|管理員/],
    [leader, '/leader', leaderReads(), '工作动态', /zhao|趙領導/],
  ]);
  await writtenLoginStage();
  await writtenPagesStage([
    [li, '/officer', '报送信息', 'main', async bare => {
      assert.equal(await bare.textContent('label[for=report-title]'), '标题');
      assert.equal(await bare.textContent('#report-kind option[value=urgent]'), '紧急重要信息');
      assert.equal(await bare.isDisabled('main button[type=submit]'), true, 'the button works before the script takes the form');
      // The send form fits an office screen (its first frame no taller
      // than it), every control labelled; the report's text grows as it
      // is typed; on a phone nothing is wider than the screen.
      const bottom = await bare.evaluate(() => document.querySelector('main').getBoundingClientRect().bottom);
      assert.ok(bottom <= 768, `the send form is taller than a 1366x768 screen: it ends at ${bottom} px`);
      assert.deepEqual(await bare.$$eval('main form input, main form select, main form textarea',
        controls => controls.filter(c => !c.labels?.length).map(c => c.name)), [], 'controls without a label');
      const typing = async lines => { await bare.fill('#report-body', '一行\n'.repeat(lines)); return (await bare.locator('#report-body').boundingBox()).height; };
      const [empty, long] = [await typing(1), await typing(16)];
      assert.ok(long > empty + 150, `the report's text does not grow as it is typed: ${empty} px, then ${long} px`);
      await bare.setViewportSize({ width: 390, height: 844 });
      assert.ok(await bare.evaluate(() => document.scrollingElement.scrollWidth) <= 390, 'the send form is wider than a phone');
    }],
    // The pages whose lists the script draws below the first view the
    // gateway writes (heading and tabs): the editor's queue, the compose
    // page, the unit tree.
    [wang, '/review', '待审队列', 'main nav.tabs', async bare => {
      assert.equal(await bare.textContent('main nav.tabs a[aria-current=page]'), '待审队列');
      assert.equal(await bare.$$eval('main nav.tabs a', links => links.length), 6);
    }],
    [liu, '/publish', '组稿', 'main nav.tabs', async bare => {
      assert.match(await bare.textContent('main p.hint'), /建立刊期/);
    }],
    [admin, '/admin', '单位', 'main nav.tabs', async bare => {
      assert.equal(await bare.textContent('main nav.tabs a[href="/admin/rules"]'), '考核办法');
    }],
    [leader, '/leader', '工作动态', 'main .figures', async bare => {
      for (const figure of ['#today .submitted', '#month .adopted', '#year .submitted'])
        assert.match(await bare.textContent(figure), /^\d+$/, `${figure} is not written`);
      assert.ok(Number(await bare.textContent('#year .submitted')) > 0, 'the year\'s reports are not counted');
    }],
  ]);
  // The send page written for an editor (who may read the commissions): the
  // 403 page takes its place.
  await wang.goto(URL_BASE + '/officer');
  await waitFor(wang, () => document.querySelector('main')?.dataset.drawn === '/officer');
  assert.equal(await h1(wang), '无权访问');
  assert.equal(await wang.$('main form'), null, 'the send form stays under the 403 page');
  await rolesStage(li);
  assert.deepEqual(pageErrors, [], 'script errors in the pages');
  stage('end');
  console.log(`console day: every step passed in ${Date.now() - started} ms`);
} finally {
  await browser.close();
}
