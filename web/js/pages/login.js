// login: log in, then back to the page the person was on (?next=).
import { drawView } from '../dom.js';
import { api, takeFirstReads } from '../api.js';
import { onSubmit } from '../errors.js';
import { signedIn, navigate } from '../app.js';
import view from '../../first/login.html';

// The page is its first view (web/first/login.html), which the gateway
// writes whole, its button disabled until this script takes the form;
// drawn from the same markup when the person comes here from another page.
export function render(main, { written }) {
  const next = new URLSearchParams(location.search).get('next');
  if (!written) drawView(main, view);
  const form = main.querySelector('form');
  form.querySelector('button[type=submit]').disabled = false;
  onSubmit(form, async data => {
    const back = next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
    // A file the person opened in this tab (an attachment, an issue's PDF:
    // the gateway sent them here, services/gateway/http.c) is the
    // browser's to save, not a page of the console: the tab shows the
    // person's main page meanwhile.
    const file = back.startsWith('/api/');
    // The login's answer carries the first reads of the page that follows
    // ("/": the person's main page, home), so it is drawn with no call.
    const session = await api('POST', '/api/v1/login', { login: data.get('login'), password: data.get('password'),
      page: file ? '/' : back }, { noRedirect: true });
    try { sessionStorage.setItem('bs-name', session.name || ''); } catch { /* private mode */ }
    takeFirstReads(session.first_reads);
    signedIn(session); // the login's answer is the session: not read again
    const to = (file || back === '/') && session.home ? session.home : file ? '/' : back;
    navigate(to, true);
    if (file) location.assign(back);
  });
  setTimeout(() => { if (!form.contains(document.activeElement)) form.querySelector('input').focus(); }, 0);
}
