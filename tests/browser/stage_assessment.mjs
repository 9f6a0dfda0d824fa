// The day's statistics pages (考核与通报), run by console_day.mjs once
// reports were adopted and published: the editor issues last month's
// notice (月通报) and is refused, in Chinese, when issuing it again; the
// leader lists the frozen bulletins, downloads one as PDF, Excel and CSV
// and opens it; the leader reads each unit's score for the year (the same
// figures the API answers) and for last month, and exports the table.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { URL_BASE, waitFor } from './support.mjs';

const pad = n => String(n).padStart(2, '0');

// Click what selector names and read the file the browser saves.
async function downloaded(page, selector) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const failure = await download.failure();
  assert.equal(failure, null, `${selector}: the download failed: ${failure}`);
  return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
}

const magic = { pdf: '%PDF-', xlsx: 'PK\x03\x04', csv: '\uFEFF' };
function assertFile(file, format, what) {
  assert.ok(file.name.endsWith('.' + format), `${what}: saved as ${file.name}`);
  const text = format === 'csv' ? file.bytes.toString('utf8') : file.bytes.subarray(0, 8).toString('latin1');
  assert.ok(text.startsWith(magic[format]), `${what}: not a ${format} file: ${JSON.stringify(text.slice(0, 8))}`);
  return text;
}

// Returns the paths of the pages it opened (for the script-switch walk)
// and the bulletin's title (data, shown as the service wrote it).
export async function assessmentStage({ wang, leader }) {
  const now = new Date();
  const year = String(now.getFullYear());
  const before = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  const lastMonth = `${before.getFullYear()}-${pad(before.getMonth() + 1)}`;
  const lastMonthName = `${before.getFullYear()}年${before.getMonth() + 1}月`;

  // The editor issues last month's notice.
  await wang.goto(URL_BASE + '/leader/bulletins');
  await wang.waitForSelector('#bulletin-form');
  assert.match(await wang.textContent('#bulletins'), /还没有印发通报/);
  assert.equal(await wang.$eval('#bulletin-form select[name=period]', s => s.value), lastMonth, 'last month is not offered first');
  await wang.click('#bulletin-form button[type=submit]');
  await wang.waitForSelector('#bulletin-title');
  const bulletinPath = new URL(wang.url()).pathname;
  assert.match(bulletinPath, /^\/leader\/bulletins\/\d+$/);
  const title = (await wang.textContent('#bulletin-title')).trim();
  // Issued once: a second time is refused in Chinese, the period marked.
  await wang.goto(URL_BASE + '/leader/bulletins');
  await wang.waitForSelector('#bulletin-form');
  await wang.selectOption('#bulletin-form select[name=period]', lastMonth);
  await wang.click('#bulletin-form button[type=submit]');
  await wang.waitForSelector('#bulletin-form .form-error:not([hidden])');
  assert.match(await wang.textContent('#bulletin-form .form-error'), /已经印发过/);
  assert.equal(await wang.getAttribute('#bulletin-form select[name=period]', 'aria-invalid'), 'true');
  assert.equal((await wang.$$('#bulletins tbody tr')).length, 1, 'the refused bulletin was listed');

  // The leader lists the bulletins and downloads one.
  await leader.goto(URL_BASE + '/leader/bulletins');
  await leader.waitForSelector('#bulletins table');
  const row = await leader.textContent('#bulletins tbody tr');
  assert.ok(row.includes(title) && row.includes('月通报') && row.includes(lastMonthName), row);
  for (const format of ['pdf', 'xlsx', 'csv']) {
    const file = await downloaded(leader, `#bulletins tbody tr:first-child a[href$="format=${format}"]`);
    const text = assertFile(file, format, `the bulletin's ${format}`);
    if (format === 'csv') assert.ok(text.includes('林州市') && text.includes('湯陰縣'), `the bulletin's CSV: ${text.slice(0, 200)}`);
  }
  await leader.click('#bulletins a.bulletin-title');
  await leader.waitForSelector('#bulletin-ranking');
  assert.equal(new URL(leader.url()).pathname, bulletinPath);
  assert.match(await leader.textContent('#bulletin-ranking .tier[data-tier=county]'), /林州市/);
  assert.match(await leader.textContent('#corrections'), /没有需要更正/);
  assertFile(await downloaded(leader, '#bulletin-xlsx'), 'xlsx', 'the bulletin page\'s Excel');

  // A leader issues one too: last quarter's bulletin, from the same page.
  await leader.goto(URL_BASE + '/leader/bulletins');
  await leader.waitForSelector('#bulletin-form');
  await leader.check('#bulletin-form input[name=kind][value=quarterly]');
  const lastQuarter = await leader.$eval('#bulletin-form select[name=period]', s => s.value);
  assert.match(lastQuarter, /^\d{4}-Q[1-4]$/);
  await leader.click('#bulletin-form button[type=submit]');
  await waitFor(leader, first => location.pathname !== first && /^\/leader\/bulletins\/\d+$/.test(location.pathname), bulletinPath);
  await leader.waitForSelector('#bulletin-title');
  const quarterTitle = (await leader.textContent('#bulletin-title')).trim();
  await leader.goto(URL_BASE + '/leader/bulletins');
  await leader.waitForSelector('#bulletins table');
  const newest = await leader.textContent('#bulletins tbody tr');
  assert.ok(newest.includes('季度通报') && newest.includes('趙領導'), newest);

  // Scores of the year: what the page shows is what the API answers.
  await leader.click('a[href="/leader/scores"]');
  await leader.waitForSelector('#score-ranking');
  assert.equal(await leader.$eval('#period', s => s.value), year);
  const scores = await leader.evaluate(p => fetch('/api/v1/statistics/scores?period=' + p).then(r => r.json()), year);
  const linzhou = scores.rows.find(r => r.unit === '林州市');
  assert.ok(linzhou && linzhou.submitted === 1 && linzhou.adopted === 1, JSON.stringify(linzhou));
  for (const r of scores.rows) {
    const shown = await leader.evaluate(unit => ['score', 'submitted', 'adopted'].map(k =>
      document.querySelector(`#score-ranking .${k}[data-unit="${unit}"]`)?.textContent), r.unit);
    assert.deepEqual(shown, [String(r.score || 0), String(r.submitted || 0), String(r.adopted || 0)], `${r.unit}'s scores`);
  }
  assert.match(await leader.textContent('#scores-rules'), /考核办法/);
  // Last month: nothing was sent then.
  await leader.selectOption('#period', lastMonth);
  await leader.click('#period-form button[type=submit]');
  await waitFor(leader, name => document.querySelector('#score-h')?.textContent.includes(name), lastMonthName);
  assert.equal(new URL(leader.url()).search, '?period=' + lastMonth);
  assert.equal(await leader.textContent('#score-ranking .submitted[data-unit="林州市"]'), '0');
  const exported = assertFile(await downloaded(leader, '#export-scores-csv'), 'csv', 'the scores exported');
  assert.ok(exported.includes('林州市'), exported.slice(0, 200));
  assertFile(await downloaded(leader, '#export-figures-xlsx'), 'xlsx', 'the figures exported');
  return { paths: ['/leader/scores', '/leader/bulletins', bulletinPath], title, quarterTitle };
}
