// The /demo/chat page: a chat thread with <larch-work-log> inside the assistant's turn.
// server, token and conversation come from the URL fragment, which is never sent to a server.
(() => {
    "use strict";
    const widget = document.getElementById("work-log");
    const connect = document.getElementById("connect");
    const form = document.getElementById("connect-form");
    const problem = document.getElementById("connect-problem");
    const connected = document.getElementById("connected");
    const connectedText = document.getElementById("connected-text");
    const toggle = document.getElementById("theme-toggle");
    const prefersDark = window.matchMedia("(prefers-color-scheme: dark)");

    function fragment() {
        return new URLSearchParams(window.location.hash.slice(1));
    }

    function showForm(message) {
        connect.hidden = false;
        connected.hidden = true;
        problem.hidden = !message;
        problem.textContent = message || "";
        const params = fragment();
        form.elements.token.value = "";
        form.elements.conversation.value = params.get("conversation") || "";
    }

    function apply() {
        const params = fragment();
        const token = params.get("token");
        const conversation = params.get("conversation");
        // The demo talks to the server that serves it (its content policy allows no other), so a
        // link cannot point the pasted token at another host.
        const server = null;
        for (const [name, value] of [["server", server], ["conversation", conversation], ["token", token]]) {
            if (value) {
                widget.setAttribute(name, value);
            } else {
                widget.removeAttribute(name);
            }
        }
        if (!token) {
            showForm(null);
            return;
        }
        connect.hidden = true;
        connected.hidden = false;
        connectedText.textContent = (conversation ? "Conversation " + conversation : "All conversations")
            + " · " + (server || window.location.origin);
    }

    form.addEventListener("submit", event => {
        event.preventDefault();
        const params = fragment();
        const token = form.elements.token.value.trim();
        const conversation = form.elements.conversation.value.trim();
        if (!token.startsWith("larchvt_")) {
            showForm("A viewer token starts with larchvt_ (POST /api/tokens answers one).");
            return;
        }
        params.set("token", token);
        if (conversation) {
            params.set("conversation", conversation);
        } else {
            params.delete("conversation");
        }
        window.location.hash = params.toString(); // hashchange applies it
    });

    document.getElementById("disconnect").addEventListener("click", () => {
        const params = fragment();
        params.delete("token");
        window.location.hash = params.toString();
    });

    widget.addEventListener("larch-token-expired", () => {
        showForm("The viewer token expired or was revoked: paste a new one.");
    });

    function setTheme(dark) {
        document.documentElement.dataset.theme = dark ? "dark" : "light";
        widget.setAttribute("theme", dark ? "dark" : "light");
        toggle.setAttribute("aria-pressed", String(dark));
    }

    toggle.addEventListener("click", () => setTheme(toggle.getAttribute("aria-pressed") !== "true"));
    toggle.setAttribute("aria-pressed", String(prefersDark.matches));

    window.addEventListener("hashchange", apply);
    apply();
})();
