// Small DOM helpers for the popup and the options page. Every text goes in through
// textContent or an attribute; nothing is parsed as HTML.

/**
 * el creates an element. props sets attributes (`class`, `aria-*`, `data-*`, ...);
 * a value of null, undefined or false leaves the attribute out. Children are nodes
 * or strings (added as text); null and false children are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, ...children);
  return node;
}

/** append adds children (nodes or text) to a node. */
export function append(node, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return node;
}

/** clear removes every child of a node. */
export function clear(node) {
  node.replaceChildren();
  return node;
}

/**
 * translator returns t(key, ...substitutions) over browser.i18n. A missing message
 * shows its key, so a forgotten string is visible rather than blank.
 */
export function translator(i18n) {
  return (key, ...subs) => i18n.getMessage(key, subs.map(String)) || key;
}

/**
 * plural picks `${base}_one` or `${base}_other` (Intl.PluralRules; browser.i18n has no
 * plurals) and substitutes the count.
 */
export function plural(t, locale, base, n) {
  const rule = new Intl.PluralRules(locale).select(n) === 'one' ? 'one' : 'other';
  return t(`${base}_${rule}`, n);
}

/**
 * localize fills a static page's strings: textContent from data-i18n, and the
 * attributes named in data-i18n-attr ("placeholder:key;aria-label:key").
 */
export function localize(root, t) {
  for (const node of root.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of node.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) node.setAttribute(attr, t(key));
    }
  }
}
