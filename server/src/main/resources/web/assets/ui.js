// Small helpers every page uses: building elements (text is always set as text, never parsed
// as HTML), formatting numbers and times, charts on uPlot, and notices.

/** h("div", {class: "x", onclick: f}, child, "text", [more]) builds an element. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "value") element.value = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of an element. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export function number(n) {
  return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US");
}

export function percent(fraction) {
  return fraction === null || fraction === undefined ? "–" : (fraction * 100).toFixed(fraction < 0.1 ? 2 : 1) + "%";
}

export function bytes(n) {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return (unit === 0 ? value : value.toFixed(1)) + " " + units[unit];
}

/** "12:04:05" today, else "Dec 3 12:04:05", in the browser's time zone. */
export function time(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  const clock = date.toLocaleTimeString("en-GB", { hour12: false });
  return today ? clock : date.toLocaleDateString("en-US", { month: "short", day: "numeric" }) + " " + clock;
}

/** "just now", "5 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function ago(iso) {
  if (!iso) return "–";
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return seconds + " s ago";
  if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
  if (seconds < 86400) return Math.floor(seconds / 3600) + " h ago";
  return Math.floor(seconds / 86400) + " d ago";
}

/** A badge for a level: its own colour in both themes. */
export function levelBadge(level) {
  return h("span", { class: "level level-" + level }, level);
}

/** A notice at the top of a page: kind is "error", "info" or "ok". */
export function notice(kind, text) {
  return h("div", { class: "notice notice-" + kind, role: kind === "error" ? "alert" : "status" }, text);
}

/** The colours of the levels, from the stylesheet (so charts follow the theme). */
export const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"];
export function cssColor(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

/** Seconds since the epoch of each bucket, and one series of counts per level. */
export function histogramSeries(buckets) {
  const xs = buckets.map((b) => new Date(b.ts).getTime() / 1000);
  const perLevel = LEVELS.map((level) => buckets.map((b) => b.levels?.[level] ?? 0));
  return { xs, perLevel };
}

/**
 * A stacked bar chart of counts per level over time (uPlot has no stacking of its own: each
 * series is drawn as the running sum of those below it). onSelect(fromMs, toMs) is called when
 * the user drags over a range.
 */
export function levelChart(container, buckets, { height = 180, onSelect } = {}) {
  const { xs, perLevel } = histogramSeries(buckets);
  const shown = LEVELS.map((level, i) => ({ level, values: perLevel[i] })).filter((s) => s.values.some((v) => v > 0));
  const stacked = [];
  let running = xs.map(() => 0);
  for (const series of shown) {
    running = running.map((sum, i) => sum + series.values[i]);
    stacked.push(running);
  }
  const bars = window.uPlot.paths.bars({ size: [0.9, 40] });
  // Drawn top of the stack first, so each shorter (cumulative) bar sits in front of the taller.
  const drawn = shown.map((s, i) => ({ ...s, cumulative: stacked[i] })).reverse();
  const options = {
    width: Math.max(280, container.clientWidth || 600),
    height,
    legend: { show: true },
    cursor: { drag: { x: Boolean(onSelect), y: false } },
    select: { show: Boolean(onSelect) },
    axes: axes(),
    series: [{}, ...drawn.map((s) => ({
      label: s.level,
      stroke: cssColor("--level-" + s.level),
      fill: cssColor("--level-" + s.level),
      paths: bars,
      points: { show: false },
      value: (u, v, si, i) => (i === null || i === undefined ? "–" : number(s.values[i])),
    }))],
    scales: { x: { time: true } },
    hooks: onSelect ? {
      setSelect: [(u) => {
        if (u.select.width < 3) return;
        const from = u.posToVal(u.select.left, "x") * 1000;
        const to = u.posToVal(u.select.left + u.select.width, "x") * 1000;
        u.setSelect({ width: 0, height: 0 }, false);
        onSelect(Math.floor(from), Math.ceil(to));
      }],
    } : {},
  };
  const data = [xs, ...drawn.map((s) => s.cumulative)];
  if (drawn.length === 0) options.series.push({ label: "events", stroke: cssColor("--muted"), points: { show: false } });
  return chart(container, options, data.length > 1 ? data : [xs, xs.map(() => 0)], shown.length === 0);
}

/** A line chart of one series over time (the error rate). */
export function lineChart(container, xs, values, { label, height = 180, format = (v) => String(v), color = "--level-error" } = {}) {
  const options = {
    width: Math.max(280, container.clientWidth || 600),
    height,
    axes: axes(format),
    series: [{}, { label, stroke: cssColor(color), width: 2, points: { show: false }, value: (u, v) => (v === null ? "–" : format(v)) }],
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max, 0.01)] } },
  };
  return chart(container, options, [xs, values], false);
}

function axes(format) {
  const grid = { stroke: cssColor("--grid"), width: 1 };
  const stroke = cssColor("--muted");
  return [
    { stroke, grid, ticks: grid },
    { stroke, grid, ticks: grid, size: 56, values: format ? (u, values) => values.map(format) : undefined },
  ];
}

function chart(container, options, data, empty) {
  container.replaceChildren();
  container.classList.add("chart");
  const plot = new window.uPlot(options, data, container);
  if (empty) container.append(h("p", { class: "chart-empty muted" }, "no events in this range"));
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, container.clientWidth), height: options.height }));
  resize.observe(container);
  plot.stop = () => {
    resize.disconnect();
    plot.destroy();
  };
  return plot;
}

/** A tiny inline SVG line of counts (a trend), without axes. */
export function sparkline(values, { width = 120, height = 28 } = {}) {
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("role", "img");
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`);
  svg.setAttribute("aria-label", "trend: " + values.join(", "));
  const line = document.createElementNS(svgNs, "polyline");
  line.setAttribute("points", points.join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "currentColor");
  line.setAttribute("stroke-width", "1.5");
  svg.append(line);
  return svg;
}

/** A table: columns are [title, (row) => cell]; rows become <tr>s. */
export function table(columns, rows, { empty = "nothing here yet", rowAttributes } = {}) {
  if (rows.length === 0) return h("p", { class: "muted empty" }, empty);
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, columns.map(([title]) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, rows.map((row) => h("tr", rowAttributes ? rowAttributes(row) : {}, columns.map(([, cell]) => h("td", {}, cell(row))))))));
}

/** A labelled form field. */
export function field(label, input, hint) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), input, hint ? h("span", { class: "hint" }, hint) : null);
}

/** Runs an async action from a button, showing failures in the given place. */
export async function attempt(place, action) {
  try {
    return await action();
  } catch (e) {
    if (place) fill(place, notice("error", e.message));
    else console.error(e);
    return undefined;
  }
}

/** Whether the signed-in credential may administer the project: the admin token or a key with the admin scope. */
export function mayAdminister(session) {
  return session.credential === "admin" || (session.scopes || []).includes("admin");
}

/** Clears a form's notice and the errors marked under its fields. */
export function clearErrors(form, place) {
  fill(place);
  for (const marked of form.querySelectorAll("[aria-invalid]")) {
    marked.removeAttribute("aria-invalid");
    marked.closest(".field")?.querySelector(".field-error")?.remove();
  }
}

/** Marks one field with the server's message under it and moves the keyboard there. */
export function markInvalid(input, message) {
  input.setAttribute("aria-invalid", "true");
  input.closest(".field")?.append(h("span", { class: "field-error", role: "alert" }, message));
  input.focus();
}

/** Asks in a modal dialog; answers true when the user confirms. */
export function confirmAction(question, action) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm", "aria-label": action },
      h("form", { method: "dialog" },
        h("p", {}, question),
        h("div", { class: "row" },
          h("button", { value: "yes", class: "danger", id: "confirm-yes" }, action),
          h("button", { value: "no", autofocus: true }, "Cancel"))));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
