// Small shared pieces of the interface: navigation, the status line, errors, cards, hearts.

import { api } from "./api.js";
import { session } from "./auth.js";
import { h } from "./dom.js";
import { KIND_LABELS } from "./format.js";

export function navigate(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/** A polite announcement in the status line (screen readers hear it too). */
export function say(message) {
  const status = document.getElementById("status");
  status.textContent = message;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => { status.textContent = ""; }, 6000);
}

/** An error worth showing where the view would be. */
export function failure(error) {
  const title = error.status === 404 ? "Not found" : "Something went wrong";
  return h("section", { class: "problem", role: "alert" },
    h("h1", {}, title),
    h("p", {}, error.message || String(error)),
    h("p", {}, h("a", { href: "#/" }, "Back to recent records")));
}

/** An inline error next to a form or a button. */
export function alertBox() {
  const box = h("p", { class: "alert", role: "alert", hidden: true });
  box.show = (error) => {
    const fields = error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join("; ");
    box.textContent = fields ? `${error.message} (${fields})` : (error.message || String(error));
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

function preview(record) {
  const type = record.media?.content_type || "";
  if (record.media_url && type.startsWith("image/")) {
    return h("img", { src: record.media_url, alt: "", loading: "lazy", width: record.media.width, height: record.media.height });
  }
  if (record.kind === "text" && record.body) {
    return h("p", { class: "excerpt" }, record.body.length > 140 ? `${record.body.slice(0, 140)}…` : record.body);
  }
  return h("span", { class: `glyph kind-${record.kind}`, "aria-hidden": "true" });
}

/** A record in a list: preview, title (the link), owner, counts. */
export function recordCard(record) {
  return h("li", { class: "card", dataset: { recordId: record.id, kind: record.kind } },
    h("a", { class: "preview", href: `#/records/${record.id}`, tabindex: "-1", "aria-hidden": "true" }, preview(record)),
    h("div", { class: "card-body" },
      h("h3", {}, h("a", { href: `#/records/${record.id}` }, record.title)),
      h("p", { class: "meta" }, kindBadge(record.kind), " by ", memberLink(record.owner.handle)),
      h("p", { class: "counts" },
        h("span", { class: "hearts", title: "hearts" }, `♥ ${record.heart_count}`),
        h("span", { class: "remixes", title: "direct remixes" }, `⤳ ${record.remix_count} remix${record.remix_count === 1 ? "" : "es"}`))));
}

/** A list of records with "Load more" through `next_cursor`. */
export function pagedRecords(load, empty) {
  const list = h("ul", { class: "cards" });
  const more = h("button", { type: "button", class: "more", hidden: true }, "Load more");
  const box = alertBox();
  let cursor = null;
  async function next() {
    more.disabled = true;
    try {
      const page = await load(cursor);
      list.append(...page.items.map(recordCard));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      if (!list.children.length) list.replaceWith(h("p", { class: "empty" }, empty));
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

/** The heart toggle: a real button with aria-pressed. */
export function heartButton(record, onChange) {
  const own = session.me && session.me.id === record.owner.id;
  const count = h("span", { class: "count" }, String(record.heart_count));
  if (!session.token || !session.me || own || record.status !== "ready") {
    const why = own ? "Your own record" : record.status !== "ready" ? "Not ready" : "Sign in to heart";
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
      say(error.message);
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
