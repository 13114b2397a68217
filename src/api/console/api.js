// Calls to the API from the console: JSON, the session cookie (sent by the browser), and the
// CSRF token on every state-changing call. Errors are the API's problem+json, as ApiError.
let csrfToken = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `the API answered ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
  /** The message for one field of a 422, if any. */
  fieldMessage(field) {
    return (this.problem.errors ?? []).find((e) => e.field === field)?.message;
  }
}

export function useSession(session, signedOut) {
  csrfToken = session?.csrfToken ?? null;
  if (signedOut) onSignedOut = signedOut;
}

export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (response.status === 204) return undefined;
  const data = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    // The session expired or its key changed: back to the sign-in form (not for the sign-in itself).
    if (response.status === 401 && path !== '/v1/session') onSignedOut();
    throw error;
  }
  return data;
}

let contract;
/** The contract's phase names, from the server (no copy in the console). */
export async function loadContract() {
  contract ??= await api('GET', '/console/contract.json');
  return contract;
}
