// @ts-check
/** @file Building the console's DOM: elements, tables, JSON pretty-printed, the error banner. */

/**
 * An element with attributes (`on…` ones as listeners) and children (texts or nodes).
 * @param {string} tag
 * @param {Record<string, any>} [attributes]
 * @param {...(Node | string | number | null | undefined)} children
 * @returns {HTMLElement}
 */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (value !== undefined && value !== null && value !== false) {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      element.append(typeof child === 'object' ? child : String(child));
    }
  }
  return element;
}

/** @param {unknown} value */
export function pretty(value) {
  return el('pre', {}, JSON.stringify(value, null, 2));
}

/**
 * A table of `rows` under `headings`.
 * @param {string[]} headings
 * @param {Array<Array<Node | string | number | null | undefined>>} rows
 * @param {string} caption
 */
export function table(headings, rows, caption) {
  return el(
    'table',
    {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c))))),
  );
}

/** A link to a console view (`#/stream/a-1`). @param {string} hash @param {string} text */
export function link(hash, text) {
  return el('a', { href: hash }, text);
}

/** Shows `error` (the API's typed error, or any other) in the banner. @param {unknown} error */
export function showError(error) {
  const banner = /** @type {HTMLElement} */ (document.getElementById('error'));
  const typed = /** @type {{type?: string, field?: string, message?: string}} */ (error);
  const heading = typed && typed.type ? typed.type : 'Error';
  const field = typed && typed.field ? ` (${typed.field})` : '';
  banner.textContent = `${heading}${field}: ${typed && typed.message ? typed.message : String(error)}`;
  banner.hidden = false;
}

export function clearError() {
  const banner = /** @type {HTMLElement} */ (document.getElementById('error'));
  banner.hidden = true;
  banner.textContent = '';
}

/**
 * A search form of labelled inputs; `onSubmit` gets their values by name.
 * @param {Array<{name: string, label: string, type?: string, value?: string}>} fields
 * @param {string} action
 * @param {(values: Record<string, string>) => void} onSubmit
 */
export function searchForm(fields, action, onSubmit) {
  const form = el('form', { class: 'search' });
  for (const field of fields) {
    form.append(
      el(
        'label',
        {},
        field.label,
        el('input', { name: field.name, type: field.type || 'text', value: field.value || '' }),
      ),
    );
  }
  form.append(el('button', { type: 'submit' }, action));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    /** @type {Record<string, string>} */
    const values = {};
    for (const [name, value] of new FormData(/** @type {HTMLFormElement} */ (form)).entries()) {
      values[name] = String(value).trim();
    }
    onSubmit(values);
  });
  return form;
}

/**
 * `action` with its failure shown in the error banner rather than lost, and the banner cleared
 * when it succeeds.
 * @template {any[]} A
 * @param {(...args: A) => Promise<void>} action
 * @returns {(...args: A) => void}
 */
export function guarded(action) {
  return (...args) => {
    action(...args).then(clearError, showError);
  };
}
