// Search and tags: the results page (records and members whose words start with every word
// typed), the tag list (most used first) and a tag's records. The top bar's box: ../topbar.js.

import { api } from "../api.js";
import { field, h } from "../dom.js";
import { KIND_LABELS, KINDS } from "../format.js";
import { MAX_QUERY, searchHash } from "../topbar.js";
import { memberLink, navigate, pagedList, pagedRecords } from "../ui.js";

function pagedMembers(q) {
  return pagedList((cursor) => api("/search/members", { query: { q, cursor } }),
    (m) => h("li", { class: "member-hit" }, memberLink(m.handle), " ", m.display_name),
    { empty: "No member matches.", className: "members", more: "More members" });
}

export async function searchView({ query }) {
  const q = (query.get("q") || "").trim();
  const kind = KINDS.includes(query.get("kind")) ? query.get("kind") : "";
  const input = h("input", { type: "search", name: "q", value: q, maxlength: MAX_QUERY, required: true });
  const kinds = h("select", { name: "kind" },
    h("option", { value: "" }, "Every kind"),
    KINDS.map((k) => h("option", { value: k, selected: k === kind }, KIND_LABELS[k])));
  const form = h("form", { class: "search-records", role: "search" },
    field("Words", input, "Every word must start a title or tag word; accents and case do not matter."),
    field("Kind", kinds), h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) navigate(searchHash(input.value.trim(), kinds.value));
  });
  const parts = [h("h1", {}, q ? `Search: ${q}` : "Search"), form];
  if (q) {
    const records = pagedRecords((cursor) => api("/search/records", { query: { q, kind, cursor, limit: 24 } }),
      "No record matches. Fewer or shorter words find more.");
    const members = pagedMembers(q);
    await Promise.all([records.ready, members.ready]);
    parts.push(h("h2", {}, "Records"), records, h("h2", {}, "Members"), members);
  }
  parts.push(h("p", {}, h("a", { href: "#/tags" }, "Browse tags")));
  return h("section", { class: "search" }, ...parts);
}

export async function tagsView({ query }) {
  const prefix = (query.get("prefix") || "").trim();
  const tags = pagedList((cursor) => api("/tags", { query: { prefix, cursor, limit: 50 } }),
    (t) => h("li", {},
      h("a", { class: "tag", href: `#/tags/${encodeURIComponent(t.tag)}` }, t.tag),
      h("span", { class: "count" }, ` ${t.record_count}`, h("span", { class: "sr" }, ` record${t.record_count === 1 ? "" : "s"}`))),
    { empty: "No tags yet.", className: "tags", more: "More tags" });
  const input = h("input", { type: "search", name: "prefix", value: prefix, maxlength: 30 });
  const form = h("form", { class: "search-records", role: "search" }, field("Tags starting with", input),
    h("button", { type: "submit" }, "Filter"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    navigate(value ? `#/tags?${new URLSearchParams({ prefix: value })}` : "#/tags");
  });
  const section = h("section", { class: "tag-list" }, h("h1", {}, "Tags"),
    h("p", { class: "lede" }, "Most used first."), form, tags);
  await tags.ready;
  return section;
}

export async function tagView({ params: [tag], query }) {
  const kind = KINDS.includes(query.get("kind")) ? query.get("kind") : "";
  const records = pagedRecords(
    (cursor) => api(`/tags/${encodeURIComponent(tag)}/records`, { query: { kind, cursor, limit: 24 } }),
    "No ready record carries this tag.");
  await records.ready;
  const base = `#/tags/${encodeURIComponent(tag)}`;
  return h("section", { class: "feed" },
    h("h1", {}, `Tagged “${tag}”`),
    h("nav", { class: "filters", "aria-label": "Kinds" }, h("ul", {},
      [["", "Everything"], ...KINDS.map((k) => [k, KIND_LABELS[k]])].map(([k, label]) => h("li", {},
        h("a", { href: k ? `${base}?kind=${k}` : base, "aria-current": k === kind ? "true" : null }, label))))),
    records, h("p", {}, h("a", { href: "#/tags" }, "All tags")));
}
