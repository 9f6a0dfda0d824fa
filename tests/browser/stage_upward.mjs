// Forwarding upward (上报) against a real level above, run by
// console_day.mjs once the city's issue is published: run.sh started the
// province's own installation (UPPER_URL), which gave the city's system a
// token. The city's publisher forwards the issue; its two items reach the
// province's queue as direct reports from 安陽市; the province's editor
// adopts A into 河南組工信息 and declines C, then publishes A in an issue.
// Back at the city, with no reload: the publisher's issue page shows each
// item's forwarding state and the province's adoption, the leader's
// dashboard counts the adoption by the province, the officer of 林州市
// sees A adopted above (and in which issue) and the officer of 湯陰縣 sees
// C not adopted. A leader of the province comments on A: the comment
// reaches A's page at 林州市 and the city's issue page, with no reload.
import assert from 'node:assert/strict';
import { URL_BASE, person, waitFor } from './support.mjs';

const UPPER_URL = process.env.UPPER_URL;
const ACROSS_MS = 20000; // across two systems: a send, a poll, a decision, a poll

// In the page: the text of the element at selector or, with row, of its
// table row whose first cell is row, when it contains every one of texts
// ('' otherwise).
function textWith([selector, row, texts]) {
  const at = document.querySelector(selector);
  const text = !at || !row ? at?.textContent || ''
    : [...at.querySelectorAll('tbody tr')].find(tr => tr.cells[0]?.textContent === row)?.textContent || '';
  return texts.every(t => text.includes(t)) ? text || ' ' : '';
}

// Wait until that text contains every one of wanted.
async function shows(page, [selector, row], wanted, what) {
  try {
    await waitFor(page, textWith, [selector, row, wanted], { timeout: ACROSS_MS, polling: 100 });
  } catch {
    assert.fail(`${what}: ${selector} ${row || ''} shows "${await page.evaluate(textWith, [selector, row, []])}", not ${JSON.stringify(wanted)}`);
  }
}

// The province's editor decides on the forwarded report titled title.
async function decide(zhou, title, decision, critique) {
  await zhou.goto(UPPER_URL + '/review');
  await zhou.waitForSelector('#queue table');
  await zhou.goto(UPPER_URL + (await zhou.getAttribute(`#queue tr:has-text("${title}") a`, 'href')));
  await zhou.waitForSelector('#claim');
  assert.match(await zhou.textContent('main'), /安陽市/); // the city's unit, as the province registered it
  await zhou.click('#claim');
  await zhou.waitForSelector('#decide-form');
  await zhou.check(`#decide-form input[value=${decision}]`);
  await zhou.fill('#decide-form textarea[name=critique]', critique);
  await zhou.click('#decide-form button[type=submit]');
  await waitFor(zhou, want => document.querySelector('#case-state')?.textContent.includes(want),
    decision === 'adopt' ? '已采用' : '未采用');
}

export async function upwardStage({ liu, li, zhang, leader, data, regA, regC }) {
  assert.ok(UPPER_URL, 'UPPER_URL (the province\'s gateway) is needed');
  await li.goto(URL_BASE + '/officer/reports/' + regA);
  await li.waitForSelector('.critique');
  assert.equal(await li.$('.upward'), null, 'A shows news from above before it was forwarded');
  await zhang.goto(URL_BASE + '/officer/reports/' + regC);
  await zhang.waitForSelector('.critique');

  // The city forwards its published issue: both items reach the province.
  await liu.click('#forward');
  await waitFor(liu, () => document.querySelector('#toast')?.textContent.includes('已上报 2 篇'));
  await shows(liu, ['#forwards', data.a.title], ['省', '上级已接收'], 'A forwarded');
  await shows(liu, ['#forwards', data.c.title], ['省', '上级已接收'], 'C forwarded');
  assert.match(await liu.evaluate(textWith, ['#forwards', data.a.title, []]), /\d{4}-\d{6}/, 'no registration number from above');

  // The province's editor, in the province's console.
  const zhou = await person('zhou', undefined, undefined, UPPER_URL);
  assert.equal(new URL(zhou.url()).pathname, '/review');
  // (The queue is read again every 5 s: the province's review takes the
  // reports from its intake's stream.)
  await shows(zhou, ['#queue'], [data.a.title, data.c.title, '安陽市'], 'the province\'s queue');
  await decide(zhou, data.a.title, 'adopt', data.upper.critiqueA);
  await decide(zhou, data.c.title, 'decline', data.upper.critiqueC);

  // Back at the city: each decision arrives without a reload.
  await shows(liu, ['#forwards', data.a.title], ['上级已采用'], 'A adopted above');
  await shows(liu, ['#forwards', data.c.title], ['上级未采用'], 'C declined above');
  await shows(liu, ['#adoptions', data.a.title], [data.upper.periodical, '省'], 'the adoption on the issue page');
  await shows(leader, ['#by-level [data-level=province]'], ['1'], 'the dashboard\'s adoption by the province');
  await shows(li, ['.upward'], ['上级已采用', data.upper.periodical], 'A on 林州市\'s page');
  await shows(zhang, ['.upward'], ['上级未采用'], 'C on 湯陰縣\'s page');
  assert.ok(!(await zhang.textContent('.upward')).includes(data.upper.periodical), 'C shows an adoption');

  // The province publishes A: the city's officer sees in which issue.
  await zhou.goto(UPPER_URL + '/publish');
  await zhou.waitForSelector('#pending table');
  await zhou.click(`#pending button[aria-label="添加「${data.a.title}」"]`);
  await zhou.click('#compose-form button[type=submit]');
  await zhou.waitForSelector('#publish');
  await zhou.click('#publish');
  await waitFor(zhou, () => document.querySelector('#issue-state')?.textContent === '已刊发');
  const upperIssue = (await zhou.textContent('#issue-name')).match(/\d{4}年第\d+期/)[0];
  await shows(li, ['.upward'], [upperIssue], 'the province\'s issue on 林州市\'s page');

  // A leader of the province comments on A (领导批示) in the province's
  // console: the comment comes down to the city, onto A, with no reload.
  await zhou.waitForSelector('#instruct-form');
  await zhou.selectOption('#instruct-form select[name=report_id]', { label: data.a.title });
  assert.equal(await zhou.inputValue('#instruct-form select[name=level]'), 'province');
  await zhou.fill('#instruct-form input[name=leader]', data.upper.leader);
  await zhou.fill('#instruct-form textarea[name=text]', data.upper.comment);
  await zhou.click('#instruct-form button[type=submit]');
  await shows(zhou, ['#comments', data.a.title], [data.upper.leader, data.upper.comment], 'the comment at the province');
  // 林州市's officer: the comment under 领导批示, by whom and at which
  // level, and the follow-up it asks for (10 days, the default).
  await shows(li, ['.instructions'], ['领导批示', data.upper.comment], 'the province\'s comment on 林州市\'s page');
  const shown = await li.evaluate(text => {
    const at = [...document.querySelectorAll('.instruction')].find(i => i.querySelector('blockquote')?.textContent === text);
    return at ? [...at.querySelectorAll('.meta')].map(p => p.textContent) : [];
  }, data.upper.comment);
  assert.equal(shown.length, 2, 'the comment on 林州市\'s page has no by-line and due line');
  assert.ok(shown[0].startsWith(`${data.upper.leader} · 省 · `), `by-line: ${shown[0]}`);
  assert.match(shown[1], /^请于 \d{4}年\d{1,2}月\d{1,2}日 .*前反馈落实情况$/);
  // The city's publisher sees it on the issue page, against A.
  await shows(liu, ['#comments', data.a.title], [data.upper.leader, '省', data.upper.comment], 'the comment on the city\'s issue page');
  await zhou.context().close();
  return { upperIssue };
}
