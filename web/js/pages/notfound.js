// notfound: the 404 page.
import { h, M } from '../dom.js';

export function render(main) {
  main.append(h('h1', {}, M('notfound.title')), h('p', {}, M('notfound.text')),
    h('p', {}, h('a', { href: '/' }, M('back.home'))));
}
