// System (admin token): readiness and disk, a summary of /metrics, what each project stores
// (damaged parts first), the tiers and the archive, the last maintenance run, and a button that
// runs maintenance now.
import * as api from "./api.js";
import { h, fill, table, notice, number, bytes, time } from "./ui.js";

/** The totals worth a glance, by Prometheus name (summed over their labels); those absent are left out. */
const METRICS = [
  ["larch_sealed_events_total", "events sealed into parts", number],
  ["larch_wal_bytes_written_total", "written to the WAL", bytes],
  ["larch_head_events", "events not yet sealed", number],
  ["larch_parts", "parts", number],
  ["larch_parts_quarantined", "parts quarantined", number],
  ["larch_sse_connections", "live tail connections", number],
  ["larch_stream_events_served_total", "events sent to live tails", number],
  ["larch_tail_dropped_events_total", "live tail events dropped", number],
  ["larch_alerts_triggered_total", "alerts triggered", number],
  ["larch_alert_delivery_failures_total", "alert deliveries failed", number],
  ["larch_alert_queue_dropped_events_total", "events not evaluated for alerts", number],
  ["larch_queries_rejected_total", "queries refused (busy)", number],
  ["larch_queries_timed_out_total", "queries timed out", number],
  ["larch_queries_cancelled_total", "queries cancelled", number],
  ["larch_rate_limited_total", "requests rate-limited", number],
  ["larch_auth_refusals_total", "credentials refused", number],
  ["larch_redactions_total", "secrets redacted", number],
  ["larch_ingest_rejected_disk_full_total", "batches refused: disk full", number],
  ["larch_disk_free_bytes", "free on the data disk", bytes],
];
/** Metrics that are bad news when above zero. */
const ALARMING = new Set(["larch_parts_quarantined", "larch_tail_dropped_events_total", "larch_alert_delivery_failures_total",
  "larch_alert_queue_dropped_events_total", "larch_ingest_rejected_disk_full_total"]);

export function render(view) {
  let stopped = false;
  const problems = h("div", { id: "system-problems" });
  const maintenanceOutput = h("div", { id: "maintenance-result", "aria-live": "polite" });
  const ready = h("div", { id: "readiness" }, h("p", { class: "muted" }, "loading…"));
  const metrics = h("div", { id: "metrics-summary" }, h("p", { class: "muted" }, "loading…"));
  const quarantine = h("div", { id: "quarantined" });
  const storage = h("div", { id: "storage" }, h("p", { class: "muted" }, "loading…"));
  const tiers = h("div", { id: "tiers" }, h("p", { class: "muted" }, "loading…"));
  const archive = h("div", { id: "archive" });
  const lastRun = h("div", { id: "last-maintenance" });
  const maintain = h("button", { type: "button", class: "primary", id: "run-maintenance", onclick: () => runMaintenance() }, "Run maintenance now");
  fill(view,
    h("div", { class: "row" }, h("h1", { class: "grow" }, "System"), maintain, h("button", { type: "button", onclick: () => load() }, "Refresh")),
    problems, maintenanceOutput, quarantine,
    h("section", { class: "card" }, h("h2", {}, "Storage by project"), storage),
    h("section", { class: "card" }, h("h2", {}, "Metrics"), metrics),
    h("div", { class: "grid" },
      h("section", { class: "card" }, h("h2", {}, "Readiness"), ready),
      h("section", { class: "card" }, h("h2", {}, "Tiers and parts"), tiers)),
    h("div", { class: "grid", style: "margin-top:14px" },
      h("section", { class: "card" }, h("h2", {}, "Archive"), archive),
      h("section", { class: "card" }, h("h2", {}, "Last maintenance"), lastRun)));

  async function load() {
    fill(problems);
    const failed = (what) => (e) => {
      if (!stopped) problems.append(notice("error", what + ": " + e.message));
    };
    readiness().then((answer) => !stopped && showReadiness(answer)).catch(failed("readiness"));
    api.download("/metrics").then((blob) => blob.text()).then((text) => !stopped && showMetrics(parseMetrics(text))).catch(failed("metrics"));
    api.get("/admin/storage").then((answer) => !stopped && showStorage(answer)).catch(failed("storage"));
    api.get("/api/stats/system").then((answer) => !stopped && showStats(answer)).catch(failed("system stats"));
  }

  function showReadiness(answer) {
    const disk = answer.disk || {};
    fill(ready,
      h("p", {}, h("span", { class: "badge " + (answer.status === "ready" ? "badge-ok" : "badge-bad"), id: "ready-status" }, answer.status)),
      table([["check", ([name]) => name], ["state", ([, state]) => state === "ok" ? h("span", { class: "badge badge-ok" }, "ok") : h("span", { class: "bad" }, state)]],
        Object.entries(answer.checks || {})),
      h("dl", { class: "fields system-fields" },
        h("dt", {}, "free disk"), h("dd", {}, bytes(disk.freeBytes)),
        h("dt", {}, "ingest refused below"), h("dd", {}, bytes(disk.minFreeBytes)),
        h("dt", {}, "ingest"), h("dd", { class: disk.ingest === "ok" ? null : "bad" }, disk.ingest)));
  }

  function showMetrics(values) {
    const shown = METRICS.filter(([name]) => values.has(name));
    fill(metrics, shown.length === 0 ? h("p", { class: "muted" }, "/metrics has none of the usual totals")
      : h("div", { class: "tiles metric-tiles" }, shown.map(([name, label, format]) => {
        const value = values.get(name);
        return h("div", { class: "tile" + (ALARMING.has(name) && value > 0 ? " tile-bad" : ""), dataset: { metric: name }, title: name },
          h("div", { class: "value" }, format(value)), h("div", { class: "label" }, label));
      })),
    h("p", { class: "hint" }, "From ", h("a", { href: "/metrics" }, "/metrics"), ", summed over labels, since this server started."));
  }

  function showStorage(answer) {
    fill(quarantine, answer.quarantined.length === 0 ? null : h("section", { class: "card card-bad", id: "quarantined-parts" },
      h("h2", {}, "Quarantined parts: " + answer.quarantined.length),
      h("p", {}, "These parts failed their checksum and are skipped by queries (answers say partial). Their files are in data/quarantine/; retention deletes them like whole parts."),
      table([
        ["project", (p) => p.project], ["part", (p) => h("span", { class: "mono" }, p.part)], ["kind", (p) => p.kind],
        ["events", (p) => h("span", { class: "num" }, number(p.events))], ["from", (p) => time(p.from)], ["to", (p) => time(p.to)],
      ], answer.quarantined)));
    fill(storage, table([
      ["project", (p) => p.project],
      ["parts", (p) => h("span", { class: "num" }, number(p.parts))],
      ["events", (p) => h("span", { class: "num" }, number(p.events))],
      ["bytes", (p) => h("span", { class: "num" }, bytes(p.bytes))],
      ["bytes / event", (p) => h("span", { class: "num" }, p.bytesPerEvent)],
      ["not yet sealed", (p) => h("span", { class: "num" }, number(p.headEvents))],
    ], answer.projects, { empty: "nothing stored yet", rowAttributes: (p) => ({ dataset: { project: p.project } }) }),
    answer.quarantined.length === 0 ? h("p", { class: "hint" }, "No quarantined parts.") : null);
  }

  function showStats(stats) {
    const tierRows = Object.entries(stats.tiers || {});
    const states = Object.entries(stats.parts || {});
    fill(tiers,
      table([
        ["tier", ([tier]) => tier],
        ["parts", ([, t]) => h("span", { class: "num" }, number(t.parts))],
        ["events", ([, t]) => h("span", { class: "num" }, number(t.events))],
        ["bytes", ([, t]) => h("span", { class: "num" }, bytes(t.bytes))],
      ], tierRows),
      h("h3", {}, "Parts by state"),
      h("div", { class: "state-list" }, states.map(([state, count]) => h("span", {
        class: "badge" + (state === "quarantined" && count > 0 ? " badge-bad" : ""),
      }, state + " " + number(count)))));
    const store = stats.archive || {};
    const cache = store.cache;
    fill(archive, h("dl", { class: "fields system-fields" },
      h("dt", {}, "store"), h("dd", { class: "mono" }, store.store ?? "–"),
      h("dt", {}, "waiting to be archived"), h("dd", {}, number(store.backlogParts) + " parts, " + bytes(store.backlogBytes)),
      cache ? [
        h("dt", {}, "cache"), h("dd", {}, number(cache.parts) + " parts, " + bytes(cache.bytes) + " of " + bytes(cache.maxBytes)),
        h("dt", {}, "downloads"), h("dd", {}, number(cache.downloads) + " (" + bytes(cache.downloadedBytes) + "), " + number(cache.evictions) + " evicted"),
      ] : null));
    const run = stats.lastMaintenance;
    fill(lastRun, run ? [
      h("dl", { class: "fields system-fields" },
        h("dt", {}, "outcome"), h("dd", {}, outcomeBadge(run.outcome)),
        h("dt", {}, "trigger"), h("dd", {}, run.trigger),
        h("dt", {}, "started"), h("dd", { title: run.startedAt }, time(run.startedAt)),
        h("dt", {}, "finished"), h("dd", { title: run.finishedAt || "" }, time(run.finishedAt))),
      run.summary ? details("what it did", run.summary) : null,
    ] : h("p", { class: "muted" }, "no maintenance run yet"));
  }

  async function runMaintenance() {
    maintain.disabled = true;
    fill(maintenanceOutput, notice("info", "sealing, compacting, archiving, applying retention and checking every part…"));
    try {
      const report = await api.post("/admin/maintain", null);
      if (stopped) return;
      const close = h("button", { type: "button", class: "ghost", "aria-label": "close the maintenance report", onclick: () => {
        fill(maintenanceOutput);
        maintain.focus();
      } }, "✕");
      fill(maintenanceOutput, h("section", { class: "card" },
        h("div", { class: "row" }, h("h2", { class: "grow" }, "Maintenance just now: ", outcomeBadge(report.outcome)), close),
        report.error ? notice("error", report.error) : null,
        keyValues(report)));
      load();
    } catch (e) {
      if (!stopped) fill(maintenanceOutput, notice("error", "maintenance: " + e.message));
    } finally {
      maintain.disabled = false;
    }
  }

  load();
  return () => {
    stopped = true;
  };
}

/** /readyz answers 503 with the same body when not ready: both are an answer here. */
async function readiness() {
  const answer = await fetch("/readyz");
  return answer.json();
}

/** Prometheus text to {name → value summed over its label sets}. */
export function parseMetrics(text) {
  const values = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    values.set(match[1], (values.get(match[1]) || 0) + value);
  }
  return values;
}

function outcomeBadge(outcome) {
  return h("span", { class: "badge " + (outcome === "ok" ? "badge-ok" : outcome === "partial" ? "badge-warn" : "badge-bad") }, outcome);
}

/** A nested object as "a.b: value" lines. */
function keyValues(object) {
  const rows = [];
  const walk = (prefix, value) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [name, inner] of Object.entries(value)) walk(prefix ? prefix + "." + name : name, inner);
    } else {
      rows.push([prefix, Array.isArray(value) ? value.join(", ") : value]);
    }
  };
  walk("", object);
  return h("dl", { class: "report-fields" }, rows.map(([name, value]) => h("div", {},
    h("dt", {}, name), h("dd", {}, value === null || value === undefined ? "–" : String(value)))));
}

function details(summary, object) {
  return h("details", {}, h("summary", {}, summary), keyValues(object));
}
