// Overview: the last hour of the project at a glance: totals, the error rate, events per minute
// by level, the biggest fingerprints with their trend, and the latest errors.
import * as api from "./api.js";
import { h, fill, number, percent, ago, levelChart, lineChart, sparkline, table, notice, histogramSeries } from "./ui.js";
import { eventItem, fingerprintQuery } from "./events.js";

const RANGE = "-1h";

export function render(view, { project, navigate }) {
  const tiles = h("div", { class: "tiles", id: "overview-tiles" });
  const rate = h("div", { id: "error-rate-chart" });
  const levels = h("div", { id: "levels-chart" });
  const top = h("div", { id: "top-fingerprints" }, h("p", { class: "muted" }, "loading…"));
  const recent = h("div", { id: "recent-errors" }, h("p", { class: "muted" }, "loading…"));
  const problems = h("div");
  fill(view,
    h("div", { class: "row" }, h("h1", { class: "grow" }, "Overview"), h("span", { class: "muted" }, "last hour"),
      h("button", { type: "button", onclick: () => load() }, "Refresh")),
    problems, tiles,
    h("div", { class: "grid" },
      h("section", { class: "card" }, h("h2", {}, "Error rate"), rate),
      h("section", { class: "card" }, h("h2", {}, "Events per minute by level"), levels)),
    h("div", { class: "grid", style: "margin-top:14px" },
      h("section", { class: "card" }, h("h2", {}, "Top fingerprints"), top),
      h("section", { class: "card" }, h("h2", {}, "Recent errors"), recent)));
  const charts = [];
  let stopped = false;

  async function load() {
    fill(problems);
    const search = (q) => navigate("search", { q, from: RANGE });
    try {
      const [stats, histogram] = await Promise.all([
        api.get("/api/log/stats", { params: { from: RANGE }, project }),
        api.get("/api/log/histogram", { params: { from: RANGE, interval: "1m" }, project }),
      ]);
      if (stopped) return;
      const errors = (stats.byLevel.error || 0) + (stats.byLevel.fatal || 0);
      fill(tiles,
        tile("Events", number(stats.total), "total-events"),
        tile("Errors", number(errors), "total-errors"),
        tile("Error rate", percent(stats.errorRate), "error-rate"),
        tile("Per minute", number(Math.round(stats.total / 60)), "per-minute"));
      charts.splice(0).forEach((c) => c.stop());
      const { xs } = histogramSeries(histogram.buckets);
      const rates = histogram.buckets.map((b) => (b.count ? ((b.levels.error || 0) + (b.levels.fatal || 0)) / b.count : 0));
      charts.push(lineChart(rate, xs, rates, { label: "error rate", format: (v) => (v * 100).toFixed(0) + "%" }));
      charts.push(levelChart(levels, histogram.buckets));
      if (stats.partial || histogram.partial) problems.append(notice("error", "damaged parts were skipped: the counts may be short (see System)"));
    } catch (e) {
      fill(problems, notice("error", e.message));
    }
    api.get("/api/fingerprints", { params: { from: RANGE, limit: 10 }, project }).then((answer) => {
      if (stopped) return;
      const rows = answer.fingerprints;
      const trends = new Map(rows.map((row) => [row.fingerprint, h("span", { class: "muted" }, "…")]));
      fill(top, table([
        ["template", (row) => h("button", { type: "button", class: "link", onclick: () => search(fingerprintQuery(row)) }, row.template || row.sample || row.fingerprint)],
        ["count", (row) => h("span", { class: "num" }, number(row.count))],
        ["trend", (row) => trends.get(row.fingerprint)],
        ["last seen", (row) => ago(row.lastSeen)],
      ], rows, { empty: "no events in the last hour" }));
      for (const row of rows) {
        api.get("/api/log/histogram", { params: { q: fingerprintQuery(row), from: RANGE, interval: "5m" }, project })
          .then((answer) => fill(trends.get(row.fingerprint), sparkline(answer.buckets.map((b) => b.count))))
          .catch(() => fill(trends.get(row.fingerprint), "–"));
      }
    }).catch((e) => fill(top, notice("error", e.message)));
    api.get("/api/log", { params: { q: "level>=error", from: RANGE, limit: 10 }, project }).then((answer) => {
      if (stopped) return;
      fill(recent, answer.events.length
        ? h("ul", { class: "events" }, answer.events.map((event) => eventItem(event, { onFilter: search })))
        : h("p", { class: "muted empty" }, "no errors in the last hour"));
    }).catch((e) => fill(recent, notice("error", e.message)));
  }

  load();
  const timer = setInterval(load, 30_000);
  return () => {
    stopped = true;
    clearInterval(timer);
    charts.forEach((c) => c.stop());
  };
}

function tile(label, value, id) {
  return h("div", { class: "tile", id }, h("div", { class: "value" }, value), h("div", { class: "label" }, label));
}
