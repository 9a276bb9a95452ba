// @larch/client: batched logs, work logs and viewer tokens for Larch, over the global fetch.
// No dependencies, so it runs in Node 18+ and in Next.js server code (route handlers, server
// actions, middleware) alike. It never throws into the app because Larch is unreachable:
// failures go to onError and are counted.

const VERSION = "0.1.0";
/** The server's limits (README "Sending logs"): a request above them is refused whole. */
const MAX_EVENTS_PER_REQUEST = 250;
const MAX_BODY_BYTES = 512 * 1024;
/** Room left for the envelope `{"events":[...]}` and the commas between events. */
const BODY_BUDGET_BYTES = MAX_BODY_BYTES - 1024;
/** Statuses after which the same request may succeed later; anything else is final. */
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504, 507]);
const WORK_LOG_STATUSES = ["working", "success", "warning", "error", "info"];
const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"];
/** Default onError writes at most one line per this many ms, so a dead server cannot flood stderr. */
const DEFAULT_ON_ERROR_QUIET_MS = 10_000;

/** A request Larch refused or could not be reached for; `status` is 0 when no answer came. */
export class LarchError extends Error {
  constructor(message, { status = 0, body = undefined, cause = undefined, dropped = 0 } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "LarchError";
    this.status = status;
    this.body = body;
    this.dropped = dropped;
  }
}

let exitTimeoutOf;
let reportUnsentAtExit;

/** Creates a client; see README "JavaScript and TypeScript" for every option. */
export function createClient(options) {
  return new LarchClient(options);
}

export class LarchClient {
  #url;
  #key;
  #fetch;
  #batchSize;
  #flushIntervalMs;
  #maxQueue;
  #retry;
  #timeoutMs;
  #exitTimeoutMs;
  #onError;
  #defaults;
  /** The HMAC key for signed ingest (README "Signed ingest"), or null when requests are not signed. */
  #signingKey = null;
  /** Events waiting to be sent, oldest first: {seq, json, bytes}. Touched only on the event loop's thread. */
  #queue = new EventQueue();
  #lastSeq = 0;
  /** Every event with seq <= this one was acknowledged or given up on. */
  #settledThrough = 0;
  /** flush() callers: {target, failed, resolve}, resolved once #settledThrough reaches target. */
  #flushWaiters = [];
  #draining = false;
  #intervalTimer = null;
  /** Set by close() and by an exit that ran out of time: pending retries stop, the rest is dropped. */
  #givingUp = false;
  #closed = false;
  /** Cancels the sleep or request in progress when giving up. */
  #wakeSleepers = new Set();
  #inFlight = new Set();
  #dropping = false;
  #stats = { queued: 0, sent: 0, failed: 0, dropped: 0, retries: 0 };

  constructor(options = {}) {
    const { url, key } = options;
    if (typeof url !== "string" || url === "") {
      throw new TypeError("larch: createClient needs url, e.g. https://larch.example.com");
    }
    if (typeof key !== "string" || key === "") {
      throw new TypeError("larch: createClient needs key, a project key (larch_...)");
    }
    this.#url = url.replace(/\/+$/, "");
    this.#key = key;
    this.#fetch = options.fetch ?? globalThis.fetch;
    if (typeof this.#fetch !== "function") {
      throw new TypeError("larch: no global fetch here (Node 18+ has one); pass options.fetch");
    }
    this.#batchSize = clamp(options.batchSize ?? 100, 1, MAX_EVENTS_PER_REQUEST);
    this.#flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 1000);
    this.#maxQueue = Math.max(1, options.maxQueue ?? 10_000);
    this.#retry = retryPolicy(options.retries);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#exitTimeoutMs = options.exitTimeoutMs ?? 5_000;
    this.#onError = options.onError ?? quietConsoleReporter();
    this.#defaults = { ...(options.defaults ?? {}) };
    if (options.signingSecret) {
      const subtle = globalThis.crypto?.subtle;
      if (!subtle) {
        throw new TypeError("larch: signingSecret needs WebCrypto (globalThis.crypto.subtle, Node 20+)");
      }
      this.#signingKey = subtle.importKey("raw", encoder.encode(options.signingSecret),
        { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      // A failure surfaces on each request (as a failed send), not as an unhandled rejection.
      this.#signingKey.catch(() => {});
    }
    if (options.source !== undefined) {
      this.#defaults.source = options.source;
    }
    this.workLog = new WorkLogs(this);
    if (options.handleExit !== false) {
      ExitHooks.add(this);
    }
  }

  /** Queues one event (Larch event fields: message, level, userId, attrs, ...); never throws. */
  log(event) {
    try {
      this.#enqueue(event);
    } catch (e) {
      this.#report(new LarchError("larch: could not queue an event: " + e.message, { cause: e, dropped: 1 }));
    }
  }

  trace(message, fields) { this.log(leveled("trace", message, fields)); }
  debug(message, fields) { this.log(leveled("debug", message, fields)); }
  info(message, fields) { this.log(leveled("info", message, fields)); }
  warn(message, fields) { this.log(leveled("warn", message, fields)); }
  error(message, fields) { this.log(leveled("error", message, fields)); }
  fatal(message, fields) { this.log(leveled("fatal", message, fields)); }

  /**
   * Sends everything queued so far; resolves once all of it was acknowledged (202) or given up
   * on, with {ok, failed}. Never rejects.
   */
  flush() {
    const target = this.#lastSeq;
    if (this.#settledThrough >= target) {
      return Promise.resolve({ ok: true, failed: 0 });
    }
    const done = new Promise((resolve) => this.#flushWaiters.push({ target, failed: 0, resolve }));
    this.#startDrain();
    return done;
  }

  /**
   * Flushes, then stops: later events are dropped (counted). Retries still pending after
   * timeoutMs (default: exitTimeoutMs) are abandoned so that close() always ends.
   */
  async close({ timeoutMs = this.#exitTimeoutMs } = {}) {
    this.#closed = true;
    ExitHooks.remove(this);
    const result = await this.flushWithin(timeoutMs);
    this.#clearIntervalTimer();
    return result;
  }

  /** flush(), abandoning retries still pending after timeoutMs (what the exit hooks run). */
  async flushWithin(timeoutMs) {
    const giveUpTimer = setTimeout(() => this.#giveUp(), timeoutMs);
    try {
      return await this.flush();
    } finally {
      clearTimeout(giveUpTimer);
      if (!this.#closed) {
        this.#givingUp = false;
      }
    }
  }

  /** Counts since the client was made: queued, sent (acknowledged), failed (given up), dropped (queue full or closed), retries. */
  stats() {
    return { ...this.#stats, pending: this.pending };
  }

  /** Events not yet acknowledged or given up on. */
  get pending() {
    return this.#lastSeq - this.#settledThrough;
  }

  /**
   * Mints a viewer token for one end user (POST /api/tokens, needs a key with the read scope):
   * resolves {token, expiresAt, userId, conversationId}; rejects with a LarchError when refused.
   * Call it on your server only: the browser gets the token, never the key.
   */
  async mintViewerToken({ userId, conversationId, ttl } = {}) {
    const body = { userId };
    if (conversationId !== undefined && conversationId !== null) {
      body.conversationId = conversationId;
    }
    if (ttl !== undefined && ttl !== null) {
      body.ttl = typeof ttl === "number" ? `${Math.ceil(ttl)}s` : ttl;
    }
    const answer = await this.request("/api/tokens", body);
    if (!answer.ok) {
      throw answer.failure;
    }
    return answer.body;
  }

  /**
   * POSTs a JSON body with retries; resolves {ok, status, body, failure}, never rejects.
   * (The building block of the work-log helpers; exposed for routes this client does not wrap.)
   */
  async request(path, body) {
    const text = safeStringify(body);
    let attempt = 0;
    for (;;) {
      const answer = await this.#post(path, text);
      if (answer.ok) {
        return answer;
      }
      if (!answer.retryable || attempt >= this.#retry.max || this.#givingUp) {
        this.#report(answer.failure);
        return answer;
      }
      this.#stats.retries++;
      await this.#sleep(this.#retryDelayMs(attempt, answer.retryAfterMs));
      attempt++;
    }
  }

  #enqueue(event) {
    if (this.#closed) {
      this.#drop(1, "the client is closed");
      return;
    }
    if (this.#queue.length >= this.#maxQueue) {
      this.#drop(1, `the queue is full (${this.#maxQueue} events waiting; maxQueue)`);
      return;
    }
    const json = safeStringify(toEvent(event, this.#defaults));
    const bytes = utf8Length(json);
    if (bytes > BODY_BUDGET_BYTES) {
      this.#drop(1, `an event of ${bytes} bytes is larger than a request may be (${MAX_BODY_BYTES})`);
      return;
    }
    this.#dropping = false;
    this.#queue.push({ seq: ++this.#lastSeq, json, bytes });
    this.#stats.queued++;
    if (this.#queue.length >= this.#batchSize) {
      this.#startDrain();
    } else if (this.#intervalTimer === null && !this.#draining) {
      this.#intervalTimer = setTimeout(() => {
        this.#intervalTimer = null;
        this.#startDrain();
      }, this.#flushIntervalMs);
      // The interval alone must not keep a finished process alive; the exit hooks flush instead.
      this.#intervalTimer.unref?.();
    }
  }

  #drop(count, why) {
    this.#stats.dropped += count;
    // One report when dropping starts, not one per event of a burst.
    if (!this.#dropping) {
      this.#dropping = true;
      this.#report(new LarchError(`larch: dropped events: ${why}`, { dropped: count }));
    }
  }

  #clearIntervalTimer() {
    if (this.#intervalTimer !== null) {
      clearTimeout(this.#intervalTimer);
      this.#intervalTimer = null;
    }
  }

  #startDrain() {
    this.#clearIntervalTimer();
    if (this.#draining) {
      return;
    }
    this.#draining = true;
    // A microtask later, so that events logged in the same tick share the request.
    queueMicrotask(() => this.#drain());
  }

  /** Sends batches one at a time, oldest first, until the queue is empty. */
  async #drain() {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#takeBatch();
        try {
          await this.#sendBatch(batch);
        } catch (e) {
          // A bug of ours, not the server's answer: count the batch as lost, keep flush() honest.
          this.#fail(batch, new LarchError("larch: internal error while sending: " + e.message, { cause: e }));
        }
        this.#settle(batch[batch.length - 1].seq);
      }
    } finally {
      this.#draining = false;
    }
  }

  #takeBatch() {
    let count = 0;
    let bytes = 0;
    while (count < this.#queue.length && count < this.#batchSize
        && bytes + this.#queue.at(count).bytes + 1 <= BODY_BUDGET_BYTES) {
      bytes += this.#queue.at(count).bytes + 1;
      count++;
    }
    return this.#queue.take(count);
  }

  /** Sends one batch with retries; splits it on 413 and drops only the bad events on 400. */
  async #sendBatch(batch) {
    let events = batch;
    let attempt = 0;
    while (events.length > 0) {
      if (this.#givingUp) {
        this.#fail(events, new LarchError("larch: gave up sending (closing or exiting)", { dropped: events.length }));
        return;
      }
      const answer = await this.#post("/api/log", `{"events":[${events.map((e) => e.json).join(",")}]}`);
      if (answer.ok) {
        this.#stats.sent += events.length;
        return;
      }
      if (answer.status === 413 && events.length > 1 || isLargerThanRateLimit(answer, events.length)) {
        const half = Math.ceil(events.length / 2);
        await this.#sendBatch(events.slice(0, half));
        events = events.slice(half);
        continue;
      }
      const badIndexes = invalidEventIndexes(answer);
      if (badIndexes !== null) {
        // A batch is all or nothing: drop the events Larch named, send the others again.
        const reasons = answer.body.details.map((detail) => `event ${detail.index}: ${detail.reason}`).join("; ");
        this.#fail(events.filter((_, i) => badIndexes.has(i)), new LarchError(
          `larch: Larch refused ${badIndexes.size} invalid event(s) of a batch of ${events.length}`
            + `${badIndexes.size < events.length ? ", sending the others again" : ""}: ${reasons}`,
          { status: 400, body: answer.body }));
        events = events.filter((_, i) => !badIndexes.has(i));
        continue;
      }
      if (!answer.retryable || attempt >= this.#retry.max) {
        this.#fail(events, answer.failure);
        return;
      }
      this.#stats.retries++;
      await this.#sleep(this.#retryDelayMs(attempt, answer.retryAfterMs));
      attempt++;
    }
  }

  #retryDelayMs(attempt, retryAfter) {
    const delay = this.#retry.delayMs(attempt, retryAfter);
    // A signature is accepted once: the same body again needs another second's timestamp.
    return this.#signingKey === null ? delay : Math.max(delay, 1000);
  }

  #fail(events, failure) {
    this.#stats.failed += events.length;
    failure.dropped = events.length;
    for (const waiter of this.#flushWaiters) {
      waiter.failed += events.filter((e) => e.seq <= waiter.target).length;
    }
    this.#report(failure);
  }

  #settle(seq) {
    this.#settledThrough = seq;
    const stillWaiting = [];
    for (const waiter of this.#flushWaiters) {
      if (waiter.target <= seq) {
        waiter.resolve({ ok: waiter.failed === 0, failed: waiter.failed });
      } else {
        stillWaiting.push(waiter);
      }
    }
    this.#flushWaiters = stillWaiting;
  }

  /** One POST: {ok, status, body, retryable, retryAfterMs, failure}; never rejects. */
  async #post(path, text) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    this.#inFlight.add(controller);
    try {
      const headers = {
        "Authorization": `Bearer ${this.#key}`,
        "Content-Type": "application/json",
        "User-Agent": `larch-js/${VERSION}`,
      };
      if (this.#signingKey !== null) {
        const timestamp = Math.floor(Date.now() / 1000).toString();
        const mac = await globalThis.crypto.subtle.sign("HMAC", await this.#signingKey, encoder.encode(`${timestamp}.${text}`));
        headers["X-Larch-Timestamp"] = timestamp;
        headers["X-Larch-Signature"] = "v1=" + hex(mac);
      }
      const response = await this.#fetch(this.#url + path, {
        method: "POST",
        headers,
        body: text,
        signal: controller.signal,
      });
      const raw = await response.text();
      const body = parseJson(raw);
      if (response.status >= 200 && response.status < 300) {
        return { ok: true, status: response.status, body };
      }
      const reason = (body && typeof body.error === "string") ? body.error : raw.slice(0, 200);
      return {
        ok: false,
        status: response.status,
        body,
        retryable: RETRYABLE_STATUSES.has(response.status),
        retryAfterMs: retryAfterMs(response.headers.get("retry-after")),
        failure: new LarchError(`larch: POST ${path} answered ${response.status}: ${reason}`,
          { status: response.status, body }),
      };
    } catch (e) {
      const why = controller.signal.aborted
        ? (this.#givingUp ? "gave up (closing or exiting)" : `no answer within ${this.#timeoutMs} ms`)
        : describeNetworkError(e);
      return {
        ok: false,
        status: 0,
        retryable: true,
        retryAfterMs: null,
        failure: new LarchError(`larch: POST ${path} failed: ${why}`, { cause: e }),
      };
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
  }

  /** A sleep that #giveUp() cuts short. Its timer keeps the process alive, so an exit waits for the retry. */
  #sleep(ms) {
    return new Promise((resolve) => {
      if (this.#givingUp) {
        resolve();
        return;
      }
      const wake = () => {
        clearTimeout(timer);
        this.#wakeSleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakeSleepers.add(wake);
    });
  }

  #giveUp() {
    this.#givingUp = true;
    for (const wake of [...this.#wakeSleepers]) {
      wake();
    }
    for (const controller of this.#inFlight) {
      controller.abort();
    }
  }

  /** The exit hooks' view of a client (module functions cannot read private fields otherwise). */
  static {
    exitTimeoutOf = (client) => client.#exitTimeoutMs;
    reportUnsentAtExit = (client) => client.#report(new LarchError(
      `larch: ${client.pending} events not sent: the process exited without waiting (process.exit() cannot wait;`
      + " await client.flush() or client.close() before it)", { dropped: client.pending }));
  }

  #report(error) {
    try {
      this.#onError(error);
    } catch {
      // onError is the app's code; a failure there must not become ours.
    }
  }
}

/** A FIFO whose take() does not move the rest (Array.splice would, per batch, over 10,000 events). */
class EventQueue {
  #items = [];
  #head = 0;

  get length() { return this.#items.length - this.#head; }
  push(item) { this.#items.push(item); }
  at(index) { return this.#items[this.#head + index]; }

  take(count) {
    const taken = this.#items.slice(this.#head, this.#head + count);
    this.#head += count;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }
}

/** client.workLog: entries in one user's activity feed (README "Work logs"). */
class WorkLogs {
  #client;

  constructor(client) {
    this.#client = client;
  }

  working(entry) { return this.create({ ...entry, status: "working" }); }
  success(entry) { return this.create({ ...entry, status: "success" }); }
  warning(entry) { return this.create({ ...entry, status: "warning" }); }
  error(entry) { return this.create({ ...entry, status: "error" }); }
  info(entry) { return this.create({ ...entry, status: "info" }); }

  /** POST /api/work-log/create; resolves a WorkLogEntry (check entry.ok), never rejects. */
  async create({ userId, conversationId, logType, status, message, metadata } = {}) {
    const body = withoutUndefined({ userId, conversationId, logType, status, message, metadata });
    return this.#entry(await this.#client.request("/api/work-log/create", body));
  }

  /** POST /api/work-log/update of the entry entryId; resolves a WorkLogEntry, never rejects. */
  async update(entryId, status, message, metadata) {
    if (entryId === null || entryId === undefined) {
      return this.#entry({
        ok: false,
        failure: new LarchError("larch: no entry to update: its create failed or was debounced (entryId is null)"),
      });
    }
    if (!WORK_LOG_STATUSES.includes(status)) {
      return this.#entry({
        ok: false,
        failure: new LarchError(`larch: work-log status '${status}' is not one of ${WORK_LOG_STATUSES.join(", ")}`),
      }, entryId);
    }
    const body = withoutUndefined({ entryId, status, message, metadata });
    return this.#entry(await this.#client.request("/api/work-log/update", body), entryId);
  }

  #entry(answer, knownEntryId = null) {
    const body = answer.ok ? answer.body ?? {} : {};
    return new WorkLogEntry(this, {
      ok: answer.ok,
      id: body.id ?? null,
      entryId: body.entryId ?? knownEntryId,
      debounced: body.debounced === true,
      failure: answer.ok ? undefined : answer.failure,
    });
  }
}

/** One work-log entry as the server answered it; update() and the status methods write new versions. */
class WorkLogEntry {
  #workLogs;

  constructor(workLogs, { ok, id, entryId, debounced, failure }) {
    this.#workLogs = workLogs;
    this.ok = ok;
    this.id = id;
    this.entryId = entryId;
    this.debounced = debounced;
    this.failure = failure;
  }

  /** Sets the entry's status (and message, metadata); resolves the new version. */
  update(status, message, metadata) {
    return this.#workLogs.update(this.entryId, status, message, metadata);
  }

  working(message, metadata) { return this.update("working", message, metadata); }
  success(message, metadata) { return this.update("success", message, metadata); }
  warning(message, metadata) { return this.update("warning", message, metadata); }
  error(message, metadata) { return this.update("error", message, metadata); }
  info(message, metadata) { return this.update("info", message, metadata); }
}

/**
 * One set of process hooks for every live client: on beforeExit (the event loop ran dry) and on
 * SIGTERM / SIGINT each client flushes within its exitTimeoutMs. A signal is raised again after
 * the flush when no other listener handles it, so the process still ends the way it would have.
 * 'exit' is synchronous and cannot wait for a request: events still queued then are reported.
 */
const ExitHooks = {
  clients: new Set(),
  installed: false,
  signalled: false,

  add(client) {
    this.clients.add(client);
    if (this.installed || typeof process === "undefined" || typeof process.on !== "function") {
      return;
    }
    this.installed = true;
    process.on("beforeExit", () => {
      for (const each of this.clients) {
        if (each.pending > 0) {
          each.flushWithin(exitTimeoutOf(each));
        }
      }
    });
    for (const signal of ["SIGTERM", "SIGINT"]) {
      const onSignal = async () => {
        const otherListeners = process.listenerCount(signal) - 1;
        if (this.signalled) {
          // A second signal while flushing: stop waiting.
          process.removeListener(signal, onSignal);
          process.kill(process.pid, signal);
          return;
        }
        this.signalled = true;
        await Promise.all([...this.clients].map((each) => each.flushWithin(exitTimeoutOf(each))));
        if (otherListeners === 0) {
          process.removeListener(signal, onSignal);
          process.kill(process.pid, signal);
        }
      };
      process.on(signal, onSignal);
    }
    process.on("exit", () => {
      for (const each of this.clients) {
        if (each.pending > 0) {
          reportUnsentAtExit(each);
        }
      }
    });
  },

  remove(client) {
    this.clients.delete(client);
  },
};

// --- helpers, no state ---

function leveled(level, message, fields) {
  if (message instanceof Error) {
    return { ...fields, level, message: message.message, stack: message.stack, [ERROR_NAME]: message.name };
  }
  return { ...fields, level, message };
}

const ERROR_NAME = "error.name";

/** The event as Larch takes it: defaults under it, ts fixed now, an Error in a field becomes stack and attrs. */
function toEvent(event, defaults) {
  const source = (typeof event === "string") ? { message: event } : (event ?? {});
  const out = { ...defaults, ts: Date.now() };
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) {
      continue;
    }
    if (value instanceof Error && name !== "message") {
      if (out.stack === undefined && typeof value.stack === "string") {
        out.stack = value.stack;
      }
      out[`${name}.name`] = value.name;
      out[`${name}.message`] = value.message;
      continue;
    }
    out[name] = value;
  }
  if (out.message instanceof Error) {
    out.stack ??= out.message.stack;
    out.message = out.message.message;
  }
  if (typeof out.message !== "string") {
    out.message = out.message === undefined ? "" : String(out.message);
  }
  if (out.ts instanceof Date) {
    out.ts = out.ts.toISOString();
  }
  if (typeof out.level === "string" && !LEVELS.includes(out.level)) {
    // Larch knows the common spellings (warning, err, critical, ...); pass them on as they are.
    out.level = out.level.toLowerCase();
  }
  return out;
}

/** JSON.stringify that survives cycles and BigInt, and writes an Error as {name, message, stack}. */
function safeStringify(value) {
  const seen = new WeakSet();
  return JSON.stringify(value, (_, v) => {
    if (typeof v === "bigint") {
      return v.toString();
    }
    if (v instanceof Error) {
      return { name: v.name, message: v.message, stack: v.stack };
    }
    if (typeof v === "object" && v !== null) {
      if (seen.has(v)) {
        return "[circular]";
      }
      seen.add(v);
    }
    return v;
  });
}

const encoder = new TextEncoder();
function utf8Length(text) {
  // Plain ASCII is the common case and needs no encoding to count.
  return /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).length;
}

/** A 429 of the project's events-per-minute limit for a batch that limit can never admit whole. */
function isLargerThanRateLimit(answer, events) {
  const body = answer.body;
  return answer.status === 429 && events > 1 && body?.limit === "project_events_per_minute"
    && Number.isInteger(body.limitPerMinute) && body.limitPerMinute > 0 && events > body.limitPerMinute;
}

/** The bad events' indexes from a 400 (README: every bad index and reason), or null. */
function invalidEventIndexes(answer) {
  if (answer.status !== 400 || !answer.body || !Array.isArray(answer.body.details)) {
    return null;
  }
  const indexes = new Set();
  for (const detail of answer.body.details) {
    if (!Number.isInteger(detail?.index)) {
      return null;
    }
    indexes.add(detail.index);
  }
  return indexes.size > 0 ? indexes : null;
}

function retryPolicy(option) {
  const settings = typeof option === "number" ? { max: option } : (option ?? {});
  const max = Math.max(0, settings.max ?? 5);
  const baseDelayMs = settings.baseDelayMs ?? 250;
  const maxDelayMs = settings.maxDelayMs ?? 30_000;
  const maxRetryAfterMs = settings.maxRetryAfterMs ?? 60_000;
  return {
    max,
    /** Exponential backoff with full jitter; a server's Retry-After is waited out (plus a little jitter). */
    delayMs(attempt, retryAfter) {
      if (retryAfter !== null && retryAfter !== undefined) {
        return Math.min(retryAfter, maxRetryAfterMs) + Math.random() * Math.min(250, baseDelayMs);
      }
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
      return ceiling / 2 + Math.random() * (ceiling / 2);
    },
  };
}

/** Retry-After as delay-seconds or an HTTP date, in ms; null when absent or unreadable. */
function retryAfterMs(header) {
  if (header === null || header === undefined || header === "") {
    return null;
  }
  const seconds = Number(header);
  if (Number.isFinite(seconds)) {
    return Math.max(0, seconds * 1000);
  }
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function describeNetworkError(error) {
  const cause = error?.cause;
  if (cause && typeof cause.code === "string") {
    return `${cause.code} ${cause.message ?? ""}`.trim();
  }
  return error?.message ?? String(error);
}

function parseJson(text) {
  try {
    return text === "" ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

function withoutUndefined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, Math.floor(value)));
}

function quietConsoleReporter() {
  let lastAt = -Infinity;
  let quieted = 0;
  return (error) => {
    const now = Date.now();
    if (now - lastAt < DEFAULT_ON_ERROR_QUIET_MS) {
      quieted++;
      return;
    }
    lastAt = now;
    const more = quieted > 0 ? ` (and ${quieted} more since the last report)` : "";
    quieted = 0;
    console.error(error.message + more);
  };
}
