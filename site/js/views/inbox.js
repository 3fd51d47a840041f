// The inbox: a member's notifications (newest first, "Unread only") and marking them read. The
// unread badge in the top bar is in ../topbar.js.

import { api } from "../api.js";
import { h } from "../dom.js";
import { when } from "../format.js";
import { refreshBadge } from "../topbar.js";
import { humanError, memberLink, needsMember, pagedList, say } from "../ui.js";

const SUBJECT_LINKS = {
  record: (s) => `#/records/${s.id}`,
  collaboration: (s) => `#/collaborations/${s.id}`,
  member: (s) => `#/members/${s.title || s.id}`,
  production: (s) => `#/productions/${s.id}`,
  statement: (s) => `#/statements/${s.id}`,
};

function subjectLink(subject) {
  const href = SUBJECT_LINKS[subject.type]?.(subject);
  const label = subject.title || subject.type;
  return href ? h("a", { href }, label) : h("span", {}, label);
}

function who(note) {
  return note.actor?.handle ? memberLink(note.actor.handle) : h("span", {}, "Someone");
}

/** One notification in words. */
function sentence(note) {
  const subject = subjectLink(note.subject);
  switch (note.type) {
    case "remixed": return [who(note), " remixed your work: ", subject];
    case "hearted": return note.count > 1
      ? [`${note.count} members hearted `, subject, " today (latest: ", who(note), ")"]
      : [who(note), " hearted ", subject];
    case "commented": return [who(note), " commented on ", subject];
    case "replied": return [who(note), " replied to your comment on ", subject];
    case "followed": return [who(note), " followed you"];
    case "contributed": return ["Your work is part of ", subject];
    case "proposal_opened": return ["A payment proposal opened: ", subject];
    case "objection_answered": return ["Your objection was answered: ", subject];
    case "grant_requested": return ["A grant is asked for: ", subject];
    case "statement_ready": return ["Your royalty statement is ready: ", subject];
    case "payout_sent": return ["A payout was sent: ", subject];
    case "payout_failed": return ["A payout failed: ", subject, ". Check your payout account."];
    case "moderation": return ["A moderator acted on ", subject, note.detail?.reason ? `: ${note.detail.reason}` : ""];
    case "report_closed": return ["Your report was closed: ", subject];
    case "export_ready": return ["Your data export is ready: ", subject];
    default: return [note.type.replace(/_/g, " "), ": ", subject];
  }
}

export async function inboxView({ query }) {
  const missing = needsMember("Inbox");
  if (missing) return missing;
  const unreadOnly = query.get("unread") === "true";
  async function markRead(ids) {
    const { unread } = await api("/me/notifications/read", { method: "POST", body: ids ? { ids } : {} });
    refreshBadge();
    return unread;
  }

  function item(note) {
    const entry = h("li", { class: `notification${note.read ? "" : " unread"}`, dataset: { type: note.type, id: note.id } },
      h("p", {}, ...sentence(note)),
      h("p", { class: "meta" }, h("time", { datetime: note.created_at }, when(note.created_at)),
        note.read ? null : h("span", { class: "sr" }, " (unread)")));
    if (!note.read) {
      const button = h("button", { type: "button", class: "link mark-read" }, "Mark read");
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await markRead([note.id]);
          entry.classList.remove("unread");
          entry.querySelector(".sr")?.remove();
          button.remove();
          say("Marked read.");
        } catch (error) {
          say(humanError(error));
          button.disabled = false;
        }
      });
      entry.append(button);
    }
    return entry;
  }

  const notes = pagedList(
    (cursor) => api("/me/notifications", { query: { unread: unreadOnly ? "true" : "", cursor, limit: 30 } }), item,
    { tag: "ol", className: "notifications", empty: unreadOnly ? "Nothing unread." : "No notifications yet. "
      + "When someone remixes, hearts, comments on or follows your work, you will hear of it here." });

  const all = h("button", { type: "button", class: "mark-all" }, "Mark all read");
  all.addEventListener("click", async () => {
    all.disabled = true;
    try {
      const unread = await markRead(null);
      for (const entry of notes.querySelectorAll("li.unread")) {
        entry.classList.remove("unread");
        entry.querySelector(".mark-read")?.remove();
        entry.querySelector(".sr")?.remove();
      }
      say(unread ? `Marked read; ${unread} still unread.` : "Everything is read.");
    } catch (error) {
      say(humanError(error));
    } finally {
      all.disabled = false;
    }
  });
  const section = h("section", { class: "inbox" },
    h("h1", {}, "Inbox"),
    h("nav", { class: "filters", "aria-label": "Which notifications" }, h("ul", {},
      h("li", {}, h("a", { href: "#/inbox", "aria-current": unreadOnly ? null : "true" }, "All")),
      h("li", {}, h("a", { href: "#/inbox?unread=true", "aria-current": unreadOnly ? "true" : null }, "Unread only")))),
    h("p", {}, all),
    notes);
  await notes.ready;
  return section;
}
