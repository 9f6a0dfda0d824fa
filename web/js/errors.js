// errors: an API error as a person reads it, in Chinese, with the field
// it names highlighted and focused; never the raw JSON. What is wrong is
// said from the error's reason when it has one (docs/API.md: reason.<word>,
// or reason.<word>.<field> where the field makes it say more), else from
// its code and field.
import { h, M, clear } from './dom.js';
import { has } from './i18n.js';

export function errorMessage(error) {
  const code = error.code || 'system';
  const field = error.field || '';
  const why = error.reason || '';
  if (why && has(`reason.${why}.${field}`)) return [M(`reason.${why}.${field}`)];
  if (why && has(`reason.${why}`)) return [M(`reason.${why}`)];
  if (has(`err.${code}.${field}`)) return [M(`err.${code}.${field}`)];
  const reason = has(`err.${code}`) ? M(`err.${code}`) : M('err.system');
  if (field && has(`field.${field}`)) return [M('field.' + field), M('colon'), reason];
  return [reason];
}

// Show error in the form (its .form-error box, made if missing), the
// control of its field marked; where that control is a list of items
// (data-line: 1, 2, ...) and the error names one (its line: docs/API.md),
// that item. A body over the gateway's limit (too_large, no field: it is
// refused before it is read) is the files' doing: the form's file control.
export function showError(form, error) {
  clearErrors(form);
  let box = form.querySelector('.form-error');
  if (!box) { box = h('div', { class: 'form-error', role: 'alert' }); form.prepend(box); }
  clear(box).append(...errorMessage(error).map(m => h('span', {}, m)));
  box.hidden = false;
  const field = error.field ? form.querySelector(`[name="${CSS.escape(error.field)}"]`)
    : error.reason === 'too_large' && form.querySelector('input[type=file]');
  const control = (error.line && field?.querySelector(`[data-line="${error.line}"]`)) || field;
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.classList.add('invalid');
    control.setAttribute('aria-errormessage', box.id || (box.id = 'e' + Math.random().toString(36).slice(2)));
    control.focus();
  } else box.focus?.();
}

export function clearErrors(form) {
  form.querySelectorAll('[aria-invalid]').forEach(el => { el.removeAttribute('aria-invalid'); el.classList.remove('invalid'); });
  const box = form.querySelector('.form-error');
  if (box) box.hidden = true;
}

// Run action for a form's submit: errors shown in the form (a wrong
// password too: only a session that ended leaves the page unsaid), the
// button busy meanwhile.
export function onSubmit(form, action) {
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    clearErrors(form);
    try { await action(new FormData(form)); }
    catch (error) { if (!error.leaving) showError(form, error); }
    finally { if (button) button.disabled = false; }
  });
  return form;
}
