// Community: comments under records and collaborations (pinned to the player's timeline for audio
// and video), follow buttons on member pages, and the "Following" feed.

import { api } from "../api.js";
import { session } from "../auth.js";
import { field, h } from "../dom.js";
import { duration, when } from "../format.js";
import { alertBox, humanError, memberLink, needsMember, pagedRecords, say } from "../ui.js";
import { reportControl } from "./moderation.js";

const TIMED = new Set(["audio", "video"]);

function mine(comment) {
  return session.me && session.me.id === comment.author.id;
}

/** The player of the page (audio or video), if any. */
function player() {
  return document.querySelector(".stage .media");
}

function seekTo(seconds) {
  const media = player();
  if (!media) return;
  media.currentTime = seconds;
  media.play?.().catch(() => {});
}

/**
 * The comments of a record or a collaboration: `subject` is {type: "record"|"collaboration", id,
 * owner_id, kind?, duration?}. Top-level comments oldest first, each with its first replies and a
 * "more replies" link; a form to comment, reply, edit and remove.
 */
export function commentsSection(subject) {
  const base = subject.type === "record" ? `/records/${subject.id}` : `/collaborations/${subject.id}`;
  const timed = subject.type === "record" && TIMED.has(subject.kind);
  const list = h("ol", { class: "comments" });
  const timeline = timed ? h("div", { class: "comment-timeline", role: "group", "aria-label": "Comments on the timeline" }) : null;
  const more = h("button", { type: "button", class: "more", hidden: true }, "More comments");
  const box = alertBox();
  let cursor = null;

  function pin(comment) {
    if (!timeline || comment.at_seconds === null || comment.status !== "visible") return;
    const length = subject.duration || Math.max(comment.at_seconds, 1);
    const left = Math.min(100, (comment.at_seconds / length) * 100);
    timeline.append(h("button", { type: "button", class: "pin", style: `left: ${left}%`,
      title: `${duration(comment.at_seconds)} — @${comment.author.handle}: ${comment.body}`,
      "aria-label": `At ${duration(comment.at_seconds)}, @${comment.author.handle}: ${comment.body}`,
      dataset: { at: String(comment.at_seconds) }, onclick: () => seekTo(comment.at_seconds) }));
  }

  function render(comment, thread) {
    const body = comment.status === "removed"
      ? h("p", { class: "tombstone" }, "Removed.")
      : h("p", { class: "comment-body" }, comment.body);
    const at = comment.at_seconds !== null
      ? h("button", { type: "button", class: "link at", onclick: () => seekTo(comment.at_seconds) }, duration(comment.at_seconds))
      : null;
    const item = h("li", { class: "comment", dataset: { commentId: comment.id, status: comment.status } },
      h("p", { class: "meta" }, memberLink(comment.author.handle), " · ", when(comment.created_at),
        comment.edited_at ? " · edited" : "", at ? " · at " : "", at),
      body);
    const tools = h("p", { class: "comment-tools" });
    item.append(tools);
    if (comment.status === "visible" && session.me) {
      if (thread) tools.append(h("button", { type: "button", class: "link reply", onclick: () => openForm(thread, item) }, "Reply"));
      if (mine(comment)) tools.append(h("button", { type: "button", class: "link edit", onclick: () => editForm(comment, item) }, "Edit"));
      if (mine(comment) || session.me.id === subject.owner_id) {
        tools.append(h("button", { type: "button", class: "link danger remove", onclick: () => remove(comment) }, "Remove"));
      }
    }
    if (comment.status === "visible" && !mine(comment)) item.append(reportControl({ type: "comment", id: comment.id }));
    pin(comment);
    return item;
  }

  function renderThread(thread) {
    const item = render(thread, thread);
    const replies = h("ol", { class: "replies" }, thread.replies.map((r) => render(r, thread)));
    item.append(replies);
    if (thread.reply_count > thread.replies.length) {
      const all = h("button", { type: "button", class: "link more-replies" }, `All ${thread.reply_count} replies`);
      all.addEventListener("click", async () => {
        all.disabled = true;
        try {
          const found = [];
          let next = null;
          do {
            const page = await api(`/comments/${thread.id}/replies`, { query: { cursor: next, limit: 100 } });
            found.push(...page.items);
            next = page.next_cursor;
          } while (next);
          replies.replaceChildren(...found.map((r) => render(r, thread)));
          all.remove();
        } catch (error) {
          say(humanError(error));
          all.disabled = false;
        }
      });
      item.append(all);
    }
    return item;
  }

  async function load() {
    more.disabled = true;
    try {
      const page = await api(`${base}/comments`, { query: { cursor } });
      list.append(...page.items.map(renderThread));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      box.show(error);
    } finally {
      more.disabled = false;
    }
  }

  function reload() {
    list.replaceChildren();
    timeline?.replaceChildren();
    cursor = null;
    return load();
  }

  function commentForm(label, { parent, initial = "", onSent }) {
    const text = h("textarea", { name: "body", required: true, maxlength: 5000, rows: 3 });
    text.value = initial;
    const pinned = timed && !parent && !initial ? h("input", { type: "checkbox", id: `pin-${subject.id}`, name: "pin" }) : null;
    const formBox = alertBox();
    const send = h("button", { type: "submit", class: "primary" }, label);
    const form = h("form", { class: parent ? "comment-form reply-form" : "comment-form" },
      field(parent ? "Your reply" : "Your comment", text, "Up to 5,000 characters; line breaks are kept."),
      pinned ? h("div", { class: "toggle" }, pinned, h("label", { for: pinned.id }, "Pin it to the player's current moment")) : null,
      formBox, send);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      formBox.hide();
      send.disabled = true;
      try {
        await onSent(text.value, pinned?.checked ? Math.round((player()?.currentTime || 0) * 1000) / 1000 : null);
        text.value = "";
        if (pinned) pinned.checked = false;
      } catch (error) {
        formBox.show(error);
      } finally {
        send.disabled = false;
      }
    });
    return form;
  }

  async function post(body, atSeconds, parentId) {
    const sent = { body };
    if (parentId) sent.parent_id = parentId;
    if (atSeconds !== null && atSeconds !== undefined) sent.at_seconds = atSeconds;
    await api(`${base}/comments`, { method: "POST", body: sent });
    say(parentId ? "Reply posted." : "Comment posted.");
    await reload();
  }

  function openForm(thread, item) {
    if (item.querySelector(":scope > form.reply-form")) return;
    const form = commentForm("Reply", { parent: thread.id, onSent: (body) => post(body, null, item.dataset.commentId) });
    item.append(form);
    form.querySelector("textarea").focus();
  }

  function editForm(comment, item) {
    if (item.querySelector(":scope > form.comment-form")) return;
    const form = commentForm("Save", { parent: comment.parent_id, initial: comment.body, onSent: async (body) => {
      await api(`/comments/${comment.id}`, { method: "PATCH", body: { body } });
      say("Comment edited.");
      await reload();
    } });
    item.append(form);
  }

  async function remove(comment) {
    if (!window.confirm("Remove this comment? Its replies stay.")) return;
    try {
      await api(`/comments/${comment.id}`, { method: "DELETE" });
      say("Comment removed.");
      await reload();
    } catch (error) {
      say(humanError(error));
    }
  }

  more.addEventListener("click", load);
  const writable = subject.type === "collaboration" || subject.status === "ready";
  const form = session.me && writable
    ? commentForm("Comment", { onSent: (body, at) => post(body, at, null) })
    : h("p", { class: "hint" }, session.me ? "" : h("a", { href: "#/signin" }, "Sign in to comment."));
  const section = h("section", { class: "comments-section", "aria-label": "Comments" },
    h("h2", {}, `Comments${subject.count !== undefined ? ` (${subject.count})` : ""}`), list, box, more, form);
  section.timeline = timeline; // the page puts it under its player (null for other subjects)
  section.ready = load();
  return section;
}

/** The player with the comments' timeline under it (a video gets a player box around it). */
export function withTimeline(view, timeline) {
  if (!timeline) return view;
  if (view.classList?.contains("player")) return view.append(timeline), view;
  return h("div", { class: "player" }, view, timeline);
}

/** Follow / Following on a member's page (a real toggle button with aria-pressed). */
export function followButton(member) {
  const count = h("span", { class: "count" }, String(member.follower_count));
  const followers = h("span", { class: "followers" }, count, " followers");
  if (!session.me || session.me.id === member.id) return followers;
  const button = h("button", { type: "button", class: "follow", "aria-pressed": String(!!member.followed_by_me) },
    member.followed_by_me ? "Following" : "Follow");
  button.addEventListener("click", async () => {
    const following = button.getAttribute("aria-pressed") === "true";
    button.disabled = true;
    try {
      const state = await api(`/members/${member.handle}/follow`, { method: following ? "DELETE" : "PUT" });
      button.setAttribute("aria-pressed", String(state.following));
      button.textContent = state.following ? "Following" : "Follow";
      count.textContent = String(state.follower_count);
      say(state.following ? `You follow @${member.handle}.` : `You no longer follow @${member.handle}.`);
    } catch (error) {
      say(humanError(error));
    } finally {
      button.disabled = false;
    }
  });
  return h("span", { class: "follow-area" }, button, " ", followers);
}

/** The following feed: ready records of the members you follow, newest first. */
export async function followingView() {
  const gate = needsMember("Following");
  if (gate) return gate;
  const records = pagedRecords((cursor) => api("/me/feed", { query: { cursor } }),
    "Nothing yet. Follow members from their pages, and their records show up here.");
  await records.ready;
  return h("section", { class: "following" }, h("h1", {}, "Following"),
    h("p", { class: "hint" }, "Records of the members you follow, newest first."), records);
}
