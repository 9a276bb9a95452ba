// Search: filters, the query with its syntax help and error position, a time range (relative or
// absolute), a histogram to zoom by dragging, results that open into their details, cursor
// paging, and every search kept in the URL so it can be shared.
import * as api from "./api.js";
import { h, fill, number, notice, levelChart } from "./ui.js";
import { eventItem } from "./events.js";

export const RANGES = [["-15m", "last 15 minutes"], ["-1h", "last hour"], ["-6h", "last 6 hours"], ["-24h", "last 24 hours"],
  ["-7d", "last 7 days"], ["-30d", "last 30 days"], ["", "all time"]];
export const LEVELS = [["", "any level"], [">=debug", "debug and worse"], [">=info", "info and worse"], [">=warn", "warn and worse"],
  [">=error", "error and worse"], ["fatal", "fatal"]];
export const KINDS = ["", "app", "work", "build", "deploy", "system", "action", "lifecycle"];
const PAGE_SIZE = 50;

/** A <select> of [value, label] pairs. */
export function choice(id, label, options, selected) {
  return h("select", { id, "aria-label": label }, options.map(([value, text]) => h("option", { value, selected: value === (selected || "") }, text)));
}

/** Local time for a datetime-local input, from an ISO instant. */
function localInput(iso) {
  if (!iso || iso.startsWith("-")) return "";
  const date = new Date(iso);
  if (isNaN(date)) return "";
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
}

export function syntaxHelp() {
  const rows = [["timeout", "the word"], ["time*", "a word starting with"], ['"card declined"', "a phrase"], ["level>=warn", "warn and worse"],
    ["source:checkout", "a field is exactly"], ["user:u42  build:b7  fingerprint:9f3e…", "ids"], ["attrs.region:eu", "an attribute"],
    ["attrs.ms>500", "a number compare"], ["a OR b   -c   (a OR b) c", "or, not, groups"]];
  return h("details", { class: "syntax" }, h("summary", {}, "Query syntax"),
    h("table", {}, h("tbody", {}, rows.map(([q, what]) => h("tr", {}, h("td", {}, h("code", {}, q)), h("td", { class: "muted" }, what))))));
}

export function render(view, { params, project, replaceParams, navigate }) {
  const state = { q: params.q || "", kind: params.kind || "", level: params.level || "", from: params.from === "all" ? "" : params.from ?? "-1h", to: params.to || "" };
  const query = h("input", { id: "q", type: "search", value: state.q, placeholder: "words, \"phrases\", level>=warn, user:u42 …", "aria-label": "query", autocomplete: "off", spellcheck: "false" });
  const queryError = h("div", { class: "query-error", id: "query-error", "aria-live": "polite" });
  const kind = choice("kind", "kind", KINDS.map((k) => [k, k || "any kind"]), state.kind);
  const level = choice("level", "level", LEVELS, state.level);
  const relative = RANGES.some(([v]) => v === state.from) && !state.to;
  const range = choice("range", "time range", [...RANGES, ["custom", "custom range…"]], relative ? state.from : "custom");
  const from = h("input", { id: "from", type: "datetime-local", step: "1", value: localInput(state.from), "aria-label": "from" });
  const to = h("input", { id: "to", type: "datetime-local", step: "1", value: localInput(state.to), "aria-label": "to" });
  const absolute = h("div", { class: "row", hidden: relative }, h("label", { class: "field" }, h("span", { class: "field-label" }, "from"), from),
    h("label", { class: "field" }, h("span", { class: "field-label" }, "to"), to));
  range.addEventListener("change", () => {
    absolute.hidden = range.value !== "custom";
    if (range.value !== "custom") run();
  });
  const histogram = h("div", { id: "histogram" });
  const summary = h("div", { class: "muted", id: "result-summary" });
  const results = h("ul", { class: "events", id: "results" });
  const pager = h("div", { class: "pager" });
  const problems = h("div");
  const form = h("form", { class: "card", role: "search", onsubmit: (event) => {
    event.preventDefault();
    run();
  } },
  h("div", { class: "row" },
    h("div", { class: "field grow query-box" }, h("span", { class: "field-label" }, "query"), query),
    h("label", { class: "field" }, h("span", { class: "field-label" }, "kind"), kind),
    h("label", { class: "field" }, h("span", { class: "field-label" }, "level"), level),
    h("label", { class: "field" }, h("span", { class: "field-label" }, "time"), range),
    h("button", { type: "submit", class: "primary" }, "Search"),
    h("button", { type: "button", id: "open-tail", onclick: () => navigate("tail", { q: query.value, kind: kind.value, level: level.value }) }, "Open as live tail")),
  queryError, absolute, syntaxHelp());
  fill(view, h("h1", {}, "Search"), form, problems, h("section", { class: "card" }, histogram, summary, results, pager));
  kind.addEventListener("change", () => run());
  level.addEventListener("change", () => run());

  let chart = null;
  const cursors = [];
  let generation = 0;

  function currentRange() {
    if (range.value !== "custom") return { from: range.value, to: "" };
    const iso = (input) => (input.value ? new Date(input.value).toISOString() : "");
    return { from: iso(from), to: iso(to) };
  }

  /** The error's position marked under the query text (the server counts from 1). */
  function showQueryError(e) {
    if (e.position === undefined || e.position === null) {
      fill(queryError, e.message);
      return;
    }
    // The server counts in the trimmed query; the box may hold leading spaces.
    const text = query.value;
    const leading = text.length - text.trimStart().length;
    const at = Math.max(0, Math.min(leading + e.position - 1, text.length));
    fill(queryError, text + "\n" + " ".repeat(at) + "^ " + e.message.replace(/^bad query: /, ""));
    query.focus();
    query.setSelectionRange(at, Math.min(text.length, at + 1));
  }

  /** The filters of the first page, kept for its older pages: a cursor is a place in one search. */
  let pagedFilters = null;

  /** Page 1 of what the form says, or (paging) the page at {@code cursor} of the search shown. */
  async function run(cursor, paging = false) {
    const mine = ++generation;
    if (!paging || !pagedFilters) {
      const { from: f, to: t } = currentRange();
      Object.assign(state, { q: query.value.trim(), kind: kind.value, level: level.value, from: f, to: t });
      replaceParams({ q: state.q, kind: state.kind, level: state.level, from: state.from === "" ? "all" : state.from, to: state.to });
      cursors.length = 0;
      pagedFilters = { q: state.q, kind: state.kind, level: state.level, from: state.from, to: state.to };
    }
    fill(queryError);
    fill(problems);
    const filters = pagedFilters;
    try {
      const [page, counts] = await Promise.all([
        api.get("/api/log", { params: { ...filters, limit: PAGE_SIZE, cursor }, project }),
        paging ? null : api.get("/api/log/histogram", { params: filters, project }),
      ]);
      if (mine !== generation) return;
      if (counts) {
        if (chart) chart.stop();
        chart = levelChart(histogram, counts.buckets, { height: 150, onSelect: zoom });
        const total = counts.buckets.reduce((sum, b) => sum + b.count, 0);
        fill(summary, number(total) + " events · drag over the chart to zoom in");
      }
      fill(results, page.events.map((event) => eventItem(event, { onFilter: addTerm })));
      if (page.events.length === 0) results.append(h("li", { class: "muted empty" }, "no events match"));
      if (page.partial || counts?.partial) problems.append(notice("error", "damaged parts were skipped (" + (page.partsSkipped || counts.partsSkipped) + "): results may be missing events"));
      fill(pager,
        cursors.length ? h("button", { type: "button", id: "newer", onclick: () => {
          cursors.pop();
          run(cursors[cursors.length - 1], true);
        } }, "← Newer") : null,
        page.next ? h("button", { type: "button", id: "older", onclick: () => {
          cursors.push(page.next);
          run(page.next, true);
        } }, "Older →") : null,
        h("span", { class: "muted" }, "page " + (cursors.length + 1)));
    } catch (e) {
      if (mine !== generation) return;
      // Nothing of the last search stays under the new one's URL, its cursor least of all.
      pagedFilters = null;
      cursors.length = 0;
      fill(results);
      fill(pager);
      fill(summary);
      if (e.status === 400 && e.message.startsWith("bad query")) showQueryError(e);
      else fill(problems, notice("error", e.message));
    }
  }

  function zoom(fromMs, toMs) {
    range.value = "custom";
    absolute.hidden = false;
    from.value = localInput(new Date(fromMs).toISOString());
    to.value = localInput(new Date(toMs).toISOString());
    run();
  }

  function addTerm(term) {
    query.value = (query.value.trim() + " " + term).trim();
    run();
  }

  run();
  return () => {
    generation++;
    if (chart) chart.stop();
  };
}
