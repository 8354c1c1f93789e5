// Calls to the service the page came from, with its bearer token when it has one.
//
// A token given as `?token=T` on the page's URL is kept for this tab (sessionStorage) and
// removed from the address bar, so that it does not stay in the history or a screenshot.

const kTokenKey = 'eric-sse-token';

/** An answer other than 2xx: `status` and the service's `{"message"}`. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

function takeTokenFromUrl() {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token === null) return;
  if (token !== '') sessionStorage.setItem(kTokenKey, token);
  url.searchParams.delete('token');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}
takeTokenFromUrl();

/** The bearer token in use, or null. */
export function token() {
  return sessionStorage.getItem(kTokenKey);
}

/** Sets (or, with '' or null, forgets) the bearer token. */
export function setToken(value) {
  if (value) sessionStorage.setItem(kTokenKey, value);
  else sessionStorage.removeItem(kTokenKey);
}

/** Request headers for the API: JSON, and the token. */
export function authHeaders(extra = {}) {
  const headers = { accept: 'application/json', ...extra };
  const current = token();
  if (current) headers.authorization = `Bearer ${current}`;
  return headers;
}

/** An absolute URL of the service for `path` (which starts with '/'). */
export function apiUrl(path) {
  return new URL(path, window.location.origin).href;
}

/**
 * `method path` with an optional JSON body; resolves with the parsed answer (or null when
 * empty), rejects with ApiError on a non-2xx answer and with TypeError when unreachable.
 */
export async function call(method, path, body, { signal } = {}) {
  const init = { method, headers: authHeaders(), signal, cache: 'no-store' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const response = await fetch(apiUrl(path), init);
  const text = await response.text();
  let parsed = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!response.ok) {
    const message = parsed && typeof parsed === 'object' && 'message' in parsed ? parsed.message : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return parsed;
}

/** Shorthands. */
export const get = (path, options) => call('GET', path, undefined, options);
export const post = (path, body, options) => call('POST', path, body, options);
export const put = (path, body, options) => call('PUT', path, body, options);
export const del = (path, options) => call('DELETE', path, undefined, options);

/** `encodeURIComponent`, for ids in paths and queries. */
export const enc = encodeURIComponent;
