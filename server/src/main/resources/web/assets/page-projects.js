// Projects & keys: with the admin token, every project and a form to create one (its first key
// shown once). For the selected project (admin token, or a key with the admin scope): its keys
// (create, shown once; revoke), its retention preset, its settings (signing, rate limits,
// redaction, fingerprinter) and rotating its signing secret (shown once).
import * as api from "./api.js";
import { h, fill, table, field, notice, time, mayAdminister, clearErrors, markInvalid, confirmAction } from "./ui.js";

const SCOPES = [["ingest", "send events"], ["read", "search and read"], ["admin", "manage this project"]];
const DEFAULT_SCOPES = ["ingest", "read"];
const PRESETS = [["default", "default: hot 7 d, warm 30 d, deleted at 90 d, archived"], ["worklog", "worklog: like default, for work logs"],
  ["overflow", "overflow: 24 h, not archived"]];
const LIMITS = [["eventsPerMinute", "Events a minute"], ["requestsPerMinute", "Requests a minute"], ["workLogPerUserPerMinute", "Work-log events a minute per user"]];

/**
 * A secret the server shows only once (a new project's key), kept in this module, never in
 * storage, while projectsChanged() draws the page again; shown by the next draw and then dropped.
 */
let createdProject = null;

export function render(view, { project, session, projectsChanged, projects, navigate }) {
  let stopped = false;
  const admin = session.credential === "admin";
  const sections = [h("h1", {}, "Projects & keys")];
  if (admin) sections.push(projectsCard({ projects, projectsChanged, navigate, current: project, isStopped: () => stopped }));
  if (!project) {
    sections.push(notice("info", "there is no project yet: create one above"));
  } else if (!mayAdminister(session)) {
    sections.push(notice("info", "The keys and settings of " + project + " need the admin token or a key of this project with the admin scope; this key has "
      + (session.scopes || []).join(", ") + "."));
  } else {
    const name = projects.find((p) => p.slug === project)?.name || project;
    sections.push(h("h2", { class: "section-title" }, "Project " + name + " (" + project + ")"));
    sections.push(keysCard({ project, session, isStopped: () => stopped }));
    sections.push(h("div", { class: "grid" },
      retentionCard({ project, isStopped: () => stopped }),
      settingsCard({ project, isStopped: () => stopped })));
  }
  fill(view, sections);
  return () => {
    stopped = true;
  };
}

function projectsCard({ projects, projectsChanged, navigate, current, isStopped }) {
  const output = h("div", { id: "project-created", "aria-live": "polite" });
  if (createdProject) {
    const made = createdProject.project;
    fill(output, notice("ok", "created the project " + made.name + " (" + made.slug + ")"),
      secretBox("Its first key (scopes ingest, read)", createdProject.key, createdProject.note),
      made.slug === current ? null : h("button", { type: "button", id: "open-created-project", onclick: () => navigate("projects", { project: made.slug }) },
        "Manage " + made.name + " (after copying its key)"));
    createdProject = null;
  }
  const name = h("input", { id: "project-name", name: "name", autocomplete: "off", dataset: { field: "name" } });
  const slug = h("input", { id: "project-slug", name: "slug", autocomplete: "off", placeholder: "made from the name", dataset: { field: "slug" } });
  const error = h("div", { class: "form-error", "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "primary", id: "create-project" }, "Create project");
  const form = h("form", { id: "project-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    clearErrors(form, error);
    submit.disabled = true;
    try {
      const body = { name: name.value.trim() };
      if (slug.value.trim()) body.slug = slug.value.trim();
      const created = await api.post("/admin/projects", body);
      createdProject = created;
      await projectsChanged();
    } catch (e) {
      if (!isStopped()) showError(form, error, e);
    } finally {
      submit.disabled = false;
    }
  } },
  h("h3", {}, "New project"),
  h("div", { class: "form-grid" }, field("Name", name), field("Slug (optional)", slug, "lowercase letters, digits and dashes; used in URLs")),
  error, submit);
  return h("section", { class: "card", id: "projects-card" },
    h("h2", {}, "Projects"),
    output,
    table([
      ["name", (p) => p.name],
      ["slug", (p) => h("span", { class: "mono" }, p.slug)],
      ["id", (p) => p.id],
      ["created", (p) => h("span", { title: p.createdAt }, time(p.createdAt))],
    ], projects, { empty: "no projects yet", rowAttributes: (p) => ({ dataset: { slug: p.slug } }) }),
    form);
}

function keysCard({ project, session, isStopped }) {
  const base = "/admin/projects/" + encodeURIComponent(project);
  const list = h("div", { id: "keys" }, h("p", { class: "muted" }, "loading…"));
  const output = h("div", { id: "key-created", "aria-live": "polite" });
  const name = h("input", { id: "key-name", name: "name", autocomplete: "off", placeholder: "ci, web app, laptop…", dataset: { field: "name" } });
  const boxes = SCOPES.map(([scope, what]) => {
    const box = h("input", { type: "checkbox", id: "scope-" + scope, value: scope, checked: DEFAULT_SCOPES.includes(scope) });
    return h("label", { for: box.id }, box, scope, h("span", { class: "muted" }, " (" + what + ")"));
  });
  const error = h("div", { class: "form-error", "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "primary", id: "create-key" }, "Create key");
  const form = h("form", { id: "key-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    clearErrors(form, error);
    fill(output);
    submit.disabled = true;
    try {
      const scopes = boxes.map((label) => label.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
      const created = await api.post(base + "/keys", { name: name.value.trim(), scopes });
      if (isStopped()) return;
      fill(output, notice("ok", "created the key " + (created.name || created.prefix) + " (" + created.scopes.join(", ") + ")"),
        secretBox("The new key", created.key, created.note));
      name.value = "";
      load();
    } catch (e) {
      if (!isStopped()) showError(form, error, e);
    } finally {
      submit.disabled = false;
    }
  } },
  h("h3", {}, "New key"),
  h("div", { class: "form-grid" }, field("Name", name),
    h("fieldset", { class: "checks-field" }, h("legend", { class: "field-label" }, "Scopes"), h("div", { class: "checks" }, boxes))),
  error, submit);

  async function load() {
    try {
      const answer = await api.get(base + "/keys");
      if (isStopped()) return;
      fill(list, table([
        ["prefix", (key) => h("span", { class: "mono" }, key.prefix + "…")],
        ["name", (key) => key.name || h("span", { class: "muted" }, "–")],
        ["scopes", (key) => key.scopes.map((scope) => h("span", { class: "badge" }, scope)).reduce((all, badge) => [...all, badge, " "], [])],
        ["created", (key) => h("span", { title: key.createdAt }, time(key.createdAt))],
        ["revoked", (key) => key.revokedAt ? h("span", { class: "badge badge-bad", title: key.revokedAt }, "revoked " + time(key.revokedAt)) : h("span", { class: "badge badge-ok" }, "active")],
        ["", (key) => key.revokedAt ? null : h("button", { type: "button", class: "danger", "aria-label": "revoke key " + key.prefix, onclick: () => revoke(key) }, "Revoke")],
      ], answer.keys, { empty: "no keys", rowAttributes: (key) => ({ dataset: { prefix: key.prefix }, class: key.revokedAt ? "revoked" : null }) }));
    } catch (e) {
      if (!isStopped()) fill(list, notice("error", e.message));
    }
  }

  async function revoke(key) {
    const own = session.credential === "key" && session.keyPrefix === key.prefix;
    const question = "Revoke the key " + key.prefix + "… (" + (key.name || "no name") + ")? Every request with it fails from now on, and so do the viewer tokens it minted."
      + (own ? " It is the key you are signed in with: you will be signed out." : "");
    if (!(await confirmAction(question, "Revoke key"))) return;
    try {
      await api.del(base + "/keys/" + encodeURIComponent(key.prefix));
      if (isStopped()) return;
      fill(output, notice("ok", "revoked the key " + key.prefix + "…"));
      load();
    } catch (e) {
      if (!isStopped()) fill(output, notice("error", "cannot revoke " + key.prefix + ": " + e.message));
    }
  }

  load();
  return h("section", { class: "card", id: "keys-card" }, h("h2", {}, "Keys"), output, list, form);
}

function retentionCard({ project, isStopped }) {
  const path = "/admin/projects/" + encodeURIComponent(project) + "/retention";
  const body = h("div", {}, h("p", { class: "muted" }, "loading…"));
  const card = h("section", { class: "card", id: "retention-card" }, h("h2", {}, "Retention"), body);

  function show(current, message) {
    const preset = h("select", { id: "retention-preset", dataset: { field: "preset" } },
      PRESETS.map(([value, text]) => h("option", { value, selected: value === current.preset }, text)));
    const durations = Object.fromEntries(["hot", "warm", "deleteAfter"].map((name) =>
      [name, h("input", { id: "retention-" + name, value: current[name], autocomplete: "off", dataset: { field: name } })]));
    const archivePrefix = h("input", { type: "checkbox", id: "retention-archive-prefix", checked: Boolean(current.archivePrefix), dataset: { field: "archivePrefix" } });
    const error = h("div", { class: "form-error", "aria-live": "assertive" }, message ? notice("ok", message) : null);
    const form = h("form", { id: "retention-form", novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      clearErrors(form, error);
      const change = {};
      if (preset.value !== current.preset) change.preset = preset.value;
      for (const [name, input] of Object.entries(durations)) {
        if (input.value.trim() !== current[name]) change[name] = input.value.trim();
      }
      if (archivePrefix.checked !== Boolean(current.archivePrefix)) change.archivePrefix = archivePrefix.checked;
      try {
        const saved = await api.put(path, change);
        if (!isStopped()) show(saved, "saved the retention of " + project);
      } catch (e) {
        if (!isStopped()) showError(form, error, e);
      }
    } },
    h("p", { class: "hint" }, "Parts age hot → warm → cold (archived, still searchable) → deleted. "
      + (current.archives ? "This project's parts are archived." : "This project's parts are not archived.")),
    h("div", { class: "form-grid" },
      field("Preset", preset, "a new preset starts from its own durations"),
      field("Hot for", durations.hot, "like 36h or 7d"),
      field("Warm until", durations.warm),
      field("Deleted after", durations.deleteAfter, "empty: the preset's")),
    h("div", { class: "checks" }, h("label", { for: archivePrefix.id }, archivePrefix, "archive under projects/" + project + "/")),
    error,
    h("button", { type: "submit", class: "primary", id: "save-retention" }, "Save retention"));
    fill(body, form);
  }

  api.get(path).then((current) => !isStopped() && show(current)).catch((e) => !isStopped() && fill(body, notice("error", e.message)));
  return card;
}

function settingsCard({ project, isStopped }) {
  const base = "/admin/projects/" + encodeURIComponent(project);
  const body = h("div", {}, h("p", { class: "muted" }, "loading…"));
  const secretOutput = h("div", { id: "signing-secret-output", "aria-live": "polite" });
  const card = h("section", { class: "card", id: "settings-card" }, h("h2", {}, "Settings"), body);

  function show(current, message) {
    const signing = h("select", { id: "setting-signing", dataset: { field: "signing" } },
      [["off", "off: unsigned requests are taken"], ["optional", "optional: a bad signature is refused"], ["required", "required: unsigned requests are refused"]]
        .map(([value, text]) => h("option", { value, selected: value === current.signing }, text)));
    const redactionNow = current.redactionSource === "project" ? current.redaction : "default";
    const redaction = h("select", { id: "setting-redaction", dataset: { field: "redaction" } },
      [["default", current.redactionSource === "project" ? "server default (LARCH_REDACTION)" : "server default (now " + current.redaction + ")"], ["on", "on"], ["off", "off: store events as sent"]]
        .map(([value, text]) => h("option", { value, selected: value === redactionNow }, text)));
    const patternsNow = (current.redactionPatterns || []).join("\n");
    const patterns = h("textarea", { id: "setting-patterns", rows: 3, spellcheck: "false", class: "mono", dataset: { field: "redactionPatterns" } });
    patterns.value = patternsNow;
    const limits = Object.fromEntries(LIMITS.map(([name]) => [name, h("input", {
      id: "setting-limit-" + name, inputmode: "numeric", autocomplete: "off", placeholder: "server default", dataset: { field: "limits." + name },
      value: current.limits?.[name] ?? "",
    })]));
    const fingerprinter = h("select", { id: "setting-fingerprinter", dataset: { field: "fingerprinter" } },
      [["default", "server default (LARCH_FINGERPRINTER)"], ["template", "template"], ["v1", "v1"]]
        .map(([value, text]) => h("option", { value, selected: value === current.fingerprinter }, text)));
    const error = h("div", { class: "form-error", id: "settings-error", "aria-live": "assertive" }, message ? notice("ok", message) : null);
    const form = h("form", { id: "settings-form", novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      clearErrors(form, error);
      const change = {};
      if (signing.value !== current.signing) change.signing = signing.value;
      if (redaction.value !== redactionNow) change.redaction = redaction.value;
      if (patterns.value.trim() !== patternsNow) change.redactionPatterns = patterns.value.split("\n").map((p) => p.trim()).filter(Boolean);
      const limitChange = {};
      for (const [name, input] of Object.entries(limits)) {
        const before = current.limits?.[name] ?? null;
        const text = input.value.trim();
        if (text === "" && before !== null) limitChange[name] = -1;
        else if (text !== "" && text !== String(before)) limitChange[name] = /^-?\d+$/.test(text) ? Number(text) : text;
      }
      if (Object.keys(limitChange).length) change.limits = limitChange;
      if (fingerprinter.value !== current.fingerprinter) change.fingerprinter = fingerprinter.value;
      try {
        const saved = await api.put(base + "/settings", change);
        if (!isStopped()) show(saved, "saved the settings of " + project);
      } catch (e) {
        if (!isStopped()) showError(form, error, e);
      }
    } },
    h("div", { class: "form-grid" },
      field("Signed ingest (HMAC)", signing, current.signingSecret ? "a signing secret is set" + (current.previousSigningSecret ? " (and the previous one still verifies)" : "") : "no signing secret yet: rotate one below first"),
      field("Redaction", redaction),
      field("Fingerprinter", fingerprinter)),
    h("div", { class: "form-grid" }, field("Own redaction patterns", patterns, "Java regular expressions, one a line")),
    h("fieldset", {}, h("legend", { class: "field-label" }, "Rate limits (empty: the server's; 0: none)"),
      h("div", { class: "form-grid" }, LIMITS.map(([name, label]) => field(label, limits[name])))),
    error,
    h("button", { type: "submit", class: "primary", id: "save-settings" }, "Save settings"));
    const rotate = h("button", { type: "button", id: "rotate-secret", onclick: async () => {
      const question = current.signingSecret
        ? "Make a new signing secret? The current one keeps verifying until the next rotation; the one before it stops."
        : "Make a signing secret for " + project + "?";
      if (!(await confirmAction(question, "Rotate secret"))) return;
      try {
        const answer = await api.post(base + "/signing-secret", null);
        if (isStopped()) return;
        const fresh = await api.get(base + "/settings");
        if (isStopped()) return;
        show(fresh);
        fill(secretOutput, secretBox("The new signing secret", answer.signingSecret, answer.note));
      } catch (e) {
        if (!isStopped()) fill(secretOutput, notice("error", e.message));
      }
    } }, current.signingSecret ? "Rotate signing secret" : "Create signing secret");
    fill(body, form, h("div", { class: "signing" }, h("h3", {}, "Signing secret"), secretOutput, rotate));
  }

  api.get(base + "/settings").then((current) => !isStopped() && show(current)).catch((e) => !isStopped() && fill(body, notice("error", e.message)));
  return card;
}

/** A secret shown once: selectable text, a copy button and the server's warning. */
function secretBox(label, secret, note) {
  const status = h("span", { class: "muted", "aria-live": "polite" });
  const code = h("code", { class: "secret" }, secret);
  return h("div", { class: "secret-box" },
    h("div", { class: "field-label" }, label),
    code,
    h("div", { class: "row" },
      h("button", { type: "button", class: "copy", onclick: async () => {
        try {
          await navigator.clipboard.writeText(secret);
          status.textContent = "copied";
        } catch {
          getSelection().selectAllChildren(code);
          status.textContent = "selected: press Ctrl+C to copy";
        }
      } }, "Copy"), status),
    h("p", { class: "secret-warning" }, note || "store it now: it is shown only once"));
}

/** The server's refusal in the form, and under the field it names ("limits.eventsPerMinute: ..."). */
function showError(form, place, e) {
  fill(place, notice("error", e.status === 400 ? e.message : e.message + " (" + e.status + ")"));
  const named = /^([a-zA-Z]+(?:\.[a-zA-Z]+)?):/.exec(e.message);
  if (!named) return;
  const input = form.querySelector('[data-field="' + named[1] + '"]');
  if (!input) return;
  markInvalid(input, e.message);
}
