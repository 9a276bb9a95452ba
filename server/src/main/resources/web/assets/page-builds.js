// Builds and deploys: each build (or deployment) with its status, when it ran and its latest
// line; one opens into its whole log, which can be downloaded as NDJSON.gz.
import * as api from "./api.js";
import { h, fill, number, time, ago, notice, table, levelBadge } from "./ui.js";
import { choice } from "./page-search.js";

/** Lines drawn in the page; the download has them all. */
const SHOWN_LINES = 5000;

const SUBJECTS = {
  build: { field: "build", kind: "build", path: "builds", title: "Builds", idField: "buildId" },
  deployment: { field: "deployment", kind: "deploy", path: "deployments", title: "Deploys", idField: "deploymentId" },
};

export function render(view, context) {
  const { params } = context;
  const subject = SUBJECTS[params.of] || SUBJECTS.build;
  if (params.id) return renderLog(view, context, subject, params.id);
  return renderList(view, context, subject);
}

function renderList(view, { params, project, navigate, replaceParams }, subject) {
  const range = choice("builds-range", "time range", [["-24h", "last 24 hours"], ["-7d", "last 7 days"], ["-30d", "last 30 days"]], params.from || "-7d");
  const list = h("div", { id: "builds-list" }, h("p", { class: "muted" }, "loading…"));
  const tabs = h("div", { class: "row", role: "tablist" }, Object.entries(SUBJECTS).map(([of, s]) => h("button", {
    type: "button", role: "tab", "aria-selected": String(s === subject), class: s === subject ? "primary" : null,
    onclick: () => navigate("builds", { of, from: range.value }),
  }, s.title)));
  fill(view, h("div", { class: "row" }, h("h1", { class: "grow" }, "Builds & deploys"), tabs,
    h("label", { class: "field" }, h("span", { class: "field-label" }, "time"), range)), h("section", { class: "card" }, list));

  let generation = 0;

  async function load() {
    const mine = ++generation;
    replaceParams({ of: subject.field, from: range.value });
    const kindTerm = "kind:" + subject.kind;
    try {
      const [all, ends] = await Promise.all([
        api.get("/api/log/top", { params: { field: subject.field, q: kindTerm, from: range.value, limit: 1000 }, project }),
        // The newest end event of each decides its status: a re-run that passed replaces a failure.
        api.get("/api/log", { params: { q: kindTerm + " (status:success OR status:failed OR status:error)", from: range.value, limit: 1000 }, project }),
      ]);
      if (mine !== generation) return;
      const outcome = new Map();
      for (const event of ends.events) {
        const id = event[subject.idField];
        if (id && !outcome.has(id)) outcome.set(id, event.status.toLowerCase() === "success" ? "success" : "failed");
      }
      const badge = { success: "badge-ok", failed: "badge-bad", running: "badge-warn" };
      const rows = all.values.sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
      fill(list, table([
        ["id", (row) => h("a", { href: "#/builds?" + new URLSearchParams({ project, of: subject.field, id: row.value }) }, row.value)],
        ["status", (row) => {
          const status = outcome.get(row.value) || "running";
          return h("span", { class: "badge " + badge[status] }, status);
        }],
        ["lines", (row) => h("span", { class: "num" }, number(row.count))],
        ["started", (row) => h("span", { title: row.firstSeen }, time(row.firstSeen))],
        ["last line", (row) => h("span", { title: row.lastSeen }, ago(row.lastSeen))],
        ["latest message", (row) => h("span", { class: "mono" }, row.sample)],
      ], rows, { empty: "no " + subject.title.toLowerCase() + " in this range (events of kind " + subject.kind + " with a " + subject.idField + ")" }),
      all.values.length >= 1000 ? notice("info", "the 1,000 with the most lines in this range; narrow the range for the others") : null);
    } catch (e) {
      if (mine === generation) fill(list, notice("error", e.message));
    }
  }
  range.addEventListener("change", load);
  load();
}

function renderLog(view, { project, navigate }, subject, id) {
  const lines = h("div", { id: "build-log" }, h("p", { class: "muted" }, "loading…"));
  const problems = h("div");
  const base = "/api/" + subject.path + "/" + encodeURIComponent(id) + "/logs";
  const downloadButton = h("button", { type: "button", id: "build-download", onclick: async () => {
    try {
      const blob = await api.download(base + ".ndjson.gz", {}, project);
      const link = h("a", { href: URL.createObjectURL(blob), download: subject.field + "-" + id + ".ndjson.gz" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (e) {
      fill(problems, notice("error", e.message));
    }
  } }, "Download .ndjson.gz");
  fill(view, h("div", { class: "row" },
    h("button", { type: "button", class: "ghost", onclick: () => navigate("builds", { of: subject.field }) }, "← " + subject.title),
    h("h1", { class: "grow" }, subject.field + " " + id), downloadButton), problems, h("section", { class: "card" }, lines));
  api.ndjsonLines(base, { format: "ndjson" }, project, SHOWN_LINES).then(({ lines: read, more }) => {
    // The last line may be Larch's note that the answer is not whole.
    const events = read.filter((line) => !line.larch);
    for (const note of read.filter((line) => line.larch)) {
      problems.append(notice("error", note.larch === "partial" ? "damaged parts were skipped: lines may be missing"
        : "the log is longer than the server serves at once (" + number(note.maxLines) + " lines)"));
    }
    if (more) problems.append(notice("info", "showing the first " + number(SHOWN_LINES) + " lines; download the file for all of them"));
    fill(lines, events.length ? h("div", { class: "table-wrap" }, h("table", { class: "build-lines" }, h("tbody", {}, events.map((e) => h("tr", {},
      h("td", { class: "event-time" }, time(e.ts)), h("td", {}, levelBadge(e.level)),
      h("td", {}, e.status ? h("span", { class: "badge" }, e.status) : null), h("td", { class: "mono" }, e.message)))))) : h("p", { class: "muted" }, "no lines"));
  }).catch((e) => fill(lines, notice("error", e.message)));
}
