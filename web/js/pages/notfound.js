// notfound: the 404 page: a path that is no page of the console, or a
// page whose own record is not there (params[0]: the API's not_found: a
// report, case or issue number that does not exist, or is not the
// person's to see; app.js).
import { h, M } from '../dom.js';

export function render(main, { params }) {
  main.append(h('h1', {}, M('notfound.title')),
    params[0] ? h('p', { class: 'form-error', role: 'alert' }, M('notfound.record')) : h('p', {}, M('notfound.text')),
    h('p', {}, h('a', { href: '/' }, M('back.home'))));
}
