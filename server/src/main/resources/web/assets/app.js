// The dashboard's shell: sign-in, the header (project, theme, sign-out), the navigation and a
// router over the URL fragment (#/search?q=...), so every view has a URL that can be shared.
import * as api from "./api.js";
import { h, fill, notice } from "./ui.js";
import * as overview from "./page-overview.js";
import * as search from "./page-search.js";
import * as tail from "./page-tail.js";
import * as fingerprints from "./page-fingerprints.js";
import * as builds from "./page-builds.js";
import * as alerts from "./page-alerts.js";
import * as projects from "./page-projects.js";
import * as system from "./page-system.js";

/** Every view: its fragment, title, module, and whether only the admin token sees it. */
const PAGES = [
  { route: "overview", title: "Overview", page: overview },
  { route: "search", title: "Search", page: search },
  { route: "tail", title: "Live tail", page: tail },
  { route: "fingerprints", title: "Fingerprints", page: fingerprints },
  { route: "builds", title: "Builds & deploys", page: builds },
  { route: "alerts", title: "Alerts", page: alerts },
  { route: "projects", title: "Projects & keys", page: projects },
  { route: "system", title: "System", page: system, adminOnly: true },
];
const PROJECT_KEY = "larch.project";
const THEME_KEY = "larch.theme";

const root = document.getElementById("app");
let stopPage = null;
let projectList = [];

/** The fragment as {route, params}: "#/search?q=x" is {route: "search", params: {q: "x"}}. */
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [route, query = ""] = hash.split("?");
  return { route: route || "overview", params: Object.fromEntries(new URLSearchParams(query)) };
}

function hashOf(route, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, value);
  }
  const text = query.toString();
  return "#/" + route + (text ? "?" + text : "");
}

/** Goes to a view (a new history entry). */
export function navigate(route, params = {}) {
  location.hash = hashOf(route, { project: currentProject(), ...params });
}

/** Rewrites the current view's parameters in the URL without drawing it again. */
function replaceParams(params) {
  const { route } = parseHash();
  history.replaceState(null, "", hashOf(route, { project: currentProject(), ...params }));
}

function currentProject() {
  const signedIn = api.session();
  if (signedIn?.credential === "key") return signedIn.project.slug;
  return parseHash().params.project || sessionStorage.getItem(PROJECT_KEY) || projectList.find((p) => p.slug !== "larch-system")?.slug || projectList[0]?.slug || null;
}

// ---- theme: auto (the system's), light or dark; remembered in this browser ----
function applyTheme() {
  const theme = localStorage.getItem(THEME_KEY) || "auto";
  if (theme === "auto") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", theme);
  return theme;
}

function cycleTheme() {
  const order = ["auto", "light", "dark"];
  const next = order[(order.indexOf(localStorage.getItem(THEME_KEY) || "auto") + 1) % order.length];
  localStorage.setItem(THEME_KEY, next);
  applyTheme();
  redrawForTheme();
}

/** Charts take their colours when drawn, so pages are drawn again; the live tail keeps its feed. */
function redrawForTheme() {
  if (parseHash().route === "tail") {
    const button = document.getElementById("theme");
    const theme = localStorage.getItem(THEME_KEY) || "auto";
    if (button) {
      button.textContent = theme === "dark" ? "☾" : theme === "light" ? "☀" : "◐";
      button.title = "theme: " + theme + " (click to change)";
      button.setAttribute("aria-label", "theme: " + theme);
    }
    return;
  }
  render();
}

// ---- sign-in ----
function showSignIn(message) {
  stop();
  const error = h("div", { class: "signin-error", "aria-live": "assertive" }, message ? notice("error", message) : null);
  const input = h("input", { type: "password", id: "credential", name: "credential", autocomplete: "current-password", required: true, placeholder: "larchadmin_… or larch_…" });
  const form = h("form", { class: "signin card", onsubmit: async (event) => {
    event.preventDefault();
    fill(error);
    try {
      await api.signIn(input.value.trim());
      projectList = [];
      await start();
    } catch (e) {
      fill(error, notice("error", e.status === 401 || e.status === 403 ? "that credential was refused: " + e.message : e.message));
      input.select();
    }
  } },
  h("h1", {}, h("span", { class: "brand-mark", "aria-hidden": "true" }, "▲"), " Larch"),
  h("p", { class: "muted" }, "Sign in with the admin token (printed by the first start) or a project key with the read scope. It is kept in this tab only and never put in a URL."),
  h("label", { class: "field", for: "credential" }, h("span", { class: "field-label" }, "Admin token or project key"), input),
  error,
  h("button", { type: "submit", class: "primary" }, "Sign in"));
  fill(root, h("main", { class: "signin-page" }, form));
  input.focus();
}

async function loadProjects() {
  const signedIn = api.session();
  if (signedIn.credential === "key") {
    projectList = [signedIn.project];
    return;
  }
  projectList = (await api.get("/admin/projects")).projects;
}

/** Called by pages that create a project, so the selector shows it. */
export async function projectsChanged() {
  await loadProjects();
  render();
}

function header(active) {
  const signedIn = api.session();
  const project = currentProject();
  const select = h("select", { id: "project", "aria-label": "project", onchange: (event) => {
    sessionStorage.setItem(PROJECT_KEY, event.target.value);
    navigate(parseHash().route, {});
  } }, projectList.map((p) => h("option", { value: p.slug, selected: p.slug === project }, p.name + " (" + p.slug + ")")));
  if (signedIn.credential === "key") select.disabled = true;
  const theme = localStorage.getItem(THEME_KEY) || "auto";
  const pages = PAGES.filter((p) => !p.adminOnly || signedIn.credential === "admin");
  return h("header", { class: "topbar" },
    h("a", { class: "brand", href: hashOf("overview", { project }) }, h("span", { class: "brand-mark", "aria-hidden": "true" }, "▲"), " Larch"),
    h("nav", { class: "nav", "aria-label": "pages" }, pages.map((p) => h("a", {
      href: hashOf(p.route, { project }), class: p.route === active ? "active" : null, "aria-current": p.route === active ? "page" : null,
    }, p.title))),
    h("div", { class: "topbar-tools" },
      projectList.length ? select : null,
      h("button", { class: "ghost", id: "theme", title: "theme: " + theme + " (click to change)", "aria-label": "theme: " + theme, onclick: cycleTheme },
        theme === "dark" ? "☾" : theme === "light" ? "☀" : "◐"),
      h("span", { class: "who muted", title: signedIn.credential === "admin" ? "signed in with the admin token" : "key " + signedIn.keyPrefix + "… (" + signedIn.scopes.join(", ") + ")" },
        signedIn.credential === "admin" ? "admin" : signedIn.keyPrefix + "…"),
      h("button", { class: "ghost", id: "signout", onclick: () => {
        api.signOut();
        sessionStorage.removeItem(PROJECT_KEY);
        showSignIn();
      } }, "Sign out")));
}

function stop() {
  if (stopPage) {
    try {
      stopPage();
    } catch (e) {
      console.error(e);
    }
    stopPage = null;
  }
}

function render() {
  stop();
  const signedIn = api.session();
  if (!signedIn) {
    showSignIn();
    return;
  }
  const { route, params } = parseHash();
  const entry = PAGES.find((p) => p.route === route) || PAGES[0];
  const project = currentProject();
  if (project) sessionStorage.setItem(PROJECT_KEY, project);
  const view = h("main", { class: "page", id: "page-" + entry.route, tabindex: "-1" });
  fill(root, header(entry.route), view);
  document.title = entry.title + " · Larch";
  if (entry.adminOnly && signedIn.credential !== "admin") {
    fill(view, notice("error", "this page needs the admin token"));
    return;
  }
  if (!project && entry.route !== "projects" && entry.route !== "system") {
    fill(view, h("h1", {}, entry.title), notice("info", "there is no project yet: create one under Projects & keys"));
    return;
  }
  const context = { params, project, session: signedIn, navigate, replaceParams, projectsChanged, projects: projectList };
  try {
    stopPage = entry.page.render(view, context) || null;
  } catch (e) {
    fill(view, notice("error", e.message));
  }
}

/** An alert links to /?project=<id>&q=...: turn that into the search view of that project. */
function followAlertLink() {
  const query = new URLSearchParams(location.search);
  if (!query.has("project") && !query.has("q")) return;
  const named = query.get("project");
  const project = projectList.find((p) => String(p.id) === named || p.slug === named);
  // The link names no time: a day back covers an alert read the next morning.
  const params = { project: project?.slug, q: query.get("q") || "", from: query.get("from") || "-24h", to: query.get("to") || "" };
  history.replaceState(null, "", "/" + hashOf("search", params));
}

async function start() {
  applyTheme();
  if (!api.session()) {
    showSignIn();
    return;
  }
  try {
    await loadProjects();
  } catch (e) {
    if (e.status === 401) return;
    fill(root, notice("error", "cannot load the projects: " + e.message));
    return;
  }
  followAlertLink();
  render();
}

api.whenUnauthenticated((message) => {
  api.signOut();
  showSignIn((message || "the credential stopped working") + ". Sign in again.");
});
window.addEventListener("hashchange", render);
window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => redrawForTheme());
start();
