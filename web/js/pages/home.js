// home: each person starts on the main page of their first role.
import { homes, navigate } from '../app.js';
import { h, M } from '../dom.js';

export function render(main, context) {
  const home = homes.find(([role]) => context.roles.includes(role));
  if (home) { setTimeout(() => navigate(home[1], true), 0); return; }
  main.append(h('h1', {}, M('home.title')), h('p', {}, M('home.no_role')));
}
