// forbidden: the 403 page (a page of a role the person does not hold), its
// first view (web/first/forbidden.html), which the gateway writes whole in
// place of such a page; drawn from the same markup when the person comes
// to it from another page.
import { drawView } from '../dom.js';
import view from '../../first/forbidden.html';

export function render(main, { written }) {
  if (!written) drawView(main, view);
}
