// The /v1 API of this origin, as the pages use it. A refusal comes back as an
// ApiError carrying the contract's code, message and `field`, so a page can put
// the message next to the field that caused it.

export class ApiError extends Error {
  constructor(status, code, message, field = null, body = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.body = body;
  }
}

export async function api(method, path, { token, body, headers = {}, signal } = {}) {
  const sent = { Accept: 'application/json', ...headers };
  if (token) sent.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    sent['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, { method, headers: sent, body: payload, signal, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The server cannot be reached. Check the connection; the page keeps trying.');
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const error = (data && data.error) || {};
    const failure = new ApiError(res.status, error.code || `http_${res.status}`,
      error.message || `The server answered ${res.status}.`, error.field || null, data);
    failure.etag = res.headers.get('ETag'); // on 412: the version the incident is at now
    throw failure;
  }
  return { data, status: res.status, etag: res.headers.get('ETag') };
}

// A version from an ETag header: "3" -> 3.
export function etagVersion(etag) {
  if (!etag) return null;
  const n = Number(String(etag || '').replace(/^W\//, '').replaceAll('"', ''));
  return Number.isFinite(n) ? n : null;
}
