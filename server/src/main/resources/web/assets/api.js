// The dashboard's only way to the server: every call sends the credential the user signed in
// with (kept in sessionStorage, never in a URL) and turns an error answer into an ApiError.

const SESSION_KEY = "larch.session";

/** An error answer: the server's message, its HTTP status, and for a bad query the position. */
export class ApiError extends Error {
  constructor(status, message, position, details) {
    super(message);
    this.status = status;
    this.position = position;
    this.details = details;
  }
}

/** The signed-in session, or null: {credential: "admin"|"key", secret, project?, scopes?}. */
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY));
  } catch {
    return null;
  }
}

/** Checks the credential against GET /api/session and keeps it for this browser tab. */
export async function signIn(secret) {
  const answer = await fetch("/api/session", { headers: { Authorization: "Bearer " + secret } });
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    throw new ApiError(answer.status, body.error || "sign-in failed (" + answer.status + ")");
  }
  if (body.credential === "key" && !body.scopes.includes("read") && !body.scopes.includes("admin")) {
    throw new ApiError(403, "key " + body.keyPrefix + "… has only the '" + body.scopes.join(", ")
      + "' scope: the dashboard needs a key with the read scope (or the admin token)");
  }
  const signedIn = { ...body, secret };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(signedIn));
  return signedIn;
}

export function signOut() {
  sessionStorage.removeItem(SESSION_KEY);
}

/** Called when the credential stops working (revoked, expired): the app shows the sign-in. */
let onUnauthenticated = () => {};
export function whenUnauthenticated(callback) {
  onUnauthenticated = callback;
}

/**
 * A URL of this server with the query parameters (empty and null ones left out). The admin token
 * acts on any project, so /api calls name the selected one; a key's project is its own.
 */
export function url(path, params = {}, project) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, value);
  }
  const current = session();
  if (project && current?.credential === "admin" && !query.has("project") && !path.startsWith("/admin/projects/")) {
    query.set("project", project);
  }
  const text = query.toString();
  return path + (text ? "?" + text : "");
}

function headers(extra = {}) {
  const current = session();
  return current ? { Authorization: "Bearer " + current.secret, ...extra } : extra;
}

/** Sends a request and answers its JSON (null for an empty body); throws ApiError on 4xx/5xx. */
export async function call(method, path, { params, project, body, signal } = {}) {
  const init = { method, headers: headers(), signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const answer = await fetch(url(path, params, project), init);
  const text = await answer.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!answer.ok) {
    if (answer.status === 401) onUnauthenticated(json?.error);
    throw new ApiError(answer.status, json?.error || text || answer.statusText, json?.position, json?.details);
  }
  return json;
}

export const get = (path, options) => call("GET", path, options);
export const post = (path, body, options = {}) => call("POST", path, { ...options, body: body ?? "" });
export const put = (path, body, options = {}) => call("PUT", path, { ...options, body });
export const del = (path, options) => call("DELETE", path, options);

/** The body of a GET as a Blob (downloads that need the credential header). */
export async function download(path, params, project) {
  const answer = await fetch(url(path, params, project), { headers: headers() });
  if (!answer.ok) {
    const body = await answer.json().catch(() => ({}));
    throw new ApiError(answer.status, body.error || answer.statusText);
  }
  return answer.blob();
}

/**
 * The first {@code max} lines of an NDJSON answer, parsed, read as they arrive and then cut off
 * (a build log may hold a million lines). Answers {lines, more}: more is true when it was cut.
 */
export async function ndjsonLines(path, params, project, max) {
  const answer = await fetch(url(path, params, project), { headers: headers() });
  if (!answer.ok) {
    const body = await answer.json().catch(() => ({}));
    if (answer.status === 401) onUnauthenticated(body.error);
    throw new ApiError(answer.status, body.error || answer.statusText);
  }
  const reader = answer.body.getReader();
  const decoder = new TextDecoder();
  const lines = [];
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (line) lines.push(JSON.parse(line));
      if (lines.length > max) {
        reader.cancel();
        return { lines: lines.slice(0, max), more: true };
      }
    }
    if (done) break;
  }
  if (buffer.trim()) lines.push(JSON.parse(buffer));
  return { lines, more: false };
}

/**
 * Follows a Server-Sent Events stream read through fetch (EventSource cannot send the
 * Authorization header). Calls onEvent(type, data, id) per event and onState("live"|"closed"|
 * "error", detail). Answers a function that stops it. The caller reconnects with lastEventId.
 */
export function stream(path, params, project, { onEvent, onState }) {
  const controller = new AbortController();
  (async () => {
    let answer;
    try {
      answer = await fetch(url(path, params, project), { headers: headers({ Accept: "text/event-stream" }), signal: controller.signal });
    } catch (e) {
      if (!controller.signal.aborted) onState("error", "cannot reach the server");
      return;
    }
    if (!answer.ok) {
      const body = await answer.json().catch(() => ({}));
      if (answer.status === 401) onUnauthenticated(body.error);
      onState("error", body.error || "the stream was refused (" + answer.status + ")", answer.status);
      return;
    }
    onState("live");
    const reader = answer.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || controller.signal.aborted) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
          if (controller.signal.aborted) return;
          dispatch(frame, onEvent);
        }
      }
      if (!controller.signal.aborted) onState("closed");
    } catch (e) {
      if (!controller.signal.aborted) onState("error", "the connection dropped");
    }
  })();
  return () => controller.abort();
}

function dispatch(frame, onEvent) {
  let type = "message";
  let id = null;
  const data = [];
  for (const line of frame.split(/\r?\n/)) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  if (data.length === 0) {
    // An id without data still says where the stream is (resume from there).
    if (id !== null) onEvent(type, null, id);
    return;
  }
  let parsed;
  try {
    parsed = JSON.parse(data.join("\n"));
  } catch {
    parsed = data.join("\n");
  }
  onEvent(type, parsed, id);
}
