// The JSON API: GETs with the site and days, changes with the session's CSRF token.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

export function url(path, params) {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    // An array repeats the parameter (filter=..., step=...).
    for (const one of Array.isArray(v) ? v : [v]) if (one != null && one !== "") u.searchParams.append(k, one);
  }
  return u.pathname + u.search;
}

/** fetch a JSON answer; throws ApiError with the server's one sentence, or for no answer. */
export async function api(path, params, { method = "GET", body, signal } = {}) {
  let response;
  try {
    response = await fetch(url(path, params), {
      method,
      signal,
      credentials: "same-origin",
      headers: method === "GET" ? {} : { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("Peil is not answering: the server is away or the network is down.", 0);
  }
  if (response.status === 401) {
    location.assign("/login");
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  if (!response.ok) {
    throw new ApiError(answer?.error || `The server answered ${response.status}.`, response.status);
  }
  return answer;
}

/** GET a text answer (the privacy statement). */
export async function text(path, params, { signal } = {}) {
  let response;
  try {
    response = await fetch(url(path, params), { signal, credentials: "same-origin" });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("Peil is not answering: the server is away or the network is down.", 0);
  }
  if (!response.ok) {
    let message = `The server answered ${response.status}.`;
    try { message = (await response.json()).error || message; } catch { /* not JSON */ }
    throw new ApiError(message, response.status);
  }
  return response.text();
}
