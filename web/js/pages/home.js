// home: each person starts on their main page: the first of their roles'
// (the session's home, which the gateway names by its one list:
// services/gateway/console.c s_homes).
import { navigate } from '../app.js';
import { h, M } from '../dom.js';

export function render(main, context) {
  const home = context.session?.home;
  if (home) { setTimeout(() => navigate(home, true), 0); return; }
  main.append(h('h1', {}, M('home.title')), h('p', {}, M('home.no_role')));
}
