// A record: its player or viewer, hearts, "remix this", what it builds on and the remix tree.

import { api } from "../api.js";
import { session } from "../auth.js";
import { h } from "../dom.js";
import { bytes, KIND_LABELS, when } from "../format.js";
import { lineageGraph } from "../lineage.js";
import { heartButton, kindBadge, memberLink, pagedRecords } from "../ui.js";

/** The player or viewer for the record's kind and stored format. */
export function viewer(record) {
  if (record.status === "removed") {
    return h("p", { class: "tombstone" }, "Taken down by its owner. It stays in the remix tree and in royalty history.");
  }
  if (record.kind === "text") {
    return h("article", { class: "text-body", lang: "" }, record.body || "");
  }
  if (!record.media_url) {
    const waiting = record.status === "awaiting_upload" ? "Waiting for its file…"
      : record.status === "rejected" ? `The file was refused (${record.rejection_reason}).` : "No media.";
    return h("p", { class: "empty" }, waiting);
  }
  const type = record.media.content_type;
  const label = `${KIND_LABELS[record.kind]}: ${record.title}`;
  if (type.startsWith("image/")) {
    return h("img", { class: "media", src: record.media_url, alt: record.description || record.title,
      width: record.media.width, height: record.media.height });
  }
  if (type.startsWith("audio/")) {
    return h("audio", { class: "media", controls: true, preload: "metadata", src: record.media_url, "aria-label": label });
  }
  const loop = record.kind === "animation";
  return h("video", { class: "media", controls: true, preload: "metadata", src: record.media_url, "aria-label": label,
    loop, muted: loop, autoplay: loop, playsinline: true, width: record.media.width, height: record.media.height });
}

function facts(record) {
  const media = record.media;
  const items = [
    ["Kind", KIND_LABELS[record.kind]],
    ["By", memberLink(record.owner.handle)],
    ["Published", when(record.created_at)],
    media ? ["File", `${media.content_type}, ${bytes(media.size)}${media.width ? `, ${media.width}×${media.height}` : ""}${media.duration_seconds ? `, ${media.duration_seconds.toFixed(1)} s` : ""}`] : null,
    ["Remixable", record.remixable ? "Yes" : "No"],
    record.collaboration_id ? ["Collaboration", h("a", { href: `#/collaborations/${record.collaboration_id}` }, "open")] : null,
  ].filter(Boolean);
  return h("dl", { class: "facts" }, items.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

async function sourcesList(record) {
  if (!record.sources.length) return null;
  const sources = await Promise.all(record.sources.map((id) => api(`/records/${id}`).catch(() => null)));
  return h("section", { class: "sources" }, h("h2", {}, "Builds on"),
    h("ul", {}, sources.filter(Boolean).map((source) => h("li", {},
      h("a", { href: `#/records/${source.id}` }, source.title), " by ", memberLink(source.owner.handle),
      source.status === "removed" ? " (removed)" : ""))));
}

export async function recordView({ params: [id] }) {
  const record = await api(`/records/${id}`);
  const [ancestors, descendants, sources] = await Promise.all([
    api(`/records/${id}/lineage`, { query: { direction: "ancestors", depth: 3 } }),
    api(`/records/${id}/lineage`, { query: { direction: "descendants", depth: 3 } }),
    sourcesList(record),
  ]);
  const remixable = record.remixable && record.status === "ready";
  const remix = remixable
    ? h("a", { class: "button primary", href: `#/upload?remix=${record.id}` }, "Remix this")
    : h("span", { class: "hint" }, record.status === "ready" ? "Its owner keeps it from being remixed." : "");
  const own = session.me && session.me.id === record.owner.id;
  const remixes = pagedRecords((cursor) => api(`/records/${id}/remixes`, { query: { cursor } }), "No remixes yet.");
  await remixes.ready;
  return h("section", { class: "record", dataset: { recordId: record.id, status: record.status } },
    h("div", { class: "stage" }, viewer(record)),
    h("div", { class: "record-head" },
      h("h1", {}, record.title),
      h("p", { class: "meta" }, kindBadge(record.kind), " by ", memberLink(record.owner.handle),
        own ? h("span", { class: "badge" }, "yours") : null),
      h("div", { class: "actions" }, heartButton(record), remix)),
    record.description ? h("p", { class: "description" }, record.description) : null,
    record.tags.length ? h("ul", { class: "tags", "aria-label": "Tags" }, record.tags.map((tag) => h("li", {}, `#${tag}`))) : null,
    facts(record),
    sources,
    h("section", { class: "tree" }, h("h2", {}, "Remix tree"),
      h("p", { class: "hint" }, `What it builds on (left) and what builds on it (right), three levels each way.`),
      lineageGraph(record.id, ancestors, descendants)),
    h("section", {}, h("h2", {}, `Remixes (${record.remix_count})`), remixes));
}
