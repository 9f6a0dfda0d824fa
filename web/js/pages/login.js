// login: log in, then back to the page the person was on (?next=).
import { h, M, field } from '../dom.js';
import { api } from '../api.js';
import { onSubmit } from '../errors.js';
import { loadSession, navigate } from '../app.js';

export function render(main) {
  const next = new URLSearchParams(location.search).get('next');
  const form = h('form', { class: 'card narrow', novalidate: true },
    field(M('field.login'), h('input', { name: 'login', autocomplete: 'username', required: true })),
    field(M('field.password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'primary' }, M('login.submit')));
  onSubmit(form, async data => {
    const session = await api('POST', '/api/v1/login', { login: data.get('login'), password: data.get('password') }, { noRedirect: true });
    try { sessionStorage.setItem('bs-name', session.name || ''); } catch { /* private mode */ }
    await loadSession();
    navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
  });
  main.append(h('h1', {}, M('login.title')), form);
  setTimeout(() => form.querySelector('input').focus(), 0);
}
