// Live tail: new events as they are stored, over the SSE stream (read through fetch so the
// credential stays in a header). Pause keeps them aside, follow keeps the newest in view, and a
// dropped connection resumes after the last event shown, so nothing is missed or shown twice.
import * as api from "./api.js";
import { h, fill, number } from "./ui.js";
import { eventItem } from "./events.js";
import { choice, KINDS, LEVELS, syntaxHelp } from "./page-search.js";

const MAX_SHOWN = 1000;

export function render(view, { params, project, replaceParams, navigate }) {
  const query = h("input", { id: "tail-q", type: "search", value: params.q || "", placeholder: "filter: words, level>=warn, source:api …", "aria-label": "filter", spellcheck: "false" });
  const kind = choice("tail-kind", "kind", KINDS.map((k) => [k, k || "any kind"]), params.kind);
  const level = choice("tail-level", "level", LEVELS, params.level);
  const status = h("span", { id: "tail-status", class: "status-connecting", role: "status" }, h("span", { class: "status-dot" }), "connecting");
  const counters = h("span", { class: "muted", id: "tail-counts" });
  const dropped = h("span", { id: "tail-dropped", class: "badge badge-warn", hidden: true });
  const pause = h("button", { type: "button", id: "tail-pause", "aria-pressed": "false" }, "Pause");
  const follow = h("input", { type: "checkbox", id: "tail-follow", checked: true });
  const feed = h("ul", { class: "events tail-feed", id: "tail-feed", "aria-live": "off" });
  const problems = h("div");
  const form = h("form", { class: "card", onsubmit: (event) => {
    event.preventDefault();
    connect(true);
  } },
  h("div", { class: "row" },
    h("div", { class: "field grow" }, h("span", { class: "field-label" }, "filter"), query),
    h("label", { class: "field" }, h("span", { class: "field-label" }, "kind"), kind),
    h("label", { class: "field" }, h("span", { class: "field-label" }, "level"), level),
    h("button", { type: "submit", class: "primary" }, "Apply"),
    h("button", { type: "button", onclick: () => navigate("search", { q: query.value, kind: kind.value, level: level.value, from: "-15m" }) }, "Search these")),
  syntaxHelp());
  fill(view, h("h1", {}, "Live tail"), form, problems,
    h("section", { class: "card" },
      h("div", { class: "row", style: "align-items:center;margin-bottom:8px" }, status, counters, dropped, h("span", { class: "grow" }),
        h("label", { class: "checks" }, follow, "follow"), pause,
        h("button", { type: "button", onclick: () => fill(feed) }, "Clear")),
      feed));

  let stopStream = null;
  let lastId = null;
  let paused = false;
  const held = [];
  let received = 0;
  let droppedTotal = 0;
  let skipped = 0;
  let retryMs = 500;
  let retryTimer = null;
  let ended = false;

  function setStatus(kindOfState, text) {
    status.className = "status-" + kindOfState;
    fill(status, h("span", { class: "status-dot", "aria-hidden": "true" }), text);
  }

  function counts() {
    fill(counters, number(received) + " received" + (held.length ? " · " + number(held.length) + " waiting (paused)" : "")
      + (skipped ? " · " + number(skipped) + " older ones skipped while paused" : ""));
  }

  function show(event) {
    feed.append(eventItem(event, { onFilter: (term) => {
      query.value = (query.value.trim() + " " + term).trim();
      connect(true);
    } }));
    while (feed.childElementCount > MAX_SHOWN) feed.firstElementChild.remove();
    if (follow.checked) feed.scrollTop = feed.scrollHeight;
  }

  function onEvent(type, data, id) {
    // Every frame with an id moves the resume point, "live" too (where catching up ended), so
    // a reconnect after a quiet spell starts there and not at "now".
    if (id) lastId = id;
    if (type === "log") {
      received++;
      if (paused) {
        held.push(data);
        // Paused for long on a busy stream: keep the newest, count the rest.
        if (held.length > MAX_SHOWN) {
          held.shift();
          skipped++;
        }
      } else show(data);
      counts();
    } else if (type === "dropped") {
      droppedTotal += data.dropped || 0;
      dropped.hidden = false;
      fill(dropped, number(droppedTotal) + " dropped by the server (this page read too slowly); fetching them again");
      // The server dropped events after the last one shown: resume from it to get them back.
      connect(false);
    } else if (type === "partial") {
      problems.append(h("div", { class: "notice notice-error" }, data.message || "damaged parts were skipped"));
    } else if (type === "end") {
      if (data.reason === "credential") {
        ended = true;
        setStatus("error", "ended: " + (data.message || "the credential stopped working"));
      } else {
        setStatus("connecting", "reconnecting (" + data.reason + ")");
      }
    }
  }

  function onState(state, detail, httpStatus) {
    if (state === "live") {
      retryMs = 500;
      setStatus(paused ? "paused" : "live", paused ? "paused" : "live");
      return;
    }
    if (ended) return;
    if (state === "error" && httpStatus >= 400 && httpStatus < 500 && httpStatus !== 429) {
      setStatus("error", detail);
      return;
    }
    setStatus("error", (detail || "disconnected") + "; retrying in " + (retryMs / 1000).toFixed(1) + " s");
    retryTimer = setTimeout(() => connect(false), retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  }

  /** Opens the stream; a new filter starts afresh, a reconnect resumes after the last event. */
  function connect(newFilter) {
    if (stopStream) stopStream();
    clearTimeout(retryTimer);
    ended = false;
    if (newFilter) {
      lastId = null;
      fill(feed);
      held.length = 0;
      received = 0;
      skipped = 0;
      counts();
      replaceParams({ q: query.value.trim(), kind: kind.value, level: level.value });
    }
    setStatus("connecting", "connecting");
    stopStream = api.stream("/api/log/stream", { q: query.value.trim(), kind: kind.value, level: level.value, lastEventId: lastId }, project, { onEvent, onState });
  }

  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    fill(pause, paused ? "Resume" : "Pause");
    if (!paused) held.splice(0).forEach(show);
    setStatus(paused ? "paused" : "live", paused ? "paused" : "live");
    counts();
  });
  kind.addEventListener("change", () => connect(true));
  level.addEventListener("change", () => connect(true));
  connect(true);
  return () => {
    ended = true;
    clearTimeout(retryTimer);
    if (stopStream) stopStream();
  };
}
