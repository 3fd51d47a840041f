// Collaborations: open briefs that records join.

import { api } from "../api.js";
import { session } from "../auth.js";
import { field, h } from "../dom.js";
import { KIND_LABELS, KINDS, when } from "../format.js";
import { alertBox, memberLink, navigate, pagedRecords } from "../ui.js";

function createForm() {
  const title = h("input", { name: "title", required: true, maxlength: 120, autocomplete: "off" });
  const brief = h("textarea", { name: "brief", required: true, rows: 3, maxlength: 5000 });
  const kinds = KINDS.map((kind) => h("input", { type: "checkbox", name: "kinds", value: kind, id: `collab-kind-${kind}` }));
  const box = alertBox();
  const form = h("form", { class: "inline-form" },
    h("h2", {}, "Start a collaboration"),
    field("Title", title), field("Brief", brief, "What you are making and what you are looking for."),
    h("fieldset", {}, h("legend", {}, "Kinds wanted (optional)"),
      kinds.map((box_) => h("span", { class: "check" }, box_, h("label", { for: box_.id }, KIND_LABELS[box_.value])))),
    box, h("button", { type: "submit", class: "primary" }, "Start it"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = { title: title.value.trim(), brief: brief.value.trim() };
      const chosen = kinds.filter((k) => k.checked).map((k) => k.value);
      if (chosen.length) body.kinds = chosen;
      const created = await api("/collaborations", { method: "POST", body });
      navigate(`#/collaborations/${created.id}`);
    } catch (error) {
      box.show(error);
    }
  });
  return form;
}

export async function collaborationsView() {
  const page = await api("/collaborations", { query: { limit: 50 } });
  return h("section", {},
    h("h1", {}, "Collaborations"),
    h("p", { class: "lede" }, "Open briefs. Join one by uploading a record to it."),
    page.items.length ? h("ul", { class: "rows" }, page.items.map((c) => h("li", {},
      h("h2", {}, h("a", { href: `#/collaborations/${c.id}` }, c.title)),
      h("p", {}, c.brief),
      h("p", { class: "meta" }, `${c.record_count} record${c.record_count === 1 ? "" : "s"} · started by `, memberLink(c.owner.handle),
        ` · ${when(c.created_at)}`))))
      : h("p", { class: "empty" }, "No collaborations yet."),
    session.me ? createForm() : h("p", {}, h("a", { href: "#/signin" }, "Sign in"), " to start one."));
}

export async function collaborationView({ params: [id] }) {
  const { commentsSection } = await import("./community.js");
  const collaboration = await api(`/collaborations/${id}`);
  const records = pagedRecords((cursor) => api("/records", { query: { collaboration_id: id, cursor } }),
    "No records in it yet.");
  const comments = commentsSection({ type: "collaboration", id: collaboration.id, owner_id: collaboration.owner.id });
  await Promise.all([records.ready, comments.ready]);
  return h("section", { class: "collaboration" },
    h("h1", {}, collaboration.title),
    h("p", { class: "meta" }, "Started by ", memberLink(collaboration.owner.handle), ` · ${when(collaboration.created_at)} · `,
      `${collaboration.record_count} record${collaboration.record_count === 1 ? "" : "s"}`),
    h("p", { class: "brief" }, collaboration.brief),
    collaboration.kinds.length ? h("p", {}, "Looking for: ", collaboration.kinds.map((k) => KIND_LABELS[k]).join(", ")) : null,
    h("p", {}, h("a", { class: "button primary", href: `#/upload?collaboration=${collaboration.id}` }, "Add a record to it")),
    h("h2", {}, "Records"),
    records,
    comments);
}
