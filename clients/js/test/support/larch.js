// A real Larch for the tests. Under `./larch test` the JUnit test JsClientTest starts one in-process
// and hands it over in LARCH_URL and LARCH_ADMIN_TOKEN; run standalone (`npm test`), each test
// file starts server/target/larch.jar (LARCH_JAR) on a free port with a temp data dir.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createServer, connect } from "node:net";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..", "..", "..", "..");
const STANDALONE_ADMIN_TOKEN = "js-client-test-admin-token-0123456789";

/** Starts (or adopts) a Larch; resolves {url, adminToken, stop()}. */
export async function startLarch() {
  if (process.env.LARCH_URL && process.env.LARCH_ADMIN_TOKEN) {
    return { url: process.env.LARCH_URL.replace(/\/+$/, ""), adminToken: process.env.LARCH_ADMIN_TOKEN, stop: async () => {} };
  }
  const jar = process.env.LARCH_JAR ?? join(REPO, "server", "target", "larch.jar");
  if (!existsSync(jar)) {
    throw new Error(`no Larch to test against: set LARCH_URL and LARCH_ADMIN_TOKEN, or build ${jar}`
      + " (mvn -B -q -pl server -am package -DskipTests)");
  }
  const java = process.env.LARCH_JAVA
    ?? (existsSync("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java") ? "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java" : "java");
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "larch-js-test-"));
  const child = spawn(java, ["--enable-native-access=ALL-UNNAMED", "-jar", jar, "serve", "--port", String(port), "--data-dir", dataDir], {
    env: {
      ...process.env,
      LARCH_ADMIN_TOKEN: STANDALONE_ADMIN_TOKEN,
      LARCH_WAL_DURABILITY: "none",
      LARCH_DUCKDB_MEMORY_LIMIT: "256MB",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`larch exited with ${child.exitCode} before it was ready:\n${stderr}`);
    }
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`larch was not ready within 60 s:\n${stderr}`);
    }
    await sleep(200);
  }
  return {
    url,
    adminToken: STANDALONE_ADMIN_TOKEN,
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates a project; resolves {slug, key} (its first key: scopes ingest and read). */
export async function createProject(larch, name) {
  const response = await fetch(`${larch.url}/admin/projects`, {
    method: "POST",
    headers: { Authorization: `Bearer ${larch.adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = await response.json();
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`could not create project ${name}: ${response.status} ${JSON.stringify(body)}`);
  }
  return { slug: body.project.slug, key: body.key };
}

/** Adds a key with the given scopes to a project. */
export async function addKey(larch, slug, scopes) {
  const response = await fetch(`${larch.url}/admin/projects/${slug}/keys`, {
    method: "POST",
    headers: { Authorization: `Bearer ${larch.adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: scopes.join("-"), scopes }),
  });
  const body = await response.json();
  if (response.status >= 300) {
    throw new Error(`could not add a key: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.key;
}

/** PUT /admin/projects/{slug}/settings. */
export async function putSettings(larch, slug, settings) {
  const response = await fetch(`${larch.url}/admin/projects/${slug}/settings`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${larch.adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify(settings),
  });
  if (response.status !== 200) {
    throw new Error(`settings refused: ${response.status} ${await response.text()}`);
  }
}

/** GET with a credential; resolves {status, body}. */
export async function getJson(larch, path, credential) {
  const response = await fetch(`${larch.url}${path}`, { headers: { Authorization: `Bearer ${credential}` } });
  const text = await response.text();
  let body = null;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: response.status, body };
}

/** The events a search finds (GET /api/log, newest first). */
export async function search(larch, key, query, extra = "") {
  const answer = await getJson(larch, `/api/log?limit=1000&q=${encodeURIComponent(query)}${extra}`, key);
  if (answer.status !== 200) {
    throw new Error(`search '${query}' answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body.events;
}

/** Polls a search until it finds at least `count` events (stored events are visible at once; winston sends late). */
export async function searchUntil(larch, key, query, count, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await search(larch, key, query);
    if (events.length >= count || Date.now() > deadline) {
      return events;
    }
    await sleep(100);
  }
}

/**
 * A TCP proxy in front of Larch that can be taken down and brought back on the same port, so a
 * client sees a server that goes away and returns (connection refused, then accepted again).
 */
export async function startProxy(targetUrl) {
  const target = new URL(targetUrl);
  const port = await freePort();
  let server = null;
  const sockets = new Set();
  const up = () => new Promise((resolve) => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      sockets.add(client);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
      client.on("error", close).on("close", close);
      upstream.on("error", close).on("close", close);
    });
    server.listen(port, "127.0.0.1", resolve);
  });
  const down = () => new Promise((resolve) => {
    for (const socket of sockets) {
      socket.destroy();
    }
    sockets.clear();
    server.close(() => resolve());
  });
  await up();
  return { url: `http://127.0.0.1:${port}`, up, down };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
