// Small DOM and formatting helpers shared by the page's views.

/**
 * Creates an element: `el('li', { class: 'x', onclick: f }, 'text', child)`. Attributes
 * starting with `on` become listeners; `false`/`null` attributes are left out; children
 * may be strings, nodes, or null (skipped).
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}

/** The element with this id (throws if the page lacks it: a bug, caught by the tests). */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no element #${id}`);
  return node;
}

const kInteger = new Intl.NumberFormat('en');
const kOneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

/** 12345 → "12,345". */
export function formatCount(n) {
  return kInteger.format(Math.round(n));
}

/** 3.14159 → "3.1". */
export function formatRatio(n) {
  return kOneDecimal.format(n);
}

/** Milliseconds → "850 ms", "12.3 s", "2 min 5 s". */
export function formatDuration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${kOneDecimal.format(ms / 1000)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** A value as short JSON, for tables: long text is cut with an ellipsis. */
export function preview(value, max = 120) {
  let text;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Parses event data as JSON; the raw text when it is not JSON. */
export function parseData(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
