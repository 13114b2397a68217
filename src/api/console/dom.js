// Small DOM helpers. Text always goes in as text nodes: nothing from the API is parsed as HTML.
const SVG_NS = 'http://www.w3.org/2000/svg';

/** h('p', { class: 'x', onClick: fn }, 'text', child): an element (prefix the tag with svg: for SVG). */
export function h(tag, props = {}, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'value' && !svg) el.value = value;
    else if (name === 'checked' && !svg) el.checked = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// Times are shown in the refunds' time zone (time.js).
export { formatTime, relativeTime } from './time.js';

/** A phase as a badge: working phases and each outcome get their own colour. */
export function phaseBadge(phase) {
  return h('span', { class: `badge phase-${String(phase).toLowerCase().replaceAll('_', '-')}` }, phase ?? 'unknown');
}

/** A heading that takes focus when a view opens, so keyboard and screen-reader users land on it. */
export function title(text) {
  return h('h1', { tabindex: '-1', id: 'view-title' }, text);
}
