// The top bar's search box and unread badge, on every page (the views they lead to load when
// first opened: views/search.js, views/inbox.js).

import { api } from "./api.js";
import { onSessionChange, session } from "./auth.js";
import { h } from "./dom.js";
import { navigate } from "./ui.js";

export const MAX_QUERY = 100;
const REFRESH_MS = 30_000;

export function searchHash(q, kind) {
  const params = new URLSearchParams({ q });
  if (kind) params.set("kind", kind);
  return `#/search?${params}`;
}

/** The search box in the top bar: it opens the results page. */
export function mountSearchBox() {
  const top = document.querySelector("header.top");
  if (!top || top.querySelector("form.search-box")) return;
  const input = h("input", { type: "search", name: "q", maxlength: MAX_QUERY, required: true,
    placeholder: "Search titles, tags, members", "aria-label": "Search" });
  const form = h("form", { class: "search-box", role: "search" }, input,
    h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (q) navigate(searchHash(q));
  });
  top.querySelector("#session")?.before(form);
}

const badge = { element: null, timer: null };

/** Puts the unread badge (GET /me/notifications/unread-count: one read) in the top bar's Inbox link and
 * keeps it current: on sign-in, on every page and every 30 seconds. */
export function mountUnreadBadge() {
  const link = document.querySelector(".top nav a[href='#/inbox']");
  if (!link || badge.element) return;
  badge.element = h("span", { class: "unread-badge", hidden: true });
  link.append(badge.element);
  onSessionChange(refreshBadge);
  window.addEventListener("hashchange", refreshBadge);
  badge.timer = setInterval(refreshBadge, REFRESH_MS);
  refreshBadge();
}

export async function refreshBadge() {
  const element = badge.element;
  if (!element) return;
  if (!session.token || !session.me) {
    element.hidden = true;
    return;
  }
  try {
    const { unread } = await api("/me/notifications/unread-count");
    // The link reads "Inbox, 3 unread": the visible number, and the word for screen readers.
    element.replaceChildren(h("span", { class: "sr" }, ", "), h("span", { class: "n" }, unread > 99 ? "99+" : String(unread)), h("span", { class: "sr" }, " unread"));
    element.hidden = unread === 0;
  } catch {
    element.hidden = true; // the badge is a hint; the inbox page says what went wrong
  }
}
