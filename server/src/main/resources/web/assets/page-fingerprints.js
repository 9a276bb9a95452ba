// Fingerprints: the message templates of the project with their counts, first and last sight, a
// sample and a trend; merge groups that are really one; click through to their events.
import * as api from "./api.js";
import { h, fill, number, time, ago, sparkline, notice, table, mayAdminister } from "./ui.js";
import { fingerprintQuery } from "./events.js";
import { choice } from "./page-search.js";

const RANGES = [["-1h", "last hour", "5m"], ["-24h", "last 24 hours", "1h"], ["-7d", "last 7 days", "12h"], ["-30d", "last 30 days", "1d"]];

export function render(view, { params, project, session, navigate, replaceParams }) {
  const range = choice("fp-range", "time range", RANGES.map(([v, label]) => [v, label]), params.from || "-24h");
  const list = h("div", { id: "fingerprint-list" }, h("p", { class: "muted" }, "loading…"));
  const merges = h("div", { id: "fingerprint-merges" });
  const problems = h("div");
  const mergeButton = h("button", { type: "button", id: "merge", disabled: true }, "Merge selected…");
  const canMerge = mayAdminister(session);
  fill(view,
    h("div", { class: "row" }, h("h1", { class: "grow" }, "Fingerprints"), h("label", { class: "field" }, h("span", { class: "field-label" }, "time"), range),
      canMerge ? mergeButton : null),
    problems, h("section", { class: "card" }, list),
    canMerge ? h("section", { class: "card" }, h("h2", {}, "Merge rules"), merges) : null);
  const selected = new Set();
  let rows = [];
  let stopped = false;

  let generation = 0;

  async function load() {
    const mine = ++generation;
    replaceParams({ from: range.value });
    selected.clear();
    mergeButton.disabled = true;
    fill(problems);
    const interval = RANGES.find(([v]) => v === range.value)?.[2] || "1h";
    try {
      const answer = await api.get("/api/fingerprints", { params: { from: range.value, limit: 100 }, project });
      if (stopped || mine !== generation) return;
      rows = answer.fingerprints;
      if (answer.partial) problems.append(notice("error", "damaged parts were skipped: counts may be short"));
      const trends = new Map(rows.map((row) => [row.fingerprint, h("span", { class: "muted" }, "…")]));
      fill(list, table([
        ...(canMerge ? [["", (row) => h("input", { type: "checkbox", "aria-label": "select " + (row.template || row.fingerprint), onchange: (e) => {
          if (e.target.checked) selected.add(row.fingerprint);
          else selected.delete(row.fingerprint);
          mergeButton.disabled = selected.size < 2;
        } })]] : []),
        ["template", (row) => h("div", {},
          h("button", { type: "button", class: "link mono", onclick: () => navigate("search", { q: fingerprintQuery(row), from: range.value }) }, row.template || row.fingerprint),
          h("div", { class: "muted", title: "sample" }, row.sample),
          row.mergedFrom?.length ? h("div", { class: "hint" }, "merged from " + row.mergedFrom.join(", ")) : null)],
        ["source", (row) => row.source || "–"],
        ["count", (row) => h("span", { class: "num" }, number(row.count))],
        ["trend", (row) => trends.get(row.fingerprint)],
        ["first seen", (row) => h("span", { title: row.firstSeen }, time(row.firstSeen))],
        ["last seen", (row) => h("span", { title: row.lastSeen }, ago(row.lastSeen))],
      ], rows, { empty: "no events in this range" }));
      for (const row of rows.slice(0, 50)) {
        api.get("/api/log/histogram", { params: { q: fingerprintQuery(row), from: range.value, interval }, project })
          .then((h2) => fill(trends.get(row.fingerprint), sparkline(h2.buckets.map((b) => b.count))))
          .catch(() => fill(trends.get(row.fingerprint), "–"));
      }
    } catch (e) {
      fill(list, notice("error", e.message));
    }
    if (canMerge) loadMerges();
  }

  async function loadMerges() {
    try {
      const answer = await api.get("/admin/projects/" + encodeURIComponent(project) + "/fingerprints/merges");
      const rules = answer.merges || [];
      fill(merges, table([
        ["fingerprint", (m) => h("code", {}, m.fingerprint)],
        ["into", (m) => h("code", {}, m.into)],
        ["lands in", (m) => h("code", {}, m.landsIn)],
        ["", (m) => h("button", { type: "button", onclick: async () => {
          try {
            await api.del("/admin/projects/" + encodeURIComponent(project) + "/fingerprints/merges/" + encodeURIComponent(m.fingerprint));
            load();
          } catch (e) {
            fill(problems, notice("error", e.message));
          }
        } }, "Unmerge")],
      ], rules, { empty: "no merge rules" }));
    } catch (e) {
      fill(merges, notice("error", e.message));
    }
  }

  mergeButton.addEventListener("click", () => {
    const chosen = rows.filter((row) => selected.has(row.fingerprint));
    const target = h("select", { id: "merge-into", "aria-label": "merge into" }, chosen.map((row) => h("option", { value: row.fingerprint }, (row.template || row.fingerprint) + " (" + number(row.count) + ")")));
    const error = h("div");
    const dialog = h("dialog", { "aria-label": "merge fingerprints" },
      h("h2", {}, "Merge " + chosen.length + " groups"),
      h("p", { class: "muted" }, "New events of the others are stored under the group you keep; listings count older ones with it."),
      h("label", { class: "field" }, h("span", { class: "field-label" }, "keep"), target), error,
      h("div", { class: "row", style: "margin-top:12px" },
        h("button", { type: "button", class: "primary", id: "merge-confirm", onclick: async () => {
          try {
            for (const row of chosen.filter((r) => r.fingerprint !== target.value)) {
              await api.post("/admin/projects/" + encodeURIComponent(project) + "/fingerprints/merges", { fingerprint: row.fingerprint, into: target.value });
            }
            dialog.close();
            dialog.remove();
            load();
          } catch (e) {
            fill(error, notice("error", e.message));
          }
        } }, "Merge"),
        h("button", { type: "button", onclick: () => {
          dialog.close();
          dialog.remove();
        } }, "Cancel")));
    view.append(dialog);
    dialog.showModal();
  });
  range.addEventListener("change", load);
  load();
  return () => {
    stopped = true;
  };
}
