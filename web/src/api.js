// The hub's /v1 API as the dashboard uses it: the bearer token from sessionStorage, JSON in and
// out, problem documents turned into ApiError. A 401 anywhere ends the session (back to login).

const TOKEN_KEY = 'crossdock.token';

export class ApiError extends Error {
  constructor(status, problem, path) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status} on ${path}`);
    this.status = status;
    this.problem = problem;
    this.path = path;
  }
  // The route itself does not exist on this hub (an older hub): "unavailable", not an error.
  get noRoute() {
    return (this.status === 404 && /no route/.test(this.problem?.detail || '')) || this.status === 405;
  }
  // For endpoints that name no resource (measures, scorecards, alerts): any 404 or 405 means
  // this hub does not offer it.
  get unavailable() {
    return this.status === 404 || this.status === 405;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}
export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function request(method, path, body, { raw = false, token = getToken() } = {}) {
  const headers = { Authorization: `Bearer ${token}` };
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: `the hub did not answer: ${e.message}` }, path);
  }
  if (res.status === 401) {
    onUnauthorized();
    throw new ApiError(401, await problemOf(res), path);
  }
  if (!res.ok) throw new ApiError(res.status, await problemOf(res), path);
  if (raw) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

async function problemOf(res) {
  try {
    const text = await res.text();
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const api = {
  get: (path, opts) => request('GET', path, undefined, opts),
  post: (path, body, opts) => request('POST', path, body ?? {}, opts),
  raw: (path, opts) => request('GET', path, undefined, { ...opts, raw: true }),
};

// "a=1&b=" from an object, leaving out empty values.
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

// Who the token is. A hub without /v1/whoami: the token is checked on a route every role reads,
// and actions stay enabled (the hub still refuses what the role may not do).
export async function whoami(token) {
  try {
    return await api.get('/v1/whoami', { token });
  } catch (e) {
    if (!(e instanceof ApiError) || !e.noRoute) throw e;
    await api.get('/v1/partners', { token });
    return { name: 'token', role: 'unknown', partner: null, can_act: true, assumed: true };
  }
}
