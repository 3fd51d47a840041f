// Small shared pieces of the interface: navigation, the status line, errors, cards, hearts.

import { api } from "./api.js";
import { session } from "./auth.js";
import { h, s } from "./dom.js";
import { day, duration, KIND_LABELS } from "./format.js";

export function navigate(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/** A polite announcement in the status line (screen readers hear it too). It belongs to the page
 * it was said on: a navigation clears it (see `endToasts`), and it never covers a field. */
export function say(message) {
  const status = document.getElementById("status");
  status.textContent = message;
  say.at = Date.now();
  clearTimeout(say.timer);
  say.timer = setTimeout(() => { status.textContent = ""; }, 6000);
}

/** Called by the router when a page goes: what it said goes with it. A message said just before
 * the navigation (a form's "Published." as it moves to the record) is about the next page: it stays. */
export function endToasts() {
  if (Date.now() - (say.at || 0) < 1000) return;
  clearTimeout(say.timer);
  const status = document.getElementById("status");
  if (status) status.textContent = "";
}

// Field names the API reports, as the forms label them.
const FIELD_LABELS = {
  title: "Title", description: "Description", tags: "Tags", body: "Text", kind: "Kind", file: "File",
  "file.size": "File size", "file.content_type": "File type", "file.filename": "File name", sources: "Sources",
  handle: "Handle", display_name: "Display name", bio: "Bio", licence: "Licence", remixable: "Remixable",
  currency: "Currency", format: "Format", amount: "Amount", incurred_on: "Date", weight: "Weight",
  contributions: "Contributions", collaboration_id: "Collaboration",
};

function fieldLabel(name) {
  if (FIELD_LABELS[name]) return FIELD_LABELS[name];
  const parts = String(name).split(".");
  const last = parts.filter((p) => !/^\d+$/.test(p)).pop() || name;
  return FIELD_LABELS[last] || last.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

/** What went wrong, in words for people: validation errors name the fields, statuses say what to do. */
export function humanError(error) {
  if (!error) return "Something went wrong.";
  if (error instanceof TypeError || error.name === "TypeError") {
    return "Remixery could not be reached. Check your connection and try again.";
  }
  const status = error.status;
  const fields = error.problem?.errors;
  if (fields?.length) {
    const listed = fields.map((e) => `${fieldLabel(e.field)}: ${String(e.message).replace(/^Value error, /, "")}`);
    return `Please check ${fields.length === 1 ? "this field" : "these fields"}. ${listed.join(" ")}`;
  }
  if (status === 401) return "Your sign-in has run out. Sign in again to go on.";
  if (status === 413) return "That is too large to send.";
  if (status === 429) return "That was a lot at once. Wait a moment and try again.";
  if (status >= 500) return "Remixery is having trouble right now. Try again in a moment.";
  return error.message || String(error);
}

/** A page-sized "loading" placeholder: the old page never stays behind while the next one loads. */
export function loadingView() {
  return h("section", { class: "loading-view" }, h("p", { class: "loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading…"));
}

/** An error worth showing where the view would be, with a way to try again. */
export function failure(error) {
  const missing = error.status === 404;
  const title = missing ? "Not found" : error.status === 403 ? "Not yours to see" : "Something went wrong";
  const retry = missing ? null : h("button", { type: "button", class: "primary", onclick: () => navigate(location.hash || "#/") }, "Try again");
  return h("section", { class: "problem", role: "alert" },
    h("h1", {}, title),
    h("p", {}, missing ? (error.message || "There is nothing here.") : humanError(error)),
    h("p", { class: "actions" }, retry, " ", h("a", { class: "button", href: "#/" }, "Back to recent records")));
}

/** An inline error next to a form or a button. */
export function alertBox() {
  const box = h("p", { class: "alert", role: "alert", hidden: true });
  box.show = (error) => {
    box.textContent = humanError(error);
    box.hidden = false;
  };
  box.hide = () => { box.hidden = true; };
  return box;
}

export function kindBadge(kind) {
  return h("span", { class: `badge kind-${kind}` }, KIND_LABELS[kind] || kind);
}

export function memberLink(handle) {
  return h("a", { href: `#/members/${encodeURIComponent(handle)}` }, `@${handle}`);
}

/** 200 peaks (0-1000) as a small SVG bar chart. */
export function waveform(peaks, { label } = {}) {
  const bars = peaks.map((peak, index) => {
    const height = Math.max(1, (peak / 1000) * 46);
    return s("rect", { x: index, y: 24 - height / 2, width: 0.7, height });
  });
  return s("svg", { class: "waveform", viewBox: "0 0 200 48", preserveAspectRatio: "none",
    role: label ? "img" : null, "aria-label": label || null, "aria-hidden": label ? null : "true" }, bars);
}

function preview(record) {
  const previews = record.previews || {};
  const picture = previews.thumbnail_url || previews.poster_url;
  if (picture) return h("img", { src: picture, alt: "", loading: "lazy", decoding: "async" });
  // Previews come a moment after "ready": until then an image shows itself.
  if (!record.previews && record.media_url && record.media?.content_type.startsWith("image/")) {
    return h("img", { src: record.media_url, alt: "", loading: "lazy", decoding: "async" });
  }
  if (previews.waveform) return waveform(previews.waveform);
  if (record.kind === "text" && record.body) {
    return h("p", { class: "excerpt" }, record.body.length > 140 ? `${record.body.slice(0, 140)}…` : record.body);
  }
  return h("span", { class: `glyph kind-${record.kind}`, "aria-hidden": "true" });
}

// Titles of cited sources, fetched once each (a remix's card names what it remixes).
const sourceTitles = new Map();

function remixOf(record) {
  if (!record.sources?.length) return null;
  const first = record.sources[0];
  const link = h("a", { class: "source-link", href: `#/records/${first}` }, "an earlier work");
  if (!sourceTitles.has(first)) sourceTitles.set(first, api(`/records/${first}`).then((source) => source.title, () => null));
  sourceTitles.get(first).then((title) => { if (title) link.textContent = title; });
  const more = record.sources.length > 1 ? ` and ${record.sources.length - 1} more` : "";
  return h("p", { class: "remix-mark" }, h("span", { class: "badge remix" }, "Remix"), " of ", link, more);
}

/** A record in a list: preview, title (the link), owner, date, length, what it remixes, counts. */
export function recordCard(record) {
  const length = duration(record.media?.duration_seconds);
  return h("li", { class: "card", dataset: { recordId: record.id, kind: record.kind } },
    h("a", { class: "preview", href: `#/records/${record.id}`, tabindex: "-1", "aria-hidden": "true" },
      preview(record), length ? h("span", { class: "length" }, length) : null),
    h("div", { class: "card-body" },
      h("h3", {}, h("a", { href: `#/records/${record.id}` }, record.title)),
      h("p", { class: "meta" }, kindBadge(record.kind), " by ", memberLink(record.owner.handle),
        " · ", h("time", { datetime: record.created_at }, day(record.created_at)),
        length ? h("span", { class: "sr" }, `, ${length} long`) : null),
      remixOf(record),
      h("p", { class: "counts" },
        h("span", { class: "hearts" }, `♥ ${record.heart_count}`, h("span", { class: "sr" }, " hearts")),
        h("span", { class: "remixes" }, `⤳ ${record.remix_count} remix${record.remix_count === 1 ? "" : "es"}`))));
}

/** A list with "Load more" through `next_cursor`: `load(cursor)` reads a page, `item` draws an
 * entry, `empty` is said in place of a list that has none. `.ready` settles with the first page. */
export function pagedList(load, item, { empty, tag = "ul", className = "cards", more: label = "Load more" }) {
  const list = h(tag, { class: className });
  const more = h("button", { type: "button", class: "more", hidden: true }, label);
  const box = alertBox();
  let cursor = null;
  async function next() {
    more.disabled = true;
    try {
      const page = await load(cursor);
      list.append(...page.items.map(item));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      if (!list.children.length && !cursor) list.replaceWith(h("p", { class: "empty" }, empty));
    } catch (error) {
      box.show(error);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", next);
  const section = h("div", { class: "paged" }, list, box, more);
  section.ready = next();
  return section;
}

export function pagedRecords(load, empty) {
  return pagedList(load, recordCard, { empty });
}

/** The heart toggle: a real button with aria-pressed. */
export function heartButton(record, onChange) {
  const own = session.me && session.me.id === record.owner.id;
  const count = h("span", { class: "count" }, String(record.heart_count));
  if (record.status === "ready" && !own && (!session.token || !session.me)) {
    // Signed out (or not registered yet): the heart is a way in, and says so.
    const back = encodeURIComponent(location.hash || "#/");
    return h("a", { class: "button heart invite", href: `#/signin?next=${back}` },
      h("span", { "aria-hidden": "true" }, "♥ "), count, h("span", { class: "sr" }, " hearts."),
      h("span", { class: "label" }, session.token ? " Register to heart" : " Sign in to heart"));
  }
  if (!session.token || !session.me || own || record.status !== "ready") {
    const why = own ? "Your own record" : "Not ready";
    return h("span", { class: "heart-static", title: why }, "♥ ", count, h("span", { class: "sr" }, " hearts"));
  }
  const button = h("button", { type: "button", class: "heart", "aria-pressed": String(!!record.hearted_by_me) },
    h("span", { "aria-hidden": "true" }, "♥ "), h("span", { class: "label" }, record.hearted_by_me ? "Hearted" : "Heart"),
    " · ", count);
  button.addEventListener("click", async () => {
    const hearted = button.getAttribute("aria-pressed") === "true";
    button.disabled = true;
    try {
      const state = await api(`/records/${record.id}/heart`, { method: hearted ? "DELETE" : "PUT" });
      button.setAttribute("aria-pressed", String(state.hearted));
      button.querySelector(".label").textContent = state.hearted ? "Hearted" : "Heart";
      count.textContent = String(state.heart_count);
      say(state.hearted ? `Hearted. ${state.heart_count} hearts.` : `Heart taken back. ${state.heart_count} hearts.`);
      onChange?.(state);
    } catch (error) {
      say(humanError(error));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

export function needsMember(what) {
  if (!session.token) {
    return h("section", {}, h("h1", {}, what), h("p", {}, "Sign in first. ", h("a", { class: "button", href: "#/signin" }, "Sign in")));
  }
  if (!session.me) {
    return h("section", {}, h("h1", {}, what),
      h("p", {}, "Register your member profile first. ", h("a", { class: "button", href: "#/signin" }, "Register")));
  }
  return null;
}

/** Wide tables become stacked rows on a phone: each cell learns its column's name (CSS shows it
 * before the value under 640 px). The router runs it over every page, so every table gets it. */
export function stackTables(root) {
  for (const table of root.querySelectorAll("table")) {
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!heads.length) continue;
    table.classList.add("stackable");
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, index) => {
        if (heads[index] && !cell.dataset.label) cell.dataset.label = heads[index];
      });
    }
  }
}
