// Each role's main page in one answer. Opened in a fresh browser (nothing
// cached) with the person's session cookie, the page is drawn with its
// data before the console asks the gateway for anything but its style
// sheet and its one script (each named by a hash of its bytes): the
// session, the settings and the page's data come in the page itself, as
// the answers of its first reads (services/gateway/console.c). The
// leader's dashboard is drawn from the figures it carries, and opens its
// live feed (an EventSource) once it is painted.
import assert from 'node:assert/strict';
import { URL_BASE, PASSWORD, browser, waitFor } from './support.mjs';

// people: [page of a person logged in, their main page, the reads it
// carries beside the session and the settings, its heading, a text the
// header shows].
export async function firstPageStage(people) {
  for (const [page, where, reads, heading, shows] of people) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    try {
      await context.addCookies(await page.context().cookies());
      const fresh = await context.newPage();
      const errors = [];
      fresh.on('pageerror', error => errors.push(error.message));
      const response = await fresh.goto(URL_BASE + where);
      assert.equal(response.status(), 200, `${where}: ${response.status()}`);
      await waitFor(fresh, path => document.querySelector('main')?.dataset.drawn === path, where);
      // What the page asked for before it was drawn (the browser's own
      // record: every request that ended before the bs-drawn mark).
      const asked = await fresh.evaluate(() => {
        const drawn = performance.getEntriesByName('bs-drawn')[0].startTime;
        return performance.getEntriesByType('resource').filter(r => r.startTime < drawn)
          .map(r => new URL(r.name).pathname + new URL(r.name).search);
      });
      const files = asked.filter(p => /^\/static\/console\.[0-9a-f]{16}\.(css|js)$/.test(p));
      assert.deepEqual(asked.filter(p => !files.includes(p)), [], `${where} asked for more than its page, style sheet and script before it was drawn`);
      assert.equal(files.length, 2, `${where}: style sheet and script: ${asked}`);
      // The page carried the answers it was drawn from.
      const carried = await fresh.evaluate(() => JSON.parse(document.getElementById('bs-first').textContent));
      for (const read of ['/api/v1/session', '/api/v1/settings', ...reads])
        assert.equal(carried[read]?.[0], 200, `${where} did not carry ${read}: ${Object.keys(carried)}`);
      assert.equal(await fresh.textContent('main h1'), heading);
      assert.match(await fresh.textContent('#who'), shows);
      assert.deepEqual(errors, [], `${where}: script errors`);
      console.log(`first page ${where}: drawn from one answer (and ${files.length} files)`);
    } finally {
      await context.close();
    }
  }
}

// The login page, written whole by the gateway (web/first/login.html): a
// browser with no script shows its heading and labelled fields (so a
// browser shows the page before the script has run); with the script the
// page is taken as it is, and is the page the script draws itself when it
// comes to /login from another page (the two are kept alike).
export async function writtenLoginStage() {
  const still = await browser.newContext({ viewport: { width: 1366, height: 768 }, javaScriptEnabled: false });
  try {
    const page = await still.newPage();
    await page.goto(URL_BASE + '/login');
    assert.equal(await page.textContent('main h1'), '登录');
    assert.equal(await page.textContent('label[for=login-name]'), '登录名');
    assert.equal(await page.textContent('label[for=login-password]'), '密码');
    assert.equal(await page.isDisabled('main button[type=submit]'), true, 'the button works before the script takes the form');
    assert.equal(await page.$('main .loading'), null);
    assert.equal(await page.textContent('#script-switch'), '繁體');
  } finally {
    await still.close();
  }
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', error => errors.push(error.message));
    await page.goto(URL_BASE + '/login?next=/officer');
    await waitFor(page, () => document.querySelector('main')?.dataset.drawn === '/login');
    const written = await page.innerHTML('main');
    const go = to => page.evaluate(to => { history.pushState(null, '', to); dispatchEvent(new PopStateEvent('popstate')); }, to);
    await go('/no/such/page');
    await waitFor(page, () => document.querySelector('main')?.dataset.drawn === '/no/such/page');
    await go('/login?next=/officer');
    await waitFor(page, () => document.querySelector('main')?.dataset.drawn === '/login');
    assert.equal(written, await page.innerHTML('main'), 'the login page the gateway writes is not the one the script draws');
    // The page the gateway wrote logs in (its form taken by the script).
    await page.goto(URL_BASE + '/login?next=/officer');
    await waitFor(page, () => document.querySelector('main')?.dataset.drawn === '/login');
    assert.equal(await page.isDisabled('main button[type=submit]'), false);
    await page.fill('input[name=login]', 'li');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(u => u.pathname === '/officer');
    await waitFor(page, () => document.querySelector('main')?.dataset.drawn === '/officer');
    // The header the script drew once the person logged in is the one the
    // gateway writes for them (web/first/top.html both).
    const drawnTop = await page.innerHTML('#top');
    await page.goto(URL_BASE + '/officer');
    await waitFor(page, () => document.querySelector('main')?.dataset.drawn === '/officer');
    assert.equal(await page.innerHTML('#top'), drawnTop, 'the header the gateway writes is not the one the script draws');
    assert.match(drawnTop, /李信息員<span class="unit"> · 林州市<\/span>/);
    assert.deepEqual(errors, [], 'script errors');
    console.log('first page /login: written whole by the gateway, taken by the script');
  } finally {
    await context.close();
  }
}

// The pages the gateway writes whole for a person with a session
// (web/first/officer.html, web/first/leader.html): with no script the
// browser shows the page's heading and its first view (the send form, its
// button disabled; the leader's figures, written in by the gateway); with
// the script, the part of the page the gateway wrote is the part the
// script draws from the same markup when the person comes to the page
// from another. people: [page of a person logged in, the page, its
// heading, the part compared, a check of the page with no script].
export async function writtenPagesStage(people) {
  for (const [page, where, heading, part, check] of people) {
    const cookies = await page.context().cookies();
    const still = await browser.newContext({ viewport: { width: 1366, height: 768 }, javaScriptEnabled: false });
    try {
      await still.addCookies(cookies);
      const bare = await still.newPage();
      await bare.goto(URL_BASE + where);
      assert.equal(await bare.getAttribute('main', 'data-written'), where, `${where} is not written whole`);
      assert.equal(await bare.textContent('main h1'), heading);
      assert.equal(await bare.$('main .loading'), null);
      await check(bare);
    } finally {
      await still.close();
    }
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    try {
      await context.addCookies(cookies);
      const fresh = await context.newPage();
      const errors = [];
      fresh.on('pageerror', error => errors.push(error.message));
      await fresh.goto(URL_BASE + where);
      await waitFor(fresh, path => document.querySelector('main')?.dataset.drawn === path, where);
      // Every control in the page's own font: one left to the browser's
      // (a check box's, a file control's button) is a font more that the
      // first frame looks up, shapes and rasters (bench/README.md).
      const ownFont = await fresh.evaluate(() => {
        const font = getComputedStyle(document.documentElement).fontFamily;
        return [...document.querySelectorAll('main input, main select, main textarea, main button')]
          .flatMap(el => [[el, getComputedStyle(el)], ...el.type === 'file' ? [[el, getComputedStyle(el, '::file-selector-button')]] : []])
          .filter(([, style]) => style.fontFamily !== font).map(([el, style]) => `${el.id || el.name}: ${style.fontFamily}`);
      });
      assert.deepEqual(ownFont, [], `${where}: controls not in the page's font`);
      const written = await fresh.innerHTML(part);
      const go = to => fresh.evaluate(to => { history.pushState(null, '', to); dispatchEvent(new PopStateEvent('popstate')); }, to);
      await go('/no/such/page');
      await waitFor(fresh, () => document.querySelector('main')?.dataset.drawn === '/no/such/page');
      await go(where);
      await waitFor(fresh, path => document.querySelector('main')?.dataset.drawn === path, where);
      assert.equal(written, await fresh.innerHTML(part), `the ${where} the gateway writes is not the one the script draws`);
      assert.deepEqual(errors, [], `${where}: script errors`);
      console.log(`first page ${where}: written whole by the gateway, taken by the script`);
    } finally {
      await context.close();
    }
  }
}

// Who may open a page is the gateway's first answer (services/gateway/
// console_access.c): a page of a role the person does not hold answers 403 with
// the 403 page written in its place (web/first/forbidden.html), so no
// frame ever shows that page's heading or first view, and the header is
// the person's own (their roles' pages); with no session a page answers a
// redirect to the login page, which comes back to the page and its query
// once the person has logged in. officer: the page of an officer (login
// li) logged in.
export async function rolesStage(officer) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  try {
    await context.addCookies(await officer.context().cookies());
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', error => errors.push(error.message));
    // Every heading the page shows, from the parse of its first bytes on.
    await page.addInitScript(() => {
      window.bsHeadings = [];
      new MutationObserver(() => {
        const text = document.querySelector('main h1')?.textContent;
        if (text && window.bsHeadings.at(-1) !== text) window.bsHeadings.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    for (const where of ['/admin', '/leader', '/review', '/publish', '/admin/officers']) {
      const response = await page.goto(URL_BASE + where);
      assert.equal(response.status(), 403, `${where} for an officer: ${response.status()}`);
      const body = await response.text();
      assert.ok(body.includes('data-written="/forbidden"') && !body.includes(`data-written="${where}"`),
        `${where} for an officer is not the 403 page as the gateway wrote it`);
      await waitFor(page, path => document.querySelector('main')?.dataset.drawn === path, where);
      assert.deepEqual(await page.evaluate(() => window.bsHeadings), ['无权访问'], `${where}: headings shown`);
      assert.deepEqual(await page.$$eval('#top nav a', links => links.map(a => a.getAttribute('href'))), ['/officer'],
        `${where}: the header is not the officer's`);
    }
    assert.deepEqual(errors, [], 'script errors');
  } finally {
    await context.close();
  }
  const nobody = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  try {
    const page = await nobody.newPage();
    const response = await page.goto(URL_BASE + '/officer/commissions?from=mail');
    const first = await response.request().redirectedFrom()?.response();
    assert.equal(first?.status(), 303, 'the page with no session is not the gateway\'s way to the login page');
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/login?next=%2Fofficer%2Fcommissions%3Ffrom%3Dmail');
    await waitFor(page, () => document.querySelector('main')?.dataset.drawn === '/login');
    await page.fill('input[name=login]', 'li');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(u => u.pathname === '/officer/commissions' && u.search === '?from=mail');
    await waitFor(page, () => document.querySelector('main')?.dataset.drawn === '/officer/commissions');
    console.log('pages of other roles: 403 from the first answer; no session: the login page and back');
  } finally {
    await nobody.close();
  }
}
