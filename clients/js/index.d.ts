// Types of @larch/client (index.js). Self-contained: no @types/node needed.

export type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal";
export type Kind = "app" | "work" | "build" | "deploy" | "system" | "action" | "lifecycle";
export type AttrValue = string | number | boolean | null;

/** A Larch event (README "Sending logs"); any other field is kept as an attribute. */
export interface LarchEvent {
  message: string | Error;
  level?: Level | (string & {});
  /** Event time: a Date, ISO-8601 text or epoch ms. Default: when log() was called. */
  ts?: Date | string | number;
  kind?: Kind;
  source?: string;
  stack?: string;
  fingerprint?: string;
  userId?: string | number;
  conversationId?: string | number;
  buildId?: string | number;
  deploymentId?: string | number;
  traceId?: string;
  status?: string;
  /** Extra values; nested objects are flattened with dots by the server. */
  attrs?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Fields for debug/info/...: event fields (source, userId, ...) and extra attributes; an Error value becomes the stack. */
export type LogFields = Omit<Partial<LarchEvent>, "message" | "level">;

export interface RetryOptions {
  /** Retries after the first attempt (default 5). */
  max?: number;
  /** First backoff, doubled per retry, with jitter (default 250). */
  baseDelayMs?: number;
  /** Longest backoff (default 30000). */
  maxDelayMs?: number;
  /** Longest Retry-After honoured (default 60000). */
  maxRetryAfterMs?: number;
}

export interface ClientOptions {
  /** Larch's base URL, e.g. https://larch.example.com */
  url: string;
  /** A project key (larch_...): scope ingest to log and write work logs, read to mint viewer tokens. */
  key: string;
  /** Events per request (default 100, at most 250). */
  batchSize?: number;
  /** How long an event may wait for its batch to fill (default 1000). */
  flushIntervalMs?: number;
  /** Events held while Larch is slow or away; beyond it new events are dropped and counted (default 10000). */
  maxQueue?: number;
  /** A number (max retries) or the full policy; 429 and 503 wait out Retry-After. */
  retries?: number | RetryOptions;
  /** One request's time limit (default 10000). */
  timeoutMs?: number;
  /** How long an exit (beforeExit, SIGTERM, SIGINT) or close() waits for pending sends (default 5000). */
  exitTimeoutMs?: number;
  /** Flush on beforeExit, SIGTERM and SIGINT (default true). */
  handleExit?: boolean;
  /** Called for every failure (never thrown); default: a line on stderr at most every 10 s. */
  onError?: (error: LarchError) => void;
  /** Default source of every event. */
  source?: string;
  /** The project's signing secret (larchsig_...): every request is HMAC-signed (README "Signed ingest"). */
  signingSecret?: string;
  /** Fields added to every event (an event's own fields win). */
  defaults?: Partial<LarchEvent>;
  /** The fetch to use (default: globalThis.fetch). */
  fetch?: (input: string, init?: any) => Promise<any>;
}

export declare class LarchError extends Error {
  /** The HTTP status, 0 when no answer came (network error, timeout). */
  readonly status: number;
  /** The server's JSON answer, if any ({error, details, ...}). */
  readonly body: unknown;
  /** How many events this failure lost. */
  dropped: number;
}

export interface FlushResult {
  /** Every event queued before flush() was acknowledged. */
  ok: boolean;
  /** Events given up on (refused, or retries exhausted). */
  failed: number;
}

export interface ClientStats {
  queued: number;
  sent: number;
  failed: number;
  dropped: number;
  retries: number;
  pending: number;
}

export interface RequestAnswer<T = any> {
  ok: boolean;
  status?: number;
  body?: T;
  failure?: LarchError;
}

export type WorkLogType = "ai_response" | "tool_call" | "file_operation" | "deployment" | "error" | "info";
export type WorkLogStatus = "working" | "success" | "warning" | "error" | "info";
export type WorkLogMetadata = Record<string, string | number | boolean>;

export interface WorkLogInput {
  userId: string | number;
  conversationId?: string | number;
  logType?: WorkLogType;
  message: string;
  metadata?: WorkLogMetadata;
}

export interface WorkLogEntry {
  /** The server stored it (or debounced it); false after a refusal or a network failure. */
  readonly ok: boolean;
  /** The stored event's id; null when debounced or failed. */
  readonly id: string | null;
  /** The entry to update; null when the create was debounced or failed. */
  readonly entryId: string | null;
  /** A repeat within a second, dropped by the server. */
  readonly debounced: boolean;
  /** Why ok is false. */
  readonly failure: LarchError | undefined;
  update(status: WorkLogStatus, message?: string, metadata?: WorkLogMetadata): Promise<WorkLogEntry>;
  working(message?: string, metadata?: WorkLogMetadata): Promise<WorkLogEntry>;
  success(message?: string, metadata?: WorkLogMetadata): Promise<WorkLogEntry>;
  warning(message?: string, metadata?: WorkLogMetadata): Promise<WorkLogEntry>;
  error(message?: string, metadata?: WorkLogMetadata): Promise<WorkLogEntry>;
  info(message?: string, metadata?: WorkLogMetadata): Promise<WorkLogEntry>;
}

/** Work logs: one user's activity feed. Every method resolves (check entry.ok), none rejects. */
export interface WorkLogs {
  working(entry: WorkLogInput): Promise<WorkLogEntry>;
  success(entry: WorkLogInput): Promise<WorkLogEntry>;
  warning(entry: WorkLogInput): Promise<WorkLogEntry>;
  error(entry: WorkLogInput): Promise<WorkLogEntry>;
  info(entry: WorkLogInput): Promise<WorkLogEntry>;
  create(entry: WorkLogInput & { status?: WorkLogStatus }): Promise<WorkLogEntry>;
  update(entryId: string, status: WorkLogStatus, message?: string, metadata?: WorkLogMetadata): Promise<WorkLogEntry>;
}

export interface ViewerTokenRequest {
  userId: string | number;
  conversationId?: string | number;
  /** "15m", "1h", or seconds (default 15 minutes, at most the server's LARCH_VIEWER_TOKEN_MAX_TTL). */
  ttl?: string | number;
}

export interface ViewerToken {
  token: string;
  /** ISO-8601 instant. */
  expiresAt: string;
  userId: string;
  conversationId: string | null;
}

export declare class LarchClient {
  constructor(options: ClientOptions);
  readonly workLog: WorkLogs;
  /** Events not yet acknowledged or given up on. */
  readonly pending: number;
  /** Queues one event; never throws. */
  log(event: LarchEvent | string): void;
  trace(message: string | Error, fields?: LogFields): void;
  debug(message: string | Error, fields?: LogFields): void;
  info(message: string | Error, fields?: LogFields): void;
  warn(message: string | Error, fields?: LogFields): void;
  error(message: string | Error, fields?: LogFields): void;
  fatal(message: string | Error, fields?: LogFields): void;
  /** Resolves once everything queued so far is acknowledged (202) or given up on; never rejects. */
  flush(): Promise<FlushResult>;
  /** flush(), abandoning retries still pending after timeoutMs. */
  flushWithin(timeoutMs: number): Promise<FlushResult>;
  /** Flushes and stops; later events are dropped. */
  close(options?: { timeoutMs?: number }): Promise<FlushResult>;
  stats(): ClientStats;
  /** POST /api/tokens (read scope). Server side only: the browser gets the token, never the key. Rejects with LarchError. */
  mintViewerToken(request: ViewerTokenRequest): Promise<ViewerToken>;
  /** POST a JSON body to a Larch path with retries; never rejects. */
  request<T = any>(path: string, body: unknown): Promise<RequestAnswer<T>>;
}

export declare function createClient(options: ClientOptions): LarchClient;
