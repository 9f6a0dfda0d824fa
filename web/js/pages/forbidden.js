// forbidden: the 403 page (a page of a role the person does not hold).
import { h, M } from '../dom.js';

export function render(main) {
  main.append(h('h1', {}, M('forbidden.title')), h('p', {}, M('forbidden.text')),
    h('p', {}, h('a', { href: '/' }, M('back.home'))));
}
