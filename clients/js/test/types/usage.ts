// Compiled (never run) by types.test.js with tsc --strict: the README's usage type-checks against
// index.d.ts, and the mistakes below are caught (each @ts-expect-error must be an error).
import { createClient, LarchError, type LarchClient, type WorkLogEntry, type ViewerToken, type FlushResult } from "../../index.js";

const larch: LarchClient = createClient({
  url: "http://127.0.0.1:8080",
  key: "larch_...",
  batchSize: 100,
  flushIntervalMs: 1000,
  maxQueue: 10_000,
  retries: { max: 5, baseDelayMs: 250 },
  onError: (error: LarchError) => console.error(error.status, error.message, error.dropped),
  source: "checkout",
  defaults: { deploymentId: "dpl_1" },
});

larch.log({ message: "order paid", level: "info", userId: "u42", attrs: { order: 1234 } });
larch.log("just a line");
larch.info("cache warmed", { durationMs: 120 });
larch.error(new Error("boom"));
larch.error("payment failed", { err: new Error("card declined"), conversationId: "c7" });

async function flows(): Promise<void> {
  const flushed: FlushResult = await larch.flush();
  console.log(flushed.ok, flushed.failed, larch.stats().dropped, larch.pending);

  const entry: WorkLogEntry = await larch.workLog.working({ userId: "u42", conversationId: "c7", logType: "tool_call", message: "Searching" });
  const done: WorkLogEntry = await entry.success("Found 3", { results: 3 });
  console.log(done.entryId, done.ok, done.failure?.status);
  await larch.workLog.update("6H3K0S1Q80000", "warning", "Partly done");

  const token: ViewerToken = await larch.mintViewerToken({ userId: "u42", conversationId: "c7", ttl: "15m" });
  console.log(token.token, token.expiresAt);
  await larch.close({ timeoutMs: 2000 });
}
void flows;

// @ts-expect-error the url is required
createClient({ key: "larch_..." });
// @ts-expect-error not a work-log type
void larch.workLog.info({ userId: "u1", message: "x", logType: "chat" });
// @ts-expect-error not a work-log status
void larch.workLog.update("id", "done");
// @ts-expect-error metadata values are scalars
void larch.workLog.info({ userId: "u1", message: "x", metadata: { nested: { a: 1 } } });
// @ts-expect-error a viewer token names its user
void larch.mintViewerToken({ conversationId: "c7" });
