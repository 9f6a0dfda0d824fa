// Accessibility checks the day runs on every page it walks: text that
// does not reach the WCAG AA contrast against what is behind it, a page
// wider than the phone it is drawn on; reaching a control by the
// keyboard alone; a form's refusal said and its control marked.
import assert from 'node:assert/strict';

// In the page: each visible text whose contrast with its background is
// below WCAG AA (4.5:1; 3:1 for large text), as "text ratio color/background".
export function lowContrast() {
  const parse = value => {
    const m = /rgba?\(([^)]+)\)/.exec(value);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const backgroundOf = el => {
    for (let at = el; at; at = at.parentElement) {
      const colour = parse(getComputedStyle(at).backgroundColor);
      if (colour && colour.a > 0) return colour;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement, text = node.textContent.trim();
    if (!text || el.closest('script, style, noscript, option, caption, .skip, [disabled], svg')) continue;
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color), bg = backgroundOf(el);
    // A translucent text colour is seen mixed with its background.
    const seen = { r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a), b: fg.b * fg.a + bg.b * (1 - fg.a) };
    const [l1, l2] = [luminance(seen), luminance(bg)];
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) low.push(`"${text.slice(0, 24)}" ${ratio.toFixed(2)} ${style.color}/${JSON.stringify(bg)}`);
  }
  return low;
}

// The page scrolls sideways on a screen as wide as its viewport.
export async function assertFits(page, where) {
  const [wide, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(wide <= width, `${where} is ${wide} px wide on a ${width} px screen`);
}

// Press Tab until the control at selector has the focus (at most tabs
// times); the focused control must show that it has it (an outline).
export async function tabTo(page, selector, tabs = 40) {
  for (let i = 0; i < tabs; i++) {
    await page.keyboard.press('Tab');
    const [there, outline] = await page.evaluate(sel => {
      const el = document.activeElement;
      return [el?.matches(sel) || false, el ? getComputedStyle(el).outlineStyle : 'none'];
    }, selector);
    if (there) {
      assert.notEqual(outline, 'none', `${selector} has the focus but shows no outline`);
      return;
    }
  }
  assert.fail(`${selector} was not reached with ${tabs} presses of Tab`);
}

// The form (a selector) says said as its refusal, the control named
// control marked at fault.
export async function formRefusal(page, form, control, said) {
  await page.waitForSelector(`${form} .form-error:not([hidden])`);
  assert.equal(await page.textContent(`${form} .form-error`), said, `${form}: the refusal`);
  assert.equal(await page.getAttribute(`${form} [name=${control}]`, 'aria-invalid'), 'true', `${form}: ${control} is not marked`);
}
