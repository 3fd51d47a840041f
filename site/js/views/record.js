// A record: its player or viewer, hearts, "remix this", what it builds on and the remix tree.

import { api } from "../api.js";
import { session } from "../auth.js";
import { field, h } from "../dom.js";
import { bytes, duration, KIND_LABELS, REJECTIONS, when } from "../format.js";
import { lineageGraph } from "../lineage.js";
import { alertBox, heartButton, kindBadge, memberLink, navigate, pagedRecords, say, waveform } from "../ui.js";
import { commentsSection, withTimeline } from "./community.js";
import { moderationPanel, reportControl } from "./moderation.js";
import { licence, whyNotRemixable } from "../licences.js";

/** The licence's canonical deed (as GET /licences says). */
function licenceUrl(id) {
  if (id === "remixery") return "https://remixery.org/licence";
  if (id === "cc0") return "https://creativecommons.org/publicdomain/zero/1.0/";
  return `https://creativecommons.org/licenses/${id.replace(/^cc-/, "")}/4.0/`;
}

/** The player or viewer for the record's kind and stored format. */
export function viewer(record) {
  if (record.status === "removed") {
    return h("p", { class: "tombstone" }, "Taken down by its owner. It stays in the remix tree and in royalty history.");
  }
  if (record.kind === "text") {
    return h("article", { class: "text-body", lang: "" }, record.body || "");
  }
  if (record.status === "rejected") {
    return h("div", { class: "refused", role: "alert" },
      h("h2", {}, "This file was not published"),
      h("p", {}, REJECTIONS[record.rejection_reason] || `Refused: ${record.rejection_reason}.`),
      h("p", {}, "Only you can see this record. ",
        h("a", { class: "button primary", href: `#/upload?retry=${record.id}` }, "Try again with another file")));
  }
  if (!record.media_url) {
    return h("p", { class: "empty" }, record.status === "awaiting_upload" ? "Waiting for its file…" : "No media.");
  }
  const type = record.media.content_type;
  const label = `${KIND_LABELS[record.kind]}: ${record.title}`;
  if (type.startsWith("image/")) {
    return h("img", { class: "media", src: record.media_url, alt: record.description || record.title,
      width: record.media.width, height: record.media.height });
  }
  if (type.startsWith("audio/")) {
    const peaks = record.previews?.waveform;
    return h("div", { class: "player" },
      peaks ? waveform(peaks, { label: `Waveform of ${record.title}` }) : null,
      h("audio", { class: "media", controls: true, preload: "metadata", src: record.media_url, "aria-label": label }));
  }
  const loop = record.kind === "animation";
  return h("video", { class: "media", controls: true, preload: "metadata", src: record.media_url, "aria-label": label,
    poster: record.previews?.poster_url || null,
    loop, muted: loop, autoplay: loop, playsinline: true, width: record.media.width, height: record.media.height });
}

function facts(record) {
  const media = record.media;
  const items = [
    ["Kind", KIND_LABELS[record.kind]],
    ["By", memberLink(record.owner.handle)],
    [record.status === "ready" || record.status === "removed" ? "Published" : "Created", when(record.created_at)],
    media?.duration_seconds ? ["Length", duration(media.duration_seconds)] : null,
    media ? ["File", `${media.content_type}, ${bytes(media.size)}${media.width ? `, ${media.width}×${media.height}` : ""}`] : null,
    ["Licence", h("a", { href: licenceUrl(record.licence), rel: "license", title: licence(record.licence).line }, licence(record.licence).name)],
    ["Remixable", record.remixable ? "Yes" : "No"],
    record.collaboration_id ? ["Collaboration", collaborationLink(record.collaboration_id)] : null,
  ].filter(Boolean);
  return h("dl", { class: "facts" }, items.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/** A link named for the collaboration once its title arrives. */
function collaborationLink(id) {
  const link = h("a", { href: `#/collaborations/${id}` }, "its collaboration");
  api(`/collaborations/${id}`).then((found) => { link.textContent = found.title; }, () => {});
  return link;
}

async function sourcesList(record) {
  if (!record.sources.length) return null;
  const sources = await Promise.all(record.sources.map((id) => api(`/records/${id}`).catch(() => null)));
  return h("section", { class: "sources" }, h("h2", {}, "Builds on"),
    h("ul", {}, sources.filter(Boolean).map((source) => h("li", {},
      h("a", { href: `#/records/${source.id}` }, source.title), " by ", memberLink(source.owner.handle),
      source.status === "removed" ? " (removed)" : ""))));
}

/** The owner's tools: edit the title, description, tags and remixability (PATCH), take it down (DELETE). */
function ownerTools(record) {
  if (record.status === "removed") return null;
  const title = h("input", { name: "title", required: true, maxlength: 120, value: record.title });
  const description = h("textarea", { name: "description", maxlength: 5000, rows: 3 });
  description.value = record.description || "";
  const tags = h("input", { name: "tags", value: record.tags.join(", "), autocomplete: "off" });
  const remixable = h("input", { type: "checkbox", id: "edit-remixable", checked: record.remixable });
  const box = alertBox();
  const save = h("button", { type: "submit", class: "primary" }, "Save changes");
  const form = h("form", { class: "edit-record" },
    field("Title", title), field("Description", description), field("Tags", tags, "Up to 10, separated by commas."),
    h("div", { class: "toggle" }, remixable, h("label", { for: remixable.id }, "Others may remix this")),
    box, save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hide();
    save.disabled = true;
    try {
      const changes = { title: title.value.trim(), description: description.value.trim() || null,
        tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean) };
      if (remixable.checked !== record.remixable) changes.remixable = remixable.checked;
      await api(`/records/${record.id}`, { method: "PATCH", body: changes });
      say("Saved.");
      navigate(`#/records/${record.id}`);
    } catch (error) {
      box.show(error);
    } finally {
      save.disabled = false;
    }
  });
  const takeDownBox = alertBox();
  const takeDown = h("button", { type: "button", class: "danger" }, "Take down");
  takeDown.addEventListener("click", async () => {
    takeDownBox.hide();
    const sure = window.confirm(`Take down “${record.title}”? Its file is deleted. The title stays in the remix tree and in royalty history.`);
    if (!sure) return;
    takeDown.disabled = true;
    try {
      await api(`/records/${record.id}`, { method: "DELETE" });
      say(`“${record.title}” is taken down.`);
      navigate(`#/records/${record.id}`);
    } catch (error) {
      takeDownBox.show(error);
      takeDown.disabled = false;
    }
  });
  return h("details", { class: "owner-tools" },
    h("summary", {}, "Edit or take down"),
    record.status === "ready" || record.status === "awaiting_upload" ? form : null,
    h("div", { class: "danger-zone" }, h("p", { class: "hint" }, "Taking down deletes the file for good; remixes keep their credit."),
      takeDown, takeDownBox));
}

export async function recordView({ params: [id] }) {
  const record = await api(`/records/${id}`);
  const [ancestors, descendants, sources] = await Promise.all([
    api(`/records/${id}/lineage`, { query: { direction: "ancestors", depth: 3 } }),
    api(`/records/${id}/lineage`, { query: { direction: "descendants", depth: 3 } }),
    sourcesList(record),
  ]);
  const refused = whyNotRemixable(record);
  const remix = refused === null
    ? h("a", { class: "button primary", href: `#/upload?remix=${record.id}` }, "Remix this")
    : h("p", { class: "hint remix-unavailable" }, `Remixing is not available. ${refused}`);
  const own = session.me && session.me.id === record.owner.id;
  const remixes = pagedRecords((cursor) => api(`/records/${id}/remixes`, { query: { cursor } }), "No remixes yet.");
  const comments = commentsSection({ type: "record", id: record.id, owner_id: record.owner.id, kind: record.kind,
    status: record.status, duration: record.media?.duration_seconds, count: record.comment_count });
  await Promise.all([remixes.ready, comments.ready]);
  return h("section", { class: "record", dataset: { recordId: record.id, status: record.status } },
    h("div", { class: "stage" }, withTimeline(viewer(record), comments.timeline)),
    h("div", { class: "record-head" },
      h("h1", {}, record.title),
      h("p", { class: "meta" }, kindBadge(record.kind), " by ", memberLink(record.owner.handle),
        own ? h("span", { class: "badge" }, "yours") : null),
      h("div", { class: "actions" }, heartButton(record), remix)),
    moderationPanel(record),
    own ? ownerTools(record) : reportControl({ type: "record", id: record.id }, "Report this record"),
    record.description ? h("p", { class: "description" }, record.description) : null,
    record.tags.length ? h("ul", { class: "tags", "aria-label": "Tags" }, record.tags.map((tag) => h("li", {},
      h("a", { class: "tag", href: `#/tags/${encodeURIComponent(tag)}` }, `#${tag}`)))) : null,
    facts(record),
    sources,
    h("section", { class: "tree" }, h("h2", {}, "Remix tree"),
      h("p", { class: "hint" }, `What it builds on (left) and what builds on it (right), three levels each way.`),
      lineageGraph(record.id, ancestors, descendants)),
    h("section", {}, h("h2", {}, `Remixes (${record.remix_count})`), remixes),
    comments);
}
