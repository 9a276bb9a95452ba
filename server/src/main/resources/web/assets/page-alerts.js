// Alerts: the selected project's rules (what each watches, where it speaks, who made it, when it
// last fired), a form to create and edit them with the fields each kind needs, a test alert per
// rule with each channel's answer, deleting with a confirmation, and the history of what was sent.
// Needs the admin token or a key of the project with the admin scope.
import * as api from "./api.js";
import { h, fill, table, field, notice, time, ago, mayAdminister, clearErrors, markInvalid, confirmAction } from "./ui.js";

/**
 * What each kind watches and the fields it takes, with the server's defaults (README, "Alerts").
 * threshold: the label of the threshold for the kind, or null when the kind has none.
 */
const KINDS = {
  spike: { title: "spike of one fingerprint", threshold: "events of one fingerprint, at least", thresholdDefault: 5, window: "60s", minLevel: true, query: "optional" },
  error_rate: { title: "error rate", threshold: "error share above (%)", thresholdDefault: 10, minEvents: "events in the window, at least", minEventsDefault: 50, window: "5m", query: "optional" },
  new_fingerprint: { title: "new fingerprint", minLevel: true, query: "optional" },
  pattern: { title: "query pattern", threshold: "matching events, at least", thresholdDefault: 1, window: "5m", query: "required" },
  absence: { title: "absence (gone silent)", threshold: "matching events, fewer than", thresholdDefault: 1, window: "15m", query: "required" },
  build_failures: { title: "failing builds", threshold: "failed share above (%)", thresholdDefault: 50, minEvents: "over the last N builds", minEventsDefault: 10, query: "optional" },
  deploy_failure: { title: "failed deployment", query: "optional" },
};
const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"];
const CHANNEL_TYPES = ["discord", "slack", "webhook", "email"];
const HISTORY_LIMIT = 50;

export function render(view, { project, session }) {
  if (!mayAdminister(session)) {
    fill(view, h("h1", {}, "Alerts"), notice("info",
      "Alert rules need the admin token or a key of this project with the admin scope; this key has " + (session.scopes || []).join(", ") + ". Sign in with one of those to see and change them."));
    return null;
  }
  let stopped = false;
  const problems = h("div", { id: "alerts-problems" });
  const rulesPlace = h("div", { id: "alert-rules" }, h("p", { class: "muted" }, "loading…"));
  const testPlace = h("div", { id: "alert-test-result", "aria-live": "polite" });
  const formCard = h("section", { class: "card", id: "alert-form-card", hidden: true });
  const historyPlace = h("div", { id: "alert-history" }, h("p", { class: "muted" }, "loading…"));
  const newButton = h("button", { type: "button", class: "primary", id: "new-rule", onclick: () => openForm(null) }, "New rule");
  fill(view,
    h("div", { class: "row" }, h("h1", { class: "grow" }, "Alerts"), newButton,
      h("button", { type: "button", onclick: () => load() }, "Refresh")),
    problems, formCard,
    h("section", { class: "card" }, h("h2", {}, "Rules"), testPlace, rulesPlace),
    h("section", { class: "card" }, h("h2", {}, "History"),
      h("p", { class: "muted hint" }, "Every alert sent (fired, summaries of quiet times, tests), newest first, and how each channel took it."),
      historyPlace));

  async function load() {
    fill(problems);
    try {
      const [rules, history] = await Promise.all([
        api.get("/admin/alerts", { project }),
        api.get("/admin/alerts/history", { params: { limit: HISTORY_LIMIT }, project }),
      ]);
      if (stopped) return;
      const lastFired = new Map();
      for (const alert of history.alerts) {
        if (alert.type === "test") continue;
        if (!lastFired.has(alert.ruleId) || alert.at > lastFired.get(alert.ruleId)) lastFired.set(alert.ruleId, alert.at);
      }
      showRules(rules.rules, lastFired);
      showHistory(history.alerts, history.next);
    } catch (e) {
      if (stopped) return;
      fill(problems, notice("error", e.status === 403 ? "this credential may not manage alert rules: " + e.message : e.message));
      fill(rulesPlace);
      fill(historyPlace);
    }
  }

  function showRules(rules, lastFired) {
    fill(rulesPlace, table([
      ["name", (rule) => h("strong", {}, rule.name)],
      ["kind", (rule) => rule.kind],
      ["condition", (rule) => condition(rule)],
      ["channels", (rule) => rule.channels.length
        ? h("ul", { class: "plain-list" }, rule.channels.map((c) => h("li", {}, h("span", { class: "badge" }, c.type), " ", h("span", { class: "mono" }, channelTarget(c)))))
        : h("span", { class: "muted" }, "none: recorded in the history only")],
      ["origin", (rule) => rule.origin === "file"
        ? h("span", { class: "badge badge-warn", title: "made by the rules file (LARCH_ALERT_RULES_FILE): change it there" }, "file · read-only")
        : h("span", { class: "badge" }, rule.origin)],
      ["last fired", (rule) => lastFired.has(rule.id) ? h("span", { title: lastFired.get(rule.id) }, ago(lastFired.get(rule.id))) : h("span", { class: "muted", title: "not among the latest " + HISTORY_LIMIT + " alerts" }, "–")],
      ["", (rule) => h("div", { class: "actions" },
        h("button", { type: "button", "aria-label": "edit " + rule.name, disabled: rule.origin === "file", title: rule.origin === "file" ? "rules from the rules file are read-only" : null,
          onclick: () => openForm(rule) }, "Edit"),
        h("button", { type: "button", "aria-label": "test " + rule.name, onclick: (event) => test(rule, event.currentTarget) }, "Test"),
        h("button", { type: "button", class: "danger", "aria-label": "delete " + rule.name, disabled: rule.origin === "file",
          title: rule.origin === "file" ? "rules from the rules file are read-only" : null, onclick: () => remove(rule) }, "Delete"))],
    ], rules, { empty: "no rules yet: make one with New rule", rowAttributes: (rule) => ({ dataset: { ruleId: rule.id, ruleName: rule.name } }) }));
  }

  function showHistory(alerts, next) {
    const older = next === null || next === undefined ? null : h("button", { type: "button", id: "older-alerts", onclick: async () => {
      older.disabled = true;
      try {
        const page = await api.get("/admin/alerts/history", { params: { limit: HISTORY_LIMIT, before: next }, project });
        if (stopped) return;
        showHistory([...alerts, ...page.alerts], page.next);
        (historyPlace.querySelector("#older-alerts") || historyPlace.querySelectorAll("tbody tr")[alerts.length])?.focus();
      } catch (e) {
        if (!stopped) historyPlace.append(notice("error", e.message));
      }
    } }, "Show older");
    fill(historyPlace, table([
      ["time", (alert) => h("span", { title: alert.at }, time(alert.at))],
      ["rule", (alert) => alert.rule],
      ["type", (alert) => h("span", { class: "badge" + (alert.type === "fired" ? " badge-bad" : "") }, alert.type)],
      ["title", (alert) => alert.title],
      ["deliveries", (alert) => alert.deliveries.length
        ? h("ul", { class: "plain-list" }, alert.deliveries.map((d) => h("li", {}, d.type, " ", deliveryBadge(d.status),
          d.error ? h("span", { class: "muted" }, " " + d.error) : null)))
        : h("span", { class: "muted" }, "no channels")],
    ], alerts, { empty: "nothing sent yet" }), older ? h("div", { class: "pager" }, older) : null);
  }

  async function test(rule, button) {
    button.disabled = true;
    fill(testPlace, h("p", { class: "muted" }, "sending a test alert of " + rule.name + "…"));
    try {
      const answer = await api.post("/admin/alerts/" + rule.id + "/test", null, { project });
      if (stopped) return;
      if (!answer.deliveries) {
        fill(testPlace, notice("info", answer.note));
      } else {
        const close = h("button", { type: "button", class: "ghost", "aria-label": "close the test result", onclick: () => fill(testPlace) }, "✕");
        fill(testPlace, h("div", { class: "test-result" },
          h("div", { class: "row" }, h("div", { class: "grow" }, notice(answer.delivered ? "ok" : "error",
            "test of " + rule.name + ": " + (answer.delivered ? "every channel took it" : "a channel did not take it"))), close),
          table([
            ["channel", (d) => d.type],
            ["target", (d) => h("span", { class: "mono" }, d.target)],
            ["result", (d) => deliveryBadge(d.delivered ? "delivered" : "failed")],
            ["attempts", (d) => d.attempts],
            ["last status", (d) => d.lastStatus ?? "–"],
            ["error", (d) => d.error || ""],
          ], answer.deliveries)));
      }
      load();
    } catch (e) {
      if (!stopped) fill(testPlace, notice("error", "test of " + rule.name + ": " + e.message));
    } finally {
      button.disabled = false;
    }
  }

  async function remove(rule) {
    if (!(await confirmAction("Delete the rule " + rule.name + "? Its history stays.", "Delete rule"))) return;
    try {
      await api.del("/admin/alerts/" + rule.id, { project });
      if (stopped) return;
      fill(testPlace, notice("ok", "deleted the rule " + rule.name));
      if (!formCard.hidden && formCard.dataset.ruleId === String(rule.id)) closeForm();
      load();
    } catch (e) {
      if (!stopped) fill(testPlace, notice("error", "cannot delete " + rule.name + ": " + e.message));
    }
  }

  function closeForm() {
    formCard.hidden = true;
    delete formCard.dataset.ruleId;
    fill(formCard);
    newButton.focus();
  }

  function openForm(rule) {
    formCard.hidden = false;
    if (rule) formCard.dataset.ruleId = rule.id;
    else delete formCard.dataset.ruleId;
    fill(formCard, ruleForm(rule, {
      project,
      onSaved: (saved, created) => {
        closeForm();
        fill(testPlace, notice("ok", (created ? "created" : "saved") + " the rule " + saved.name));
        load();
      },
      onCancel: closeForm,
    }));
    formCard.querySelector("input").focus();
  }

  load();
  return () => {
    stopped = true;
  };
}

/** One line saying what a rule watches. */
function condition(rule) {
  const matching = rule.query ? " matching " + rule.query : "";
  const quiet = rule.suppress && rule.suppress !== "0s" ? "; then quiet for " + rule.suppress : "";
  const text = {
    spike: () => "≥ " + rule.threshold + " " + rule.minLevel + "+ events of one fingerprint in " + rule.window + matching,
    error_rate: () => "errors > " + rule.threshold + "% of events in " + rule.window + " (once ≥ " + rule.minEvents + ")" + matching,
    new_fingerprint: () => "first " + rule.minLevel + "+ event of a fingerprint never seen" + matching,
    pattern: () => "≥ " + rule.threshold + (rule.threshold === 1 ? " event" : " events") + matching + " in " + rule.window,
    absence: () => "< " + rule.threshold + (rule.threshold === 1 ? " event" : " events") + matching + " in " + rule.window,
    build_failures: () => "> " + rule.threshold + "% of the last " + rule.minEvents + " builds failed" + matching,
    deploy_failure: () => "a deployment ends failed" + matching,
  }[rule.kind];
  return (text ? text() : rule.kind) + quiet;
}

/** A channel's target as the server shows it (webhook URLs shortened to their host), kept short. */
function channelTarget(channel) {
  const text = channel.type === "email" ? (channel.to || []).join(", ") : channel.url || "";
  return text.length > 48 ? text.slice(0, 47) + "…" : text;
}

function deliveryBadge(status) {
  const kind = { delivered: "badge-ok", failed: "badge-bad", dropped: "badge-bad", pending: "badge-warn" }[status] || "";
  return h("span", { class: "badge " + kind }, status);
}

/**
 * The create/edit form. The server keeps the whole rule on PUT, channels too; it shows webhook
 * URLs and secrets shortened, so editing asks for them again.
 */
function ruleForm(rule, { project, onSaved, onCancel }) {
  const editing = Boolean(rule);
  const error = h("div", { class: "form-error", id: "alert-form-error", "aria-live": "assertive" });
  const inputs = {
    name: h("input", { id: "rule-name", name: "name", value: rule?.name || "", autocomplete: "off", dataset: { field: "name" } }),
    kind: h("select", { id: "rule-kind", name: "kind", dataset: { field: "kind" } },
      Object.entries(KINDS).map(([kind, spec]) => h("option", { value: kind, selected: kind === (rule?.kind || "spike") }, kind + " · " + spec.title))),
    threshold: h("input", { id: "rule-threshold", name: "threshold", inputmode: "decimal", autocomplete: "off", dataset: { field: "threshold" } }),
    minEvents: h("input", { id: "rule-min-events", name: "minEvents", inputmode: "numeric", autocomplete: "off", dataset: { field: "minEvents" } }),
    window: h("input", { id: "rule-window", name: "window", autocomplete: "off", dataset: { field: "window" } }),
    minLevel: h("select", { id: "rule-min-level", name: "minLevel", dataset: { field: "minLevel" } },
      LEVELS.map((level) => h("option", { value: level, selected: level === (rule?.minLevel || "error") }, level))),
    query: h("input", { id: "rule-query", name: "query", value: rule?.query || "", autocomplete: "off", spellcheck: "false", class: "mono", dataset: { field: "query" } }),
    suppress: h("input", { id: "rule-suppress", name: "suppress", value: rule?.suppress || "", placeholder: "15m", autocomplete: "off", dataset: { field: "suppress" } }),
  };
  const labels = {};
  const fields = {};
  for (const [name, input] of Object.entries(inputs)) {
    labels[name] = h("span", { class: "field-label" });
    fields[name] = h("label", { class: "field", for: input.id }, labels[name], input, h("span", { class: "hint" }));
  }
  labels.name.textContent = "Name";
  labels.kind.textContent = "Kind";
  labels.window.textContent = "Window";
  labels.minLevel.textContent = "Lowest level that counts";
  labels.suppress.textContent = "Quiet time after an alert";
  fields.suppress.lastChild.textContent = "0s: none; default 15m";
  const ruleSpec = rule ? KINDS[rule.kind] || {} : {};
  if (ruleSpec.threshold) inputs.threshold.value = rule.threshold ?? "";
  if (ruleSpec.minEvents) inputs.minEvents.value = rule.minEvents ?? "";
  if (ruleSpec.window) inputs.window.value = rule.window ?? "";

  /** Shows the fields the chosen kind takes, with its defaults as placeholders. */
  function showKind() {
    const spec = KINDS[inputs.kind.value];
    fields.threshold.hidden = !spec.threshold;
    labels.threshold.textContent = spec.threshold || "";
    inputs.threshold.placeholder = spec.thresholdDefault ?? "";
    fields.minEvents.hidden = !spec.minEvents;
    labels.minEvents.textContent = spec.minEvents || "";
    inputs.minEvents.placeholder = spec.minEventsDefault ?? "";
    fields.window.hidden = !spec.window;
    inputs.window.placeholder = spec.window || "";
    fields.window.lastChild.textContent = "like 90s, 5m, 1h (at most 1d)";
    fields.minLevel.hidden = !spec.minLevel;
    labels.query.textContent = spec.query === "required" ? "Query (required)" : "Query (optional filter)";
    inputs.query.placeholder = "source:checkout level>=error";
  }
  inputs.kind.addEventListener("change", showKind);
  showKind();

  const channelList = h("div", { class: "channel-list", id: "rule-channels" });
  let channelCount = 0;
  function addChannel(existing) {
    const n = channelCount++;
    const type = h("select", { id: "channel-type-" + n, dataset: { field: "type" } }, CHANNEL_TYPES.map((t) => h("option", { value: t, selected: t === (existing?.type || "discord") }, t)));
    const url = h("input", { id: "channel-url-" + n, type: "url", autocomplete: "off", spellcheck: "false", dataset: { field: "url" },
      placeholder: existing?.url ? "the whole URL again (now " + existing.url + ")" : "https://discord.com/api/webhooks/…" });
    const secret = h("input", { id: "channel-secret-" + n, type: "password", autocomplete: "new-password", dataset: { field: "secret" },
      placeholder: existing?.secret ? "set: type it again to keep signing" : "optional: signs each body" });
    const to = h("input", { id: "channel-to-" + n, autocomplete: "off", dataset: { field: "to" }, value: existing?.to ? existing.to.join(", ") : "",
      placeholder: "oncall@example.com, dev@example.com" });
    const urlField = h("label", { class: "field grow", for: url.id }, h("span", { class: "field-label" }, "Webhook URL"), url);
    const secretField = h("label", { class: "field", for: secret.id }, h("span", { class: "field-label" }, "Signing secret"), secret);
    const toField = h("label", { class: "field grow", for: to.id }, h("span", { class: "field-label" }, "Send to"), to);
    // The server never shows a secret back: editing must say whether to keep signing.
    const unsign = existing?.secret ? h("input", { type: "checkbox", id: "channel-unsign-" + n }) : null;
    const row = h("div", { class: "channel-row row", dataset: { channel: n } },
      h("label", { class: "field", for: type.id }, h("span", { class: "field-label" }, "Channel"), type),
      urlField, secretField, unsign ? h("label", { class: "checks", for: unsign.id }, unsign, "stop signing") : null, toField,
      h("button", { type: "button", class: "ghost", "aria-label": "remove channel " + (n + 1), onclick: () => {
        row.remove();
        addButton.focus();
      } }, "Remove"));
    row.channel = { type, url, secret, to, unsign };
    const showType = () => {
      urlField.hidden = type.value === "email";
      secretField.hidden = type.value !== "webhook";
      toField.hidden = type.value !== "email";
    };
    type.addEventListener("change", showType);
    showType();
    channelList.append(row);
    return row;
  }
  const addButton = h("button", { type: "button", id: "add-channel", onclick: () => addChannel(null).querySelector("select").focus() }, "Add channel");
  for (const channel of rule?.channels || []) addChannel(channel);

  const hasHiddenUrls = (rule?.channels || []).some((c) => c.type !== "email");
  const saveButton = h("button", { type: "submit", class: "primary", id: "save-rule" }, editing ? "Save rule" : "Create rule");
  const form = h("form", { id: "alert-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    clearErrors(form, error);
    const unsaidSecret = [...channelList.children].findIndex((row) => row.channel.unsign && !row.channel.unsign.checked
      && row.channel.type.value === "webhook" && row.channel.secret.value === "");
    if (unsaidSecret >= 0) {
      showError(form, error, { status: 400, message: "channels[" + unsaidSecret + "].secret: the signing secret is not shown back;"
        + " type it again to keep signing this webhook, or tick \"stop signing\"" });
      return;
    }
    const body = collect();
    saveButton.disabled = true;
    try {
      const saved = editing
        ? await api.put("/admin/alerts/" + rule.id, body, { project })
        : await api.post("/admin/alerts", body, { project });
      onSaved(saved, !editing);
    } catch (e) {
      showError(form, error, e);
    } finally {
      saveButton.disabled = false;
    }
  } },
  h("h2", {}, editing ? "Edit the rule " + rule.name : "New rule"),
  editing && rule.origin === "default" ? h("p", { class: "hint" }, "One of the project's default rules: change or delete it as you like.") : null,
  h("div", { class: "form-grid" }, fields.name, fields.kind, fields.threshold, fields.minEvents, fields.window, fields.minLevel, fields.suppress),
  h("div", { class: "form-grid" }, fields.query),
  h("fieldset", { class: "channels" }, h("legend", {}, "Channels"),
    hasHiddenUrls ? h("p", { class: "hint" }, "The server shows webhook URLs only up to their host (they are credentials): enter each one whole again to save the rule.") : null,
    channelList, addButton),
  error,
  h("div", { class: "row" }, saveButton, h("button", { type: "button", onclick: onCancel }, "Cancel")));

  /** The rule as the API takes it: only the fields the kind uses; empty ones take the defaults. */
  function collect() {
    const spec = KINDS[inputs.kind.value];
    const body = { name: inputs.name.value.trim(), kind: inputs.kind.value };
    if (spec.threshold && inputs.threshold.value.trim() !== "") body.threshold = numberOrText(inputs.threshold.value);
    if (spec.minEvents && inputs.minEvents.value.trim() !== "") body.minEvents = numberOrText(inputs.minEvents.value);
    if (spec.window && inputs.window.value.trim() !== "") body.window = inputs.window.value.trim();
    if (spec.minLevel) body.minLevel = inputs.minLevel.value;
    if (inputs.query.value.trim() !== "") body.query = inputs.query.value.trim();
    if (inputs.suppress.value.trim() !== "") body.suppress = inputs.suppress.value.trim();
    body.channels = [...channelList.children].map((row) => {
      const { type, url, secret, to } = row.channel;
      if (type.value === "email") return { type: "email", to: to.value.split(/[,;\s]+/).filter(Boolean) };
      const channel = { type: type.value, url: url.value.trim() };
      if (type.value === "webhook" && secret.value !== "") channel.secret = secret.value;
      return channel;
    });
    return body;
  }
  return form;
}

/** A number when the text is one; else the text, so the server names what is wrong with it. */
function numberOrText(text) {
  const trimmed = text.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/**
 * The server's answer beside the form, and under the field it names ("threshold: ...",
 * "channels[1].url: ..."): the field gets focus so the keyboard lands where the fix is.
 */
function showError(form, place, e) {
  const message = e.message;
  fill(place, notice("error", (e.status === 409 ? "conflict: " : e.status === 400 ? "" : "cannot save (" + e.status + "): ") + message));
  const named = /^([a-zA-Z]+)(?:\[(\d+)\])?(?:\.([a-zA-Z]+))?:/.exec(message);
  if (!named) return;
  let input;
  if (named[1] === "channels" && named[2] !== undefined) {
    const row = form.querySelectorAll(".channel-row")[Number(named[2])];
    input = row?.querySelector('[data-field="' + (named[3] || "type") + '"]');
  } else {
    input = form.querySelector('[data-field="' + named[1] + '"]');
  }
  if (!input || input.closest("[hidden]")) return;
  markInvalid(input, message);
}
