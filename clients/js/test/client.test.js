// The client against a real Larch: batching, flushing, retries, drops, refusals, work logs,
// viewer tokens and the flush at process exit. Every case checks what search (or the work-log
// list) finds afterwards, not what the client believes it sent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createClient, LarchError } from "../index.js";
import { startLarch, createProject, addKey, putSettings, getJson, search, searchUntil, startProxy, sleep } from "./support/larch.js";

const EXIT_CHILD = fileURLToPath(new URL("./fixtures/exit-child.js", import.meta.url));
let larch;
let project;
const clients = [];

before(async () => {
  larch = await startLarch();
  project = await createProject(larch, "js client " + process.pid);
});

after(async () => {
  await Promise.all(clients.map((client) => client.close({ timeoutMs: 1000 })));
  await larch.stop();
});

/** A client the suite closes at the end, recording its errors and requests. */
function client(options = {}) {
  const errors = [];
  let requests = 0;
  const made = createClient({
    url: larch.url,
    key: project.key,
    handleExit: false,
    onError: (error) => errors.push(error),
    fetch: (...args) => { requests++; return fetch(...args); },
    ...options,
  });
  clients.push(made);
  return { client: made, errors, requests: () => requests };
}

/** A word no other test uses, to find this test's events. */
function tag(name) {
  return `${name}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
}

test("log batches events by batchSize, and flush resolves once all are stored with their fields", async () => {
  const run = tag("batching");
  const { client: larchClient, errors, requests } = client({ batchSize: 10, source: "checkout" });
  for (let i = 0; i < 25; i++) {
    larchClient.log({ message: `order ${i} paid ${run}`, level: "info", userId: `u${i % 3}`, attrs: { order: i } });
  }
  assert.deepEqual(await larchClient.flush(), { ok: true, failed: 0 });
  assert.equal(requests(), 3, "25 events in batches of 10 are three requests");
  const found = await search(larch, project.key, run);
  assert.equal(found.length, 25);
  const seventh = found.find((event) => event.message === `order 7 paid ${run}`);
  assert.equal(seventh.level, "info");
  assert.equal(seventh.source, "checkout");
  assert.equal(seventh.userId, "u1");
  assert.equal(seventh.attrs.order, "7", "attrs come back as text");
  assert.deepEqual(errors, []);
  assert.equal(larchClient.stats().sent, 25);
});

test("events are sent after flushIntervalMs without a flush call", async () => {
  const run = tag("interval");
  const { client: larchClient } = client({ flushIntervalMs: 100 });
  larchClient.info(`first ${run}`);
  larchClient.info(`second ${run}`);
  const found = await searchUntil(larch, project.key, run, 2, 5000);
  assert.equal(found.length, 2);
});

test("level helpers set the level, fields become event fields and attrs, an Error becomes the stack", async () => {
  const run = tag("helpers");
  const { client: larchClient } = client();
  larchClient.debug(`cache miss ${run}`, { source: "cache", key: "user:7" });
  larchClient.warn(`slow query ${run}`, { durationMs: 1200, traceId: "trace-1" });
  larchClient.error(`payment failed ${run}`, { err: new TypeError("card declined"), conversationId: "c9" });
  larchClient.error(new RangeError(`amount out of range ${run}`));
  assert.equal((await larchClient.flush()).ok, true);
  const byMessage = Object.fromEntries((await search(larch, project.key, run)).map((event) => [event.message, event]));
  assert.equal(byMessage[`cache miss ${run}`].level, "debug");
  assert.equal(byMessage[`cache miss ${run}`].source, "cache");
  assert.equal(byMessage[`cache miss ${run}`].attrs.key, "user:7");
  assert.equal(byMessage[`slow query ${run}`].level, "warn");
  assert.equal(byMessage[`slow query ${run}`].attrs.durationMs, "1200");
  assert.equal(byMessage[`slow query ${run}`].traceId, "trace-1");
  const failed = byMessage[`payment failed ${run}`];
  assert.equal(failed.level, "error");
  assert.equal(failed.conversationId, "c9");
  assert.equal(failed.attrs["err.name"], "TypeError");
  assert.equal(failed.attrs["err.message"], "card declined");
  assert.match(failed.stack, /TypeError: card declined\n\s+at /);
  const thrown = byMessage[`amount out of range ${run}`];
  assert.equal(thrown.level, "error");
  assert.match(thrown.stack, /^RangeError: amount out of range/);
});

test("a 429 from the project's rate limit is retried after Retry-After and then stored", async () => {
  const limited = await createProject(larch, "js rate limited " + process.pid);
  await putSettings(larch, limited.slug, { limits: { eventsPerMinute: 60 } });
  const run = tag("ratelimited");
  const { client: larchClient, errors } = client({ key: limited.key, retries: { max: 5 } });
  for (let i = 0; i < 60; i++) {
    larchClient.info(`fill the bucket ${i} ${run}`);
  }
  assert.equal((await larchClient.flush()).ok, true);
  const started = Date.now();
  larchClient.info(`over the limit a ${run}`);
  larchClient.info(`over the limit b ${run}`);
  assert.deepEqual(await larchClient.flush(), { ok: true, failed: 0 });
  // The bucket refills one event a second; Retry-After said to wait for the two events.
  assert.ok(Date.now() - started >= 1000, `waited ${Date.now() - started} ms`);
  assert.ok(larchClient.stats().retries >= 1);
  assert.equal((await search(larch, limited.key, `over the limit ${run}`)).length, 2);
  assert.deepEqual(errors, [], "a retry that succeeds is not an error");
});

test("a batch larger than the project's events-per-minute limit is split instead of waiting in vain", async () => {
  const limited = await createProject(larch, "js tight limit " + process.pid);
  await putSettings(larch, limited.slug, { limits: { eventsPerMinute: 240 } });
  const run = tag("splitforlimit");
  const { client: larchClient, errors, requests } = client({ key: limited.key, batchSize: 250 });
  // 250 at once is more than 240 can ever admit: refused whole, then sent as two halves of 125
  // (the second waits the ~2.5 s the bucket needs for its last 10 events).
  for (let i = 0; i < 250; i++) {
    larchClient.info(`split for the limit ${i} ${run}`);
  }
  assert.deepEqual(await larchClient.flush(), { ok: true, failed: 0 });
  assert.ok(requests() >= 3, `requests: ${requests()}`);
  assert.equal((await search(larch, limited.key, run)).length, 250);
  assert.deepEqual(errors, []);
});

test("a server that goes away and comes back gets the events queued meanwhile", async () => {
  const proxy = await startProxy(larch.url);
  const run = tag("restart");
  const { client: larchClient, errors } = client({ url: proxy.url, retries: { max: 20, baseDelayMs: 100, maxDelayMs: 400 } });
  await proxy.down();
  for (let i = 0; i < 5; i++) {
    larchClient.warn(`while away ${i} ${run}`);
  }
  const flushed = larchClient.flush();
  await sleep(1500);
  assert.equal(larchClient.pending, 5, "nothing was acknowledged while the server was away");
  await proxy.up();
  assert.deepEqual(await flushed, { ok: true, failed: 0 });
  assert.ok(larchClient.stats().retries >= 2, `retries: ${larchClient.stats().retries}`);
  const found = await search(larch, project.key, run);
  assert.equal(found.length, 5);
  assert.ok(found.every((event) => event.level === "warn"));
  assert.deepEqual(errors, []);
  await proxy.down();
});

test("when retries run out the events are counted as failed and onError is told, never thrown", async () => {
  const proxy = await startProxy(larch.url);
  await proxy.down();
  const { client: larchClient, errors } = client({ url: proxy.url, retries: { max: 2, baseDelayMs: 10 } });
  larchClient.info("never arrives");
  assert.deepEqual(await larchClient.flush(), { ok: false, failed: 1 });
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof LarchError);
  assert.equal(errors[0].status, 0);
  assert.match(errors[0].message, /POST \/api\/log failed: ECONNREFUSED/);
  assert.equal(larchClient.stats().failed, 1);
});

test("a full queue drops new events, counts them and reports once", async () => {
  const run = tag("queuefull");
  const { client: larchClient, errors } = client({ maxQueue: 5 });
  for (let i = 0; i < 8; i++) {
    larchClient.info(`queued ${i} ${run}`);
  }
  assert.equal(larchClient.stats().dropped, 3);
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /queue is full \(5 events waiting; maxQueue\)/);
  assert.equal((await larchClient.flush()).ok, true);
  assert.deepEqual((await search(larch, project.key, run)).map((event) => event.message).sort(),
    [0, 1, 2, 3, 4].map((i) => `queued ${i} ${run}`));
});

test("an invalid event is dropped with the server's reason and the rest of its batch is stored", async () => {
  const run = tag("invalid");
  const { client: larchClient, errors } = client();
  larchClient.log({ message: `good one ${run}` });
  larchClient.log({ message: `bad one ${run}`, level: "loud" });
  larchClient.log({ message: `good two ${run}` });
  assert.deepEqual(await larchClient.flush(), { ok: false, failed: 1 });
  assert.equal(errors.length, 1);
  assert.equal(errors[0].status, 400);
  assert.match(errors[0].message, /unknown level 'loud'/);
  assert.deepEqual((await search(larch, project.key, run)).map((event) => event.message).sort(),
    [`good one ${run}`, `good two ${run}`]);

  larchClient.log({ message: `only a bad one ${run}`, level: "loud" });
  assert.deepEqual(await larchClient.flush(), { ok: false, failed: 1 });
  assert.match(errors[1].message, /refused 1 invalid event\(s\) of a batch of 1: event 0: unknown level 'loud'/);
});

test("a wrong key (401) and a key without the ingest scope (403) are reported, not retried", async () => {
  const wrong = client({ key: "larch_not_a_real_key_0000000000000000000000" });
  wrong.client.info("with a wrong key");
  assert.deepEqual(await wrong.client.flush(), { ok: false, failed: 1 });
  assert.equal(wrong.errors[0].status, 401);
  assert.equal(wrong.requests(), 1, "a 401 is final");

  const readOnly = client({ key: await addKey(larch, project.slug, ["read"]) });
  readOnly.client.info("with a read-only key");
  assert.deepEqual(await readOnly.client.flush(), { ok: false, failed: 1 });
  assert.equal(readOnly.errors[0].status, 403);
  assert.equal(readOnly.requests(), 1, "a 403 is final");
});

test("with signingSecret every request is signed: a project that requires signatures stores logs and work logs", async () => {
  const signed = await createProject(larch, "js signed " + process.pid);
  const secretAnswer = await fetch(`${larch.url}/admin/projects/${signed.slug}/signing-secret`, {
    method: "POST", headers: { Authorization: `Bearer ${larch.adminToken}` },
  });
  const { signingSecret } = await secretAnswer.json();
  await putSettings(larch, signed.slug, { signing: "required" });
  const run = tag("signed");
  const { client: signing, errors } = client({ key: signed.key, signingSecret });
  signing.info(`signed one ${run}`);
  signing.info(`signed two ${run}`);
  assert.deepEqual(await signing.flush(), { ok: true, failed: 0 });
  const entry = await signing.workLog.working({ userId: "u1", message: `signed work ${run}` });
  assert.equal(entry.ok, true, entry.failure?.message);
  assert.equal((await entry.success()).ok, true);
  assert.deepEqual(errors, []);
  assert.equal((await search(larch, signed.key, `kind:app ${run}`)).length, 2);

  const unsigned = client({ key: signed.key });
  unsigned.client.info(`unsigned ${run}`);
  assert.deepEqual(await unsigned.client.flush(), { ok: false, failed: 1 });
  assert.equal(unsigned.errors[0].status, 401);
  const wrongSecret = client({ key: signed.key, signingSecret: "larchsig_not_the_secret" });
  wrongSecret.client.info(`wrongly signed ${run}`);
  assert.deepEqual(await wrongSecret.client.flush(), { ok: false, failed: 1 });
  assert.equal(wrongSecret.errors[0].status, 401);
  assert.equal((await search(larch, signed.key, `kind:app ${run}`)).length, 2, "nothing unsigned or wrongly signed was stored");
});

test("after close() events are dropped and counted", async () => {
  const { client: larchClient, errors } = client();
  larchClient.info("before close");
  assert.deepEqual(await larchClient.close(), { ok: true, failed: 0 });
  larchClient.info("after close");
  assert.equal(larchClient.stats().dropped, 1);
  assert.match(errors[0].message, /client is closed/);
});

test("a work log created working and updated to success is one entry with the new status", async () => {
  const user = tag("user");
  const { client: larchClient } = client();
  const entry = await larchClient.workLog.working({
    userId: user, conversationId: "c1", logType: "tool_call", message: "Searching the docs", metadata: { tool: "search" },
  });
  assert.equal(entry.ok, true, entry.failure?.message);
  assert.match(entry.entryId, /^[0-9A-Z]+$/);
  const done = await entry.success("Found 3", { tool: "search", results: 3 });
  assert.equal(done.ok, true, done.failure?.message);
  assert.equal(done.entryId, entry.entryId);
  assert.notEqual(done.id, entry.id);
  const answered = await larchClient.workLog.error({ userId: user, conversationId: "c1", logType: "error", message: "Quota exceeded" });
  assert.equal(answered.ok, true);

  const list = await getJson(larch, `/api/work-log/list?userId=${user}`, project.key);
  assert.equal(list.status, 200);
    const byEntry = Object.fromEntries(list.body.events.map((event) => [event.entryId, event]));
  assert.equal(list.body.events.length, 2, "the update replaced its entry's line");
  assert.equal(byEntry[entry.entryId].status, "success");
  assert.equal(byEntry[entry.entryId].message, "Found 3");
  assert.equal(byEntry[entry.entryId].attrs.results, "3");
  assert.equal(byEntry[entry.entryId].attrs.logType, "tool_call");
  assert.equal(byEntry[answered.entryId].status, "error");
  assert.equal(byEntry[answered.entryId].level, "error");
});

test("work-log refusals resolve an entry that says why, and updating it does not throw", async () => {
  const { client: larchClient, errors } = client();
  const missingUser = await larchClient.workLog.info({ message: "no user" });
  assert.equal(missingUser.ok, false);
  assert.equal(missingUser.failure.status, 400);
  assert.match(missingUser.failure.message, /userId: required/);
  const update = await missingUser.success("still nothing");
  assert.equal(update.ok, false);
  assert.match(update.failure.message, /no entry to update/);
  const badStatus = await larchClient.workLog.update("6H3K0S1Q80000", "finished");
  assert.match(badStatus.failure.message, /'finished' is not one of working, success, warning, error, info/);
  assert.equal(errors.length, 1, "the server's 400 went to onError");
});

test("a minted viewer token reads its own user's work logs and nothing else", async () => {
  const user = tag("viewer");
  const { client: larchClient } = client();
  assert.equal((await larchClient.workLog.success({ userId: user, conversationId: "c7", message: "Answered" })).ok, true);
  assert.equal((await larchClient.workLog.info({ userId: user, conversationId: "c8", message: "Elsewhere" })).ok, true);

  const minted = await larchClient.mintViewerToken({ userId: user, conversationId: "c7", ttl: 120 });
  assert.match(minted.token, /^larchvt_/);
  const expiresIn = Date.parse(minted.expiresAt) - Date.now();
  assert.ok(expiresIn > 100_000 && expiresIn <= 120_000, `expires in ${expiresIn} ms`);

  const own = await getJson(larch, "/api/work-log/list", minted.token);
  assert.equal(own.status, 200);
  assert.deepEqual(own.body.events.map((event) => event.message), ["Answered"]);
  assert.equal((await getJson(larch, `/api/work-log/list?userId=someone-else`, minted.token)).status, 403);
  assert.equal((await getJson(larch, `/api/log?q=Answered`, minted.token)).status, 403, "a viewer token cannot search");
});

test("mintViewerToken rejects with the server's reason: bad ttl 400, ingest-only key 403", async () => {
  const { client: larchClient } = client();
  await assert.rejects(larchClient.mintViewerToken({ userId: "u1", ttl: "forever" }),
    (error) => error instanceof LarchError && error.status === 400 && /ttl: expected a duration/.test(error.message));
  const ingestOnly = client({ key: await addKey(larch, project.slug, ["ingest"]) });
  await assert.rejects(ingestOnly.client.mintViewerToken({ userId: "u1" }),
    (error) => error instanceof LarchError && error.status === 403);
});

/** Runs test/fixtures/exit-child.js with the client's settings; resolves once it has exited. */
function runChild(mode, run, url = larch.url) {
  const child = spawn(process.execPath, [EXIT_CHILD, mode], {
    env: { ...process.env, LARCH_TEST_URL: url, LARCH_TEST_KEY: project.key, LARCH_TEST_RUN: run },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => { output += chunk; });
  child.stderr.on("data", (chunk) => { output += chunk; });
  return { child, output: () => output };
}

test("a process that ends normally sends what it logged before it exits (beforeExit)", async () => {
  const run = tag("exitnormally");
  const { child, output } = runChild("end", run);
  const [code] = await once(child, "exit");
  assert.equal(code, 0, output());
  const found = await search(larch, project.key, run);
  assert.equal(found.length, 30, output());
  assert.ok(found.every((event) => event.source === "exit-child"));
});

test("SIGTERM flushes, then the process still dies of SIGTERM", async () => {
  const run = tag("sigterm");
  const { child, output } = runChild("wait-for-signal", run);
  await new Promise((resolve) => child.stdout.on("data", (chunk) => String(chunk).includes("logged") && resolve()));
  child.kill("SIGTERM");
  const [code, signal] = await once(child, "exit");
  assert.equal(signal, "SIGTERM", `code ${code}: ${output()}`);
  assert.equal((await search(larch, project.key, run)).length, 30, output());
});

test("SIGINT with the app's own handler flushes and leaves the exit to the app", async () => {
  const run = tag("sigint");
  const { child, output } = runChild("app-handles-sigint", run);
  await new Promise((resolve) => child.stdout.on("data", (chunk) => String(chunk).includes("logged") && resolve()));
  child.kill("SIGINT");
  const [code] = await once(child, "exit");
  assert.equal(code, 3, output());
  assert.equal((await search(larch, project.key, run)).length, 30, output());
});

test("with Larch unreachable a finished process still exits, after exitTimeoutMs, reporting the loss", async () => {
  const proxy = await startProxy(larch.url);
  await proxy.down();
  const started = Date.now();
  const { child, output } = runChild("end", tag("unreachable"), proxy.url);
  const [code] = await once(child, "exit");
  const tookMs = Date.now() - started;
  assert.equal(code, 0, output());
  assert.ok(tookMs < 15_000, `took ${tookMs} ms: the retries were not cut at exitTimeoutMs`);
  assert.match(output(), /larch: gave up sending \(closing or exiting\)/);
});

test("process.exit() cannot wait: the events still queued are reported to onError", async () => {
  const run = tag("exitnow");
  const { child, output } = runChild("exit-now", run);
  const [code] = await once(child, "exit");
  assert.equal(code, 0, output());
  assert.match(output(), /larch: 30 events not sent: the process exited without waiting/);
  assert.equal((await search(larch, project.key, run)).length, 0);
});
