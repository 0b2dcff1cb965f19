// The daemon's REST API (docs/http-api.md) as seen from the browser: JSON in and out, session cookie,
// errors as ApiError carrying the daemon's {"error": {status, i18n, message, details}} body.

/** An answer with a top-level "error" (or a body that is not JSON): never swallowed, always shown. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.i18n = error.i18n || '';
    this.details = error.details || {};
    this.conflicts = error.conflicts || [];
  }
}

const authListeners = new Set();

/** Calls fn(error) whenever the daemon answers 401 NEED_AUTHENTICATION. */
export function onAuthRequired(fn) {
  authListeners.add(fn);
}

/**
 * One API request. Options: json (a value sent as application/json), text (sent as text/plain),
 * query (object of query parameters). Resolves with the parsed body, or null for 204 No Content (an instance's
 * move, copy and metadata writes); rejects with ApiError.
 */
export async function request(method, path, { json, text, query } = {}) {
  const url = new URL(path, location.origin);
  Object.entries(query || {}).forEach(([k, v]) => url.searchParams.set(k, v));
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (text !== undefined) {
    init.headers['Content-Type'] = 'text/plain; charset=utf-8';
    init.body = text;
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, { i18n: 'NETWORK', message: `the daemon cannot be reached (${e.message})` });
  }
  if (res.status === 204) return null;
  let body;
  try {
    body = await res.json();
  } catch (e) {
    throw new ApiError(res.status, { message: `invalid response from server (HTTP ${res.status})` });
  }
  if (body && body.error) {
    const err = new ApiError(res.status, typeof body.error === 'object' ? body.error : { message: String(body.error) });
    if (err.status === 401 && err.i18n === 'NEED_AUTHENTICATION') authListeners.forEach(fn => fn(err));
    throw err;
  }
  return body;
}

export const get = (path, query) => request('GET', path, { query });

/** Splits a key name at its unescaped slashes; parts keep their escapes ("user:/a\/b/c" -> ["user:", "a\/b", "c"]). */
export function splitKey(name) {
  const parts = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '\\' && i + 1 < name.length) {
      cur += c + name[++i];
    } else if (c === '/') {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

/** A key name as URL path: each segment encoded on its own ("user:/" -> "user%3A/"). */
export function keyPath(name) {
  return splitKey(name).map(encodeURIComponent).join('/');
}

/** The API base of a node: /api/instances/ID or /api/clusters/ID. */
export function nodeBase(node) {
  return (node.type === 'cluster' ? '/api/clusters/' : '/api/instances/') + encodeURIComponent(node.id);
}
