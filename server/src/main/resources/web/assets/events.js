// One event as a line that opens into its details (search results and the live tail share it).
// A value in the details is a button that adds "field:value" to the query.
import { h, levelBadge, time } from "./ui.js";

/** The query term that selects events with this value of a field. */
export function term(field, value) {
  const text = String(value);
  return field + ":" + (/^[^\s"():\\]+$/.test(text) ? text : '"' + text.replace(/[\\"]/g, "\\$&") + '"');
}

/** The events counted in a fingerprint's row: its own and those of the groups merged into it. */
export function fingerprintQuery(row) {
  const all = [row.fingerprint, ...(row.mergedFrom || [])];
  return all.length === 1 ? term("fingerprint", all[0]) : "(" + all.map((f) => term("fingerprint", f)).join(" OR ") + ")";
}

const FIELDS = [
  ["source", "source"], ["userId", "user"], ["conversationId", "conversation"], ["buildId", "build"],
  ["deploymentId", "deployment"], ["traceId", null], ["fingerprint", "fingerprint"], ["status", "status"],
  ["kind", "kind"], ["level", "level"],
];

/** An <li> for the event; onFilter(term) is called when a value is clicked (omit to show plain values). */
export function eventItem(event, { onFilter } = {}) {
  const details = h("div", { class: "event-details", hidden: true });
  const line = h("button", { class: "event-line", type: "button", "aria-expanded": "false", onclick: () => {
    const open = details.hidden;
    details.hidden = !open;
    line.setAttribute("aria-expanded", String(open));
    if (open && details.childElementCount === 0) details.append(eventDetails(event, onFilter));
  } },
  h("span", { class: "event-time", title: event.ts }, time(event.ts)),
  h("span", {}, levelBadge(event.level)),
  h("span", { class: "event-message" }, event.source ? h("span", { class: "event-source" }, event.source) : null, event.message));
  return h("li", { class: "event", dataset: { id: event.id } }, line, details);
}

function value(field, text, onFilter) {
  if (!onFilter || !field) return h("span", { class: "mono" }, text);
  return h("button", { type: "button", class: "filter-value", title: "filter by " + term(field, text), onclick: () => onFilter(term(field, text)) }, text);
}

function eventDetails(event, onFilter) {
  const rows = [["id", h("span", { class: "mono" }, event.id)], ["time", h("span", { class: "mono" }, event.ts + "  (received " + event.receivedAt + ")")]];
  for (const [name, field] of FIELDS) {
    if (event[name] !== undefined && event[name] !== null) rows.push([name, value(field, event[name], onFilter)]);
  }
  for (const [name, text] of Object.entries(event.attrs || {})) rows.push(["attrs." + name, value("attrs." + name, text, onFilter)]);
  return h("div", {},
    h("dl", { class: "fields" }, rows.map(([name, content]) => [h("dt", {}, name), h("dd", {}, content)])),
    h("pre", { class: "event-full" }, event.message),
    event.stack ? [h("h2", {}, "stack"), h("pre", {}, event.stack)] : null);
}
