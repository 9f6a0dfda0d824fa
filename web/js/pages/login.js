// login: log in, then back to the page the person was on (?next=).
import { h, M, field } from '../dom.js';
import { api } from '../api.js';
import { onSubmit } from '../errors.js';
import { loadSession, navigate } from '../app.js';

// The page as it is drawn here is also written whole by the gateway
// (web/first/login.html, the same elements, its button disabled until
// this script takes the form): tests/browser/first_page.mjs checks that
// the two are alike.
export function render(main, { written }) {
  const next = new URLSearchParams(location.search).get('next');
  const form = written ? main.querySelector('form') : h('form', { class: 'card narrow', novalidate: true, method: 'post' },
    field(M('field.login'), h('input', { name: 'login', autocomplete: 'username', required: true, id: 'login-name' })),
    field(M('field.password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, id: 'login-password' })),
    h('button', { type: 'submit', class: 'primary' }, M('login.submit')));
  form.querySelector('button[type=submit]').disabled = false;
  onSubmit(form, async data => {
    const session = await api('POST', '/api/v1/login', { login: data.get('login'), password: data.get('password') }, { noRedirect: true });
    try { sessionStorage.setItem('bs-name', session.name || ''); } catch { /* private mode */ }
    await loadSession();
    navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
  });
  if (!written) main.append(h('h1', {}, M('login.title')), form);
  setTimeout(() => { if (!form.contains(document.activeElement)) form.querySelector('input').focus(); }, 0);
}
