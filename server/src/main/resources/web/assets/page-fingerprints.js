// Placeholder while the page is written.
import { h, fill } from "./ui.js";

export function render(view) {
  fill(view, h("h1", {}, "fingerprints"), h("p", { class: "muted" }, "coming"));
}
