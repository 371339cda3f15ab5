// Small DOM helpers. Text always goes in through textContent: nothing the
// server or a user typed is ever parsed as HTML.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

// el('p', {class: 'x', 'data-id': 3}, 'text', childNode, ...)
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

// Shows `message` next to `field` (an input, textarea, select or fieldset):
// the error paragraph after it is filled and tied to it with aria-describedby.
export function showFieldError(field, message) {
  const id = `${field.id}-error`;
  let box = document.getElementById(id);
  if (!box) {
    box = el('p', { id, class: 'field-error', role: 'alert' });
    field.insertAdjacentElement('afterend', box);
  }
  box.textContent = message || '';
  if (message) {
    field.setAttribute('aria-invalid', 'true');
    const described = new Set((field.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
    described.add(id);
    field.setAttribute('aria-describedby', [...described].join(' '));
  } else {
    field.removeAttribute('aria-invalid');
  }
  return box;
}

export function clearFieldErrors(form) {
  for (const field of form.querySelectorAll('[aria-invalid="true"]')) showFieldError(field, '');
}

export function formatTime(iso, lang = undefined, options = {}) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short', ...options });
}

// A <time> element showing a local time, with the exact UTC value kept.
export function timeEl(iso, lang) {
  return el('time', { datetime: iso }, formatTime(iso, lang));
}

// datetime-local value (browser's zone) <-> RFC 3339 UTC.
export function localInputToUtc(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
export function utcToLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function money(cents, currency = 'EUR', lang = undefined) {
  return new Intl.NumberFormat(lang, { style: 'currency', currency }).format((cents || 0) / 100);
}
