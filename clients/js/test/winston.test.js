// winston's own Http transport (npm winston, transports.Http) posting to Larch's native
// POST /api/log: one JSON object per request, or with batch: true a JSON array. Both shapes are
// what /api/log takes; the events are then found by search with winston's level, message and meta.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import winston from "winston";
import { startLarch, createProject, searchUntil } from "./support/larch.js";

let larch;
let project;

before(async () => {
  larch = await startLarch();
  project = await createProject(larch, "winston " + process.pid);
});

after(async () => {
  await larch.stop();
});

function httpTransport(options) {
  const url = new URL(larch.url);
  return new winston.transports.Http({
    host: url.hostname,
    port: Number(url.port),
    path: "/api/log",
    auth: { bearer: project.key },
    ...options,
  });
}

/** Logs through a logger with one Http transport; resolves the transport's 'warn' events. */
async function logThrough(transport, write) {
  const warnings = [];
  transport.on("warn", (warning) => warnings.push(warning.message));
  const logger = winston.createLogger({
    level: "silly",
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: "billing" },
    transports: [transport],
  });
  write(logger);
  return { logger, warnings };
}

test("winston's Http transport, one request per event: level, message, timestamp and meta arrive", async () => {
  const run = `winstonsingle${Date.now()}`;
  const { logger, warnings } = await logThrough(httpTransport({}), (logger) => {
    logger.info(`invoice sent ${run}`, { userId: "u42", invoice: 1001 });
    logger.warn(`card expiring ${run}`, { source: "cards" });
    logger.error(`charge failed ${run}`, { traceId: "t-1", attempt: 2 });
    logger.http(`GET /invoices 200 ${run}`);
    logger.verbose(`cache warmed ${run}`);
    logger.silly(`tick ${run}`);
  });
  const found = await searchUntil(larch, project.key, run, 6);
  const byMessage = Object.fromEntries(found.map((event) => [event.message.replace(` ${run}`, ""), event]));
  assert.equal(byMessage["invoice sent"].level, "info");
  assert.equal(byMessage["invoice sent"].userId, "u42");
  assert.equal(byMessage["invoice sent"].attrs.invoice, "1001");
  assert.equal(byMessage["invoice sent"].attrs.service, "billing");
  assert.equal(byMessage["card expiring"].level, "warn");
  assert.equal(byMessage["card expiring"].source, "cards");
  assert.equal(byMessage["charge failed"].level, "error");
  assert.equal(byMessage["charge failed"].traceId, "t-1");
  assert.equal(byMessage["charge failed"].attrs.attempt, "2");
  // winston's npm levels below info: http -> debug, verbose and silly -> trace.
  assert.equal(byMessage["GET /invoices 200"].level, "debug");
  assert.equal(byMessage["cache warmed"].level, "trace");
  assert.equal(byMessage["tick"].level, "trace");
  // winston's timestamp() format sets "timestamp", which Larch takes as the event time.
  const sentAt = Date.parse(byMessage["invoice sent"].ts);
  assert.ok(Math.abs(sentAt - Date.now()) < 60_000, byMessage["invoice sent"].ts);
  // winston expects 200 and emits 'warn' for Larch's 202 Accepted; the events are stored all the same.
  assert.ok(warnings.every((warning) => warning === "Invalid HTTP Status Code: 202"), warnings.join("; "));
  logger.close();
});

test("winston's Http transport with batch: true and basic auth posts a JSON array that is stored whole", async () => {
  const run = `winstonbatch${Date.now()}`;
  // Basic auth with the key as the password, for setups that only let users fill in a user and password.
  const transport = httpTransport({ batch: true, batchCount: 5, batchInterval: 200, auth: { username: "winston", password: project.key } });
  const { logger } = await logThrough(transport, (logger) => {
    for (let i = 0; i < 12; i++) {
      logger.log(i % 2 === 0 ? "info" : "error", `batched ${i} ${run}`, { index: i });
    }
  });
  const found = await searchUntil(larch, project.key, run, 12);
  assert.equal(found.length, 12);
  for (const event of found) {
    const index = Number(event.attrs.index);
    assert.equal(event.message, `batched ${index} ${run}`);
    assert.equal(event.level, index % 2 === 0 ? "info" : "error");
  }
  logger.close();
});

test("winston with a wrong key: Larch answers 401 and winston reports it as a 'warn' event", async () => {
  const transport = httpTransport({ auth: { bearer: "larch_wrong_key_00000000000000000000000" } });
  const sawWarning = new Promise((resolve) => transport.on("warn", (warning) => resolve(warning.message)));
  const { logger } = await logThrough(transport, (logger) => logger.info("refused"));
  assert.equal(await sawWarning, "Invalid HTTP Status Code: 401");
  logger.close();
});
