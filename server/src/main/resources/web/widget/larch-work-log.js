/*
 * <larch-work-log>: one end user's work-log feed from Larch, live, as a custom element.
 *
 *   <script src="https://larch.example.com/widget/larch-work-log.js"></script>
 *   <larch-work-log token="larchvt_..." conversation="c7"></larch-work-log>
 *
 * One self-contained file without dependencies; works as a classic script and as a module.
 *
 * Attributes: server (Larch's base URL; default: where this script came from), token (a viewer
 * token), conversation (a conversationId), theme (light, dark or auto: the page's
 * prefers-color-scheme), limit (entries loaded at first, default 50).
 * Reflected: data-connection = connecting | live | polling | offline.
 * Properties: tokenProvider (async () => a fresh viewer token; called when the token expired),
 * connection (the state above), entries (the newest event of each entry, oldest first),
 * streamRetryMs (how often a polling widget tries the stream again, default 30000), reconnect().
 * Events: larch-token-expired (the token was refused and no tokenProvider gave a new one),
 * larch-connection (detail: {state, reason}), larch-entry (detail: the entry's newest event).
 *
 * Transport: GET /api/work-log/list for the first page, then the SSE stream
 * /api/work-log/stream resumed after the newest event seen; when the stream cannot be opened,
 * polling /api/work-log/list?after=<last id> at the server's pollAfterMs, trying the stream
 * again every 30 s. Lines are keyed by entryId and keep the newest event (by id), so an update
 * changes its line in place and nothing shows twice. All text from the server is set as text.
 */
(() => {
    "use strict";
    const TAG = "larch-work-log";
    if (typeof window === "undefined" || !window.customElements || window.customElements.get(TAG)) {
        return;
    }

    // A module has no currentScript: find the tag that loaded us, else assume this page's origin.
    const ownScript = document.currentScript || document.querySelector('script[src*="larch-work-log"]');
    const DEFAULT_SERVER = originOf(ownScript && ownScript.src) || window.location.origin;
    /** "Every event": resuming after id 0 is a full catch-up of an (empty) feed. */
    const FIRST_ID = "0000000000000";
    const SSE_RETRY_MS = 30000;
    const SSE_ERRORS_BEFORE_POLLING = 3;
    const TICK_MS = 2000;
    const DEFAULT_LIMIT = 50;
    /** Every viewer token starts so; a project key (larch_...) must never be sent in a URL. */
    const VIEWER_TOKEN_PREFIX = "larchvt_";
    const MIN_MAX_LINES = 500;
    const POLL_FALLBACK_MS = 3000;
    const RESERVED_ATTRS = new Set(["entryId", "logType"]);
    const STATUS_LABELS = { working: "Working", success: "Succeeded", warning: "Warning", error: "Failed", info: "Info" };
    const STATE_LABELS = { connecting: "Connecting", live: "Live", polling: "Polling", offline: "Offline" };
    const STATE_TITLES = {
        connecting: "Connecting to Larch",
        live: "Live: entries arrive as they happen",
        polling: "Polling: the live stream is not available, checking for new entries",
        offline: "Offline",
    };
    const SVG_NS = "http://www.w3.org/2000/svg";

    const LIGHT = {
        bg: "#ffffff", fg: "#1f2328", muted: "#59636e", border: "#d8dee4", subtle: "#f6f8fa", accent: "#0969da",
        working: "#0969da", success: "#1a7f37", warning: "#9a6700", error: "#cf222e", info: "#59636e",
        live: "#1f883d", polling: "#bf8700", offline: "#cf222e", connecting: "#8c959f", changed: "#fff8c5",
    };
    const DARK = {
        bg: "#161b22", fg: "#e6edf3", muted: "#9198a1", border: "#30363d", subtle: "#21262d", accent: "#4493f8",
        working: "#4493f8", success: "#3fb950", warning: "#d29922", error: "#f85149", info: "#9198a1",
        live: "#3fb950", polling: "#d29922", offline: "#f85149", connecting: "#6e7681", changed: "#3b2e00",
    };

    /** Each palette entry becomes --_x: var(--larch-x, default), so embedders restyle with --larch-x. */
    function palette(colors) {
        return Object.entries(colors).map(([name, value]) => `--_${name}: var(--larch-${name}, ${value});`).join(" ");
    }

    const CSS = `
:host { ${palette(LIGHT)} color-scheme: light; display: block; color: var(--_fg);
  font: var(--larch-font-size, 14px)/1.45 var(--larch-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif); }
:host([theme="dark"]) { ${palette(DARK)} color-scheme: dark; }
@media (prefers-color-scheme: dark) { :host(:not([theme="light"])) { ${palette(DARK)} color-scheme: dark; } }
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.card { background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--larch-radius, 10px); overflow: hidden; }
.head { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 7px 12px;
  border-bottom: 1px solid var(--_border); font-size: 0.86em; color: var(--_muted); }
.title { font-weight: 600; color: var(--_fg); }
.conn { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: var(--_connecting); flex: none; }
.conn[data-state="live"] .dot { background: var(--_live); box-shadow: 0 0 0 3px color-mix(in srgb, var(--_live) 22%, transparent); }
.conn[data-state="polling"] .dot { background: var(--_polling); }
.conn[data-state="offline"] .dot { background: var(--_offline); }
.feed { max-height: var(--larch-max-height, 24rem); overflow-y: auto; overscroll-behavior: contain; }
.feed:empty { display: none; }
.entry { display: flex; gap: 10px; padding: 8px 12px; border-top: 1px solid var(--_border); }
.entry:first-child { border-top: 0; }
.entry.changed { animation: larch-changed 1.2s ease-out; }
@keyframes larch-changed { from { background: var(--_changed); } to { background: transparent; } }
.icon { flex: none; width: 16px; height: 16px; margin-top: 2px; color: var(--_info); }
.icon svg { display: block; width: 16px; height: 16px; }
.icon .mark { fill: none; stroke: var(--_bg); stroke-width: 1.8; stroke-linecap: round; stroke-linejoin: round; }
.icon .dotmark { fill: var(--_bg); }
.icon[data-status="success"] { color: var(--_success); }
.icon[data-status="warning"] { color: var(--_warning); }
.icon[data-status="error"] { color: var(--_error); }
.icon[data-status="working"] { color: var(--_working); }
.spinner { display: block; width: 14px; height: 14px; margin: 1px; border-radius: 50%;
  border: 2px solid currentColor; border-right-color: transparent;
  animation: larch-spin 0.8s linear infinite; }
@keyframes larch-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner { animation-duration: 2.4s; } .entry.changed { animation: none; } }
.body { flex: 1; min-width: 0; }
.message { white-space: pre-wrap; overflow-wrap: anywhere; }
.entry[data-status="error"] .message { color: var(--_error); }
.meta { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; margin-top: 2px; font-size: 0.8em; color: var(--_muted); }
.type { padding: 0 7px; border: 1px solid var(--_border); border-radius: 999px; background: var(--_subtle); }
.toggle { display: inline-flex; align-items: center; gap: 3px; margin: 0; padding: 1px 4px; border: 0; border-radius: 4px;
  background: none; color: var(--_accent); font: inherit; cursor: pointer; }
.toggle:hover { background: var(--_subtle); }
.toggle:focus-visible { outline: 2px solid var(--_accent); outline-offset: 1px; }
.toggle svg { width: 10px; height: 10px; fill: none; stroke: currentColor; stroke-width: 2; }
.toggle[aria-expanded="true"] svg { transform: rotate(90deg); }
.details { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 12px; margin: 6px 0 0; padding: 6px 8px;
  border-radius: 6px; background: var(--_subtle); font: 0.8em/1.5 var(--larch-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace); }
.details[hidden] { display: none; }
.details > div { display: contents; }
.details dt { color: var(--_muted); }
.details dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
.note { margin: 0; padding: 10px 12px; color: var(--_muted); font-size: 0.9em; }
.note[hidden] { display: none; }
.problem { border-top: 1px solid var(--_border); color: var(--_error); }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
`;

    function originOf(url) {
        try {
            return url ? new URL(url, window.location.href).origin : null;
        } catch (e) {
            return null;
        }
    }

    /** An element with attributes and children (strings become text nodes: never parsed as HTML). */
    function h(tag, attrs, ...children) {
        const el = document.createElement(tag);
        for (const [name, value] of Object.entries(attrs || {})) {
            if (value !== null && value !== undefined && value !== false) {
                el.setAttribute(name, value === true ? "" : String(value));
            }
        }
        for (const child of children) {
            if (child !== null && child !== undefined) {
                el.append(child);
            }
        }
        return el;
    }

    function svg(viewBox, shapes) {
        const root = document.createElementNS(SVG_NS, "svg");
        root.setAttribute("viewBox", viewBox);
        root.setAttribute("aria-hidden", "true");
        root.setAttribute("focusable", "false");
        for (const [tag, attrs] of shapes) {
            const shape = document.createElementNS(SVG_NS, tag);
            for (const [name, value] of Object.entries(attrs)) {
                shape.setAttribute(name, value);
            }
            root.append(shape);
        }
        return root;
    }

    const CIRCLE = ["circle", { cx: "8", cy: "8", r: "7.5", fill: "currentColor" }];
    const ICONS = {
        success: () => svg("0 0 16 16", [CIRCLE, ["path", { class: "mark", d: "M4.6 8.3l2.2 2.2 4.6-4.8" }]]),
        error: () => svg("0 0 16 16", [CIRCLE, ["path", { class: "mark", d: "M5.6 5.6l4.8 4.8M10.4 5.6l-4.8 4.8" }]]),
        warning: () => svg("0 0 16 16", [
            ["path", { d: "M8 .9c.5 0 .9.3 1.2.7l6.4 11.5c.5.9-.1 2-1.2 2H1.6c-1 0-1.7-1.1-1.2-2L6.8 1.6C7.1 1.2 7.5.9 8 .9z", fill: "currentColor" }],
            ["path", { class: "mark", d: "M8 5.6v3.8" }], ["circle", { class: "dotmark", cx: "8", cy: "12", r: "1" }]]),
        info: () => svg("0 0 16 16", [CIRCLE, ["path", { class: "mark", d: "M8 7.4v4" }],
            ["circle", { class: "dotmark", cx: "8", cy: "4.9", r: "1" }]]),
        working: () => h("span", { class: "spinner" }),
    };

    function statusOf(event) {
        return Object.prototype.hasOwnProperty.call(STATUS_LABELS, event.status) ? event.status : "info";
    }

    function typeLabel(logType) {
        return String(logType || "info").replace(/_/g, " ");
    }

    /** "just now", "12 s ago", "3 min ago", "2 h ago", "4 d ago", then the date. */
    function relativeTime(millis, now) {
        const seconds = Math.max(0, Math.round((now - millis) / 1000));
        if (seconds < 5) {
            return "just now";
        }
        if (seconds < 60) {
            return seconds + " s ago";
        }
        const minutes = Math.floor(seconds / 60);
        if (minutes < 60) {
            return minutes + " min ago";
        }
        const hours = Math.floor(minutes / 60);
        if (hours < 24) {
            return hours + " h ago";
        }
        const days = Math.floor(hours / 24);
        return days < 7 ? days + " d ago" : new Date(millis).toLocaleDateString();
    }

    class HttpError extends Error {
        constructor(status, message) {
            super(message);
            this.status = status;
        }
    }

    let nextLineId = 0;
    let sheet = null;

    class LarchWorkLog extends HTMLElement {
        static get observedAttributes() {
            return ["server", "token", "conversation", "limit"];
        }

        constructor() {
            super();
            // No attributes here (a constructor may not add them) and no tokenProvider default:
            // a page may have set it on the element before this script upgraded it.
            this._token = null;
            this._lines = new Map(); // entryId -> {event, row, open}
            this._maxId = null; // the newest event id seen: where the stream and polls resume
            this._generation = 0; // bumped by every (re)connect; stale callbacks compare and stop
            this._pollRun = 0;
            this._stream = null;
            this._timers = new Set();
            this._state = null;
            this._restartQueued = false;
            this._refreshStreak = 0;
            this._sseRefused = false;
            const root = this.attachShadow({ mode: "open" });
            // A constructed sheet is not an inline style, so an embedder's strict style-src allows it.
            if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
                if (!sheet) {
                    sheet = new CSSStyleSheet();
                    sheet.replaceSync(CSS);
                }
                root.adoptedStyleSheets = [sheet];
            } else {
                root.append(h("style", null, CSS));
            }
            this._connLabel = h("span", { class: "conn-label", "aria-hidden": "true" });
            this._conn = h("span", { class: "conn", role: "img", part: "connection" }, h("span", { class: "dot" }), this._connLabel);
            this._feed = h("div", { class: "feed", role: "log", "aria-live": "polite", "aria-label": "Agent activity", part: "feed" });
            this._empty = h("p", { class: "note empty", part: "empty" }, "No activity yet.");
            this._problem = h("p", { class: "note problem", role: "status", hidden: true, part: "problem" });
            const title = h("slot", { name: "title" }, "Agent activity");
            root.append(h("div", { class: "card", part: "card" },
                h("div", { class: "head", part: "header" }, h("span", { class: "title" }, title), this._conn),
                this._feed, this._empty, this._problem));
        }

        /** The connection state: connecting, live, polling or offline. */
        get connection() {
            return this._state;
        }

        /** The newest event of each entry, oldest entry first. */
        get entries() {
            return [...this._lines.values()].map(line => line.event);
        }

        /** Drops the connection and starts again, keeping the entries shown (e.g. after the network came back). */
        reconnect() {
            this._sseRefused = false;
            this._connect(false);
        }

        connectedCallback() {
            this._started = true;
            this._token = this.getAttribute("token");
            this._tick = window.setInterval(() => this._updateTimes(), TICK_MS);
            this._connect(true);
        }

        disconnectedCallback() {
            this._started = false;
            window.clearInterval(this._tick);
            this._stop();
            this._generation++;
        }

        attributeChangedCallback(name, oldValue, newValue) {
            // Before connectedCallback (parsing, upgrading) there is nothing to restart: it reads them all.
            if (oldValue === newValue || !this._started) {
                return;
            }
            if (name === "token") {
                this._token = newValue;
                this._refreshStreak = 0;
            }
            // Several attributes are often set in a row: reconnect once, with all of them.
            if (!this._restartQueued) {
                this._restartQueued = true;
                queueMicrotask(() => {
                    this._restartQueued = false;
                    if (this._started) {
                        this._sseRefused = false;
                        this._connect(true);
                    }
                });
            }
        }

        get _server() {
            return (this.getAttribute("server") || DEFAULT_SERVER).replace(/\/+$/, "");
        }

        get _limit() {
            const limit = parseInt(this.getAttribute("limit"), 10);
            return Number.isFinite(limit) && limit > 0 ? Math.min(limit, 1000) : DEFAULT_LIMIT;
        }

        /** A URL of the server; only the stream (EventSource cannot send headers) carries the token in it. */
        _url(path, params, tokenInUrl) {
            const query = new URLSearchParams();
            const conversation = this.getAttribute("conversation");
            if (conversation) {
                query.set("conversationId", conversation);
            }
            for (const [name, value] of Object.entries(params)) {
                query.set(name, value);
            }
            if (tokenInUrl) {
                query.set("viewerToken", this._token);
            }
            return this._server + path + "?" + query;
        }

        // ---- connection ----------------------------------------------------------------------

        /** (Re)starts: the first page unless entries are shown already, then the stream. */
        async _connect(reset) {
            this._stop();
            const generation = ++this._generation;
            if (reset) {
                this._clear();
            }
            if (this._token && !this._token.startsWith(VIEWER_TOKEN_PREFIX)) {
                // A project key pasted here would end up in URLs (and proxy logs): never send it.
                this._empty.textContent = "The token attribute must hold a viewer token (larchvt_...), never a project key.";
                this._setState("offline", "not a viewer token");
                return;
            }
            if (!this._token) {
                this._empty.textContent = "Waiting for a viewer token.";
                this._setState("offline", "no viewer token");
                return;
            }
            this._empty.textContent = "No activity yet.";
            this._setState("connecting", null);
            if (this._maxId === null) {
                let page;
                try {
                    page = await this._fetchList({ limit: String(this._limit) });
                } catch (error) {
                    if (generation === this._generation) {
                        this._failed(generation, error, () => this._connect(false));
                    }
                    return;
                }
                if (generation !== this._generation) {
                    return;
                }
                this._refreshStreak = 0;
                this._failures = 0;
                this._showProblem(null);
                // A newest-first page: apply oldest first, so lines are created in feed order.
                const events = Array.isArray(page.events) ? page.events.slice().reverse() : [];
                events.forEach(event => this._apply(event, false));
                this._maxId = this._maxId || FIRST_ID;
                this._pollAfterMs = page.pollAfterMs;
                this._scrollToEnd();
            }
            if (this._sseRefused || typeof window.EventSource !== "function") {
                this._startPolling(generation);
            } else {
                this._openStream(generation);
            }
        }

        /** Closes the stream, stops polling and cancels every timer. */
        _stop() {
            this._closeStream();
            this._pollRun++;
            for (const timer of this._timers) {
                window.clearTimeout(timer);
            }
            this._timers.clear();
        }

        _later(millis, action) {
            const timer = window.setTimeout(() => {
                this._timers.delete(timer);
                action();
            }, millis);
            this._timers.add(timer);
        }

        _closeStream() {
            if (this._stream) {
                this._stream.close();
                this._stream = null;
            }
        }

        /**
         * Opens the SSE stream after the newest event seen. While polling this is a trial: polling
         * stops only once the stream is open, and a stream that fails before opening (or keeps
         * failing) hands over to polling.
         */
        _openStream(generation) {
            this._closeStream();
            const stream = new EventSource(this._url("/api/work-log/stream", { lastEventId: this._maxId || FIRST_ID }, true));
            this._stream = stream;
            let opened = false;
            let errors = 0;
            const current = () => generation === this._generation && this._stream === stream;
            stream.addEventListener("open", () => {
                if (!current()) {
                    return;
                }
                opened = true;
                errors = 0;
                this._refreshStreak = 0;
                this._pollRun++; // stops polling, if it was on
                this._showProblem(null);
                this._setState("live", null);
            });
            stream.addEventListener("log", message => {
                if (current()) {
                    errors = 0;
                    this._applyNew([this._parse(message.data)]);
                }
            });
            stream.addEventListener("end", message => {
                if (!current()) {
                    return;
                }
                const reason = (this._parse(message.data) || {}).reason;
                if (reason === "credential") {
                    this._closeStream();
                    this._tokenExpired(generation);
                } else if (reason === "replaced") {
                    // Another tab of this user took the stream over: poll instead of taking turns.
                    this._closeStream();
                    this._sseRefused = true;
                    this._startPolling(generation);
                }
                // Any other reason: EventSource reconnects by itself, resuming with Last-Event-ID.
            });
            stream.addEventListener("dropped", () => {
                // This tab read too slowly; the events are stored: resume after the last one we have.
                if (current()) {
                    this._openStream(generation);
                }
            });
            stream.addEventListener("partial", message => {
                if (current()) {
                    const partial = this._parse(message.data) || {};
                    this._showProblem(partial.message || "some older entries could not be read");
                }
            });
            stream.addEventListener("error", () => {
                if (!current()) {
                    return;
                }
                errors++;
                if (!opened || stream.readyState === EventSource.CLOSED || errors >= SSE_ERRORS_BEFORE_POLLING) {
                    this._closeStream();
                    this._startPolling(generation);
                } else {
                    this._setState("connecting", null);
                }
            });
        }

        /** Polls (unless it already does: a failed trial of the stream leaves polling as it was) and tries the stream later. */
        _startPolling(generation) {
            if (this._activePoll !== this._pollRun) {
                const run = ++this._pollRun;
                this._activePoll = run;
                this._setState("polling", null);
                this._pollLoop(generation, run, 0);
            }
            const run = this._pollRun;
            if (!this._sseRefused && typeof window.EventSource === "function") {
                const retryMs = Number(this.streamRetryMs) > 0 ? Number(this.streamRetryMs) : SSE_RETRY_MS;
                this._later(retryMs, () => {
                    if (generation === this._generation && run === this._pollRun && !this._stream) {
                        this._openStream(generation);
                    }
                });
            }
        }

        async _pollLoop(generation, run, failures) {
            const polling = () => generation === this._generation && run === this._pollRun;
            let wait;
            try {
                const page = await this._fetchList({ after: this._maxId || FIRST_ID, limit: "200" });
                if (!polling()) {
                    return;
                }
                this._refreshStreak = 0;
                this._applyNew(Array.isArray(page.events) ? page.events : []);
                if (this._state !== "polling") {
                    this._setState("polling", null);
                }
                failures = 0;
                wait = page.more ? 0 : (Number(page.pollAfterMs) > 0 ? Number(page.pollAfterMs) : POLL_FALLBACK_MS);
            } catch (error) {
                if (!polling()) {
                    return;
                }
                if (error.status === 401) {
                    this._pollRun++;
                    this._closeStream();
                    this._tokenExpired(generation);
                    return;
                }
                failures++;
                this._setState("offline", error.message);
                wait = Math.min(30000, 1000 * 2 ** failures);
            }
            this._later(wait, () => {
                if (polling()) {
                    this._pollLoop(generation, run, failures);
                }
            });
        }

        /** A failed first page: a refused token asks for a new one, anything else retries with backoff. */
        _failed(generation, error, retry) {
            if (error.status === 401) {
                this._tokenExpired(generation);
                return;
            }
            this._failures = (this._failures || 0) + 1;
            this._setState("offline", error.message);
            if (error.status === 400 || error.status === 403 || error.status === 404) {
                this._showProblem(error.message); // asking again will not help
                return;
            }
            this._later(Math.min(30000, 1000 * 2 ** this._failures), () => {
                if (generation === this._generation) {
                    retry();
                }
            });
        }

        /** The token was refused (expired or revoked): ask tokenProvider for a new one, else tell the page. */
        async _tokenExpired(generation) {
            this._refreshStreak++;
            // A provider whose tokens are refused at once would loop: give up after three in a row.
            if (typeof this.tokenProvider === "function" && this._refreshStreak <= 3) {
                this._setState("connecting", "renewing the viewer token");
                let fresh = null;
                try {
                    fresh = await this.tokenProvider();
                } catch (error) {
                    fresh = null;
                }
                if (generation !== this._generation) {
                    return;
                }
                if (typeof fresh === "string" && fresh.trim()) {
                    this._token = fresh.trim();
                    this._connect(false);
                    return;
                }
            }
            this._setState("offline", "the viewer token expired");
            this.dispatchEvent(new CustomEvent("larch-token-expired", { bubbles: true, composed: true }));
        }

        async _fetchList(params) {
            let response;
            try {
                response = await fetch(this._url("/api/work-log/list", params, false), {
                    headers: { Accept: "application/json", Authorization: "Bearer " + this._token },
                    cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer",
                });
            } catch (error) {
                throw new HttpError(0, "cannot reach " + this._server);
            }
            if (!response.ok) {
                let message = "HTTP " + response.status;
                try {
                    const body = await response.json();
                    if (body && typeof body.error === "string") {
                        message = body.error;
                    }
                } catch (ignored) {
                    // not JSON: keep the status
                }
                throw new HttpError(response.status, message);
            }
            return response.json();
        }

        _parse(data) {
            try {
                return JSON.parse(data);
            } catch (error) {
                return null;
            }
        }

        _setState(state, reason) {
            const changed = this._state !== state || this._reason !== reason;
            this._state = state;
            this._reason = reason;
            this.setAttribute("data-connection", state);
            this._conn.setAttribute("data-state", state);
            const label = STATE_LABELS[state];
            const title = reason ? STATE_TITLES[state] + ": " + reason : STATE_TITLES[state];
            this._connLabel.textContent = label;
            this._conn.setAttribute("title", title);
            this._conn.setAttribute("aria-label", "Connection: " + title);
            if (changed) {
                this.dispatchEvent(new CustomEvent("larch-connection", { detail: { state, reason } }));
            }
        }

        _showProblem(text) {
            this._problem.hidden = !text;
            this._problem.textContent = text || "";
        }

        // ---- lines ---------------------------------------------------------------------------

        _clear() {
            this._lines.clear();
            this._feed.replaceChildren();
            this._maxId = null;
            this._failures = 0;
            this._showProblem(null);
            this._empty.hidden = false;
        }

        /** New events from the stream or a poll, in stored order; keeps the view at the end when it was there. */
        _applyNew(events) {
            const atEnd = this._feed.scrollHeight - this._feed.scrollTop - this._feed.clientHeight < 40;
            let any = false;
            for (const event of events) {
                any = this._apply(event, true) || any;
            }
            if (any && atEnd) {
                this._scrollToEnd();
            }
        }

        _scrollToEnd() {
            this._feed.scrollTop = this._feed.scrollHeight;
        }

        /** Shows one event: a new line, or the newer version of a line. False when it was not newer. */
        _apply(event, live) {
            if (!event || typeof event.id !== "string") {
                return false;
            }
            if (this._maxId === null || event.id > this._maxId) {
                this._maxId = event.id;
            }
            const entryId = typeof event.entryId === "string" ? event.entryId : event.id;
            const line = this._lines.get(entryId);
            if (line && line.event.id >= event.id) {
                return false;
            }
            if (line) {
                line.event = event;
                this._render(line);
                if (live) {
                    line.row.classList.remove("changed");
                    void line.row.offsetWidth; // restart the highlight
                    line.row.classList.add("changed");
                }
            } else {
                const created = { entryId, event, open: false, detailsId: "larch-details-" + (++nextLineId), row: h("div", { class: "entry", part: "entry" }) };
                this._render(created);
                this._insert(created);
                this._lines.set(entryId, created);
                this._trim();
            }
            this._empty.hidden = true;
            this.dispatchEvent(new CustomEvent("larch-entry", { detail: event }));
            return true;
        }

        /** Lines sort by entryId (an entry's id is its first event's, which sorts by time): oldest at the top. */
        _insert(line) {
            let before = null;
            for (let row = this._feed.lastElementChild; row; row = row.previousElementSibling) {
                if (row.dataset.entryId < line.entryId) {
                    break;
                }
                before = row;
            }
            this._feed.insertBefore(line.row, before);
        }

        _trim() {
            const max = Math.max(MIN_MAX_LINES, this._limit);
            while (this._lines.size > max) {
                const oldest = this._feed.firstElementChild;
                this._lines.delete(oldest.dataset.entryId);
                oldest.remove();
            }
        }

        _render(line) {
            const event = line.event;
            const status = statusOf(event);
            const attrs = event.attrs && typeof event.attrs === "object" ? event.attrs : {};
            const metadata = Object.entries(attrs).filter(([key]) => !RESERVED_ATTRS.has(key));
            const millis = Date.parse(event.ts);
            const row = line.row;
            row.dataset.entryId = line.entryId;
            row.dataset.eventId = event.id;
            row.dataset.status = status;

            const icon = h("span", { class: "icon", role: "img", "data-status": status, "aria-label": STATUS_LABELS[status],
                title: STATUS_LABELS[status] }, ICONS[status]());
            const time = h("time", { datetime: event.ts, title: Number.isNaN(millis) ? null : new Date(millis).toLocaleString(),
                "aria-hidden": "true" }, Number.isNaN(millis) ? "" : relativeTime(millis, Date.now()));
            time.dataset.millis = String(millis);
            // Screen readers get the fixed time: the ticking one would be announced over and over.
            const spoken = h("span", { class: "sr" }, Number.isNaN(millis) ? "" : "at " + new Date(millis).toLocaleTimeString());
            const meta = h("div", { class: "meta" }, h("span", { class: "type" }, typeLabel(attrs.logType)), time, spoken);
            const body = h("div", { class: "body" }, h("div", { class: "message" }, String(event.message ?? "")), meta);
            if (metadata.length > 0) {
                const details = h("dl", { class: "details", id: line.detailsId, hidden: !line.open },
                    ...metadata.map(([key, value]) => h("div", null, h("dt", null, key), h("dd", null, String(value)))));
                const toggle = h("button", { type: "button", class: "toggle", "aria-expanded": String(line.open),
                    "aria-controls": line.detailsId, part: "toggle" },
                    svg("0 0 10 10", [["path", { d: "M3 1.5 6.5 5 3 8.5" }]]), "Details");
                toggle.addEventListener("click", () => {
                    line.open = !line.open;
                    toggle.setAttribute("aria-expanded", String(line.open));
                    details.hidden = !line.open;
                });
                meta.append(toggle);
                body.append(details);
            }
            const hadFocus = this.shadowRoot.activeElement && row.contains(this.shadowRoot.activeElement);
            row.replaceChildren(icon, body);
            if (hadFocus) {
                const toggle = row.querySelector(".toggle");
                if (toggle) {
                    toggle.focus();
                }
            }
        }

        _updateTimes() {
            const now = Date.now();
            for (const time of this._feed.querySelectorAll("time")) {
                const millis = Number(time.dataset.millis);
                if (!Number.isNaN(millis)) {
                    const text = relativeTime(millis, now);
                    if (time.textContent !== text) {
                        time.textContent = text;
                    }
                }
            }
        }
    }

    window.customElements.define(TAG, LarchWorkLog);
})();
