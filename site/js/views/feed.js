// Recent records (kind filters and "never remixed") and trending.

import { api } from "../api.js";
import { h } from "../dom.js";
import { KIND_LABELS, KINDS } from "../format.js";
import { pagedRecords } from "../ui.js";

function hashWith(path, query, changes) {
  const next = new URLSearchParams(query);
  for (const [name, value] of Object.entries(changes)) {
    if (value) next.set(name, value);
    else next.delete(name);
  }
  const search = next.toString();
  return `#${path}${search ? `?${search}` : ""}`;
}

function kindFilter(path, query) {
  const current = query.get("kind") || "";
  const options = [["", "Everything"], ...KINDS.map((kind) => [kind, KIND_LABELS[kind]])];
  return h("nav", { class: "filters", "aria-label": "Kinds" },
    h("ul", {}, options.map(([kind, label]) => h("li", {},
      h("a", { href: hashWith(path, query, { kind }), "aria-current": kind === current ? "true" : null }, label)))));
}

export async function feedView({ query }) {
  const kind = query.get("kind") || "";
  const unremixed = query.get("unremixed") === "true";
  const toggle = h("input", { type: "checkbox", id: "unremixed", checked: unremixed });
  toggle.addEventListener("change", () => {
    location.hash = hashWith("/", query, { unremixed: toggle.checked ? "true" : "" });
  });
  const records = pagedRecords(
    (cursor) => api("/records", { query: { kind, unremixed: unremixed ? "true" : "", cursor, limit: 24 } }),
    unremixed ? "Every record here has been remixed. Upload something new!" : "Nothing here yet. Be the first to upload.");
  await records.ready;
  return h("section", { class: "feed" },
    h("h1", {}, unremixed ? "Never remixed" : "Recent"),
    h("p", { class: "lede" }, unremixed
      ? "Work nobody has remixed yet: resources waiting for collaborators."
      : "The newest work from the community. Remix anything marked remixable; the original is always credited."),
    kindFilter("/", query),
    h("div", { class: "toggle" }, toggle, h("label", { for: "unremixed" }, "Never remixed only")),
    records);
}

export async function trendingView({ query }) {
  const kind = query.get("kind") || "";
  const span = query.get("window") === "day" ? "day" : "week";
  const records = pagedRecords(
    (cursor) => api("/trending", { query: { kind, window: span, cursor } }),
    "No hearts in this window yet.");
  await records.ready;
  return h("section", { class: "feed" },
    h("h1", {}, "Trending"),
    h("p", { class: "lede" }, `Ranked by hearts received in the last ${span === "day" ? "24 hours" : "7 days"}.`),
    h("nav", { class: "filters", "aria-label": "Window" }, h("ul", {},
      [["week", "This week"], ["day", "Today"]].map(([value, label]) => h("li", {},
        h("a", { href: hashWith("/trending", query, { window: value === "week" ? "" : value }),
          "aria-current": value === span ? "true" : null }, label))))),
    kindFilter("/trending", query),
    records);
}
