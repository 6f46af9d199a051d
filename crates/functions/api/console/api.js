// @ts-check
/**
 * @file The store's HTTP API as the console calls it: relative to where the console is served
 * (its parent path, so a stage prefix such as `/prod` is kept), the API key on every request,
 * and an answer that is not 2xx raised as the API's typed error.
 */

const KEY_STORAGE = 'event-store-api-key';

/** An error answer of the API: its `type`, `message` and, for `Validation`, the `field`. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {any} body
   */
  constructor(status, body) {
    const error = (body && body.error) || {};
    const type = error.type || (status === 403 ? 'Forbidden' : `HTTP ${status}`);
    super(error.message || (body && body.message) || `the API answered ${status}`);
    this.status = status;
    this.type = String(type);
    /** @type {string | undefined} */
    this.field = error.field;
  }
}

/** The API key the console sends (`x-api-key`), kept for this browser tab only. */
export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) || '';
}

/** @param {string} key */
export function setApiKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

/**
 * The URL of an API path (`/streams/a-1`) with its query parameters (empty ones left out).
 * @param {string} path
 * @param {Record<string, string | number | undefined>} [params]
 */
export function apiUrl(path, params = {}) {
  const url = new URL(`..${path}`, new URL('./', window.location.href));
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      url.searchParams.set(name, String(value));
    }
  }
  return url;
}

/**
 * @param {string} method
 * @param {URL} url
 * @param {unknown} [body]
 * @param {Record<string, string>} [extra] more headers
 * @returns {Promise<any>}
 */
async function send(method, url, body, extra = {}) {
  /** @type {Record<string, string>} */
  const headers = { ...extra, 'x-api-key': apiKey() };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { message: text };
  }
  if (!response.ok) {
    throw new ApiError(response.status, parsed);
  }
  return parsed;
}

/**
 * @param {string} path
 * @param {Record<string, string | number | undefined>} [params]
 */
export function get(path, params) {
  return send('GET', apiUrl(path, params));
}

/**
 * @param {string} path
 * @param {unknown} body
 * @param {string} [idempotencyKey] makes the request safe to send again (`Idempotency-Key`)
 */
export function post(path, body, idempotencyKey) {
  return send('POST', apiUrl(path), body, idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {});
}
