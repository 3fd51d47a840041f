// Trust and safety on the site: a "Report" action (records, comments, members), the owner's view of a
// hidden or disabled record with its reason and an appeal or counter-notice form, and the moderators'
// page (#/moderation: the report queue with its actions, and the appeals).

import { api } from "../api.js";
import { session } from "../auth.js";
import { h } from "../dom.js";
import { when } from "../format.js";
import { alertBox, say } from "../ui.js";

const REASONS = ["spam", "harassment", "hate", "sexual", "violence", "copyright", "privacy", "other"];

function isModerator() {
  return (session.groups || []).includes("moderator") || (session.groups || []).includes("admin");
}

/** A "Report" disclosure for a subject `{type, id}`: reason, details, and an e-mail when signed out. */
export function reportControl(subject, label = "Report") {
  const box = alertBox();
  const reason = h("select", { name: "reason", "aria-label": "Reason" },
    REASONS.map((r) => h("option", { value: r }, r)));
  const body = h("textarea", { name: "body", maxlength: 2000, rows: 3, "aria-label": "What is wrong (optional)" });
  const email = session.token ? null
    : h("input", { type: "email", name: "email", required: true, "aria-label": "Your e-mail address" });
  const form = h("form", { class: "report-form" }, h("label", {}, "Reason ", reason),
    h("label", {}, "Details ", body), email ? h("label", {}, "E-mail ", email) : null,
    h("button", { type: "submit" }, "Send report"), box);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/reports", { method: "POST", body: { subject, reason: reason.value, body: body.value || null,
        ...(email ? { email: email.value } : {}) } });
      form.replaceChildren(h("p", { class: "hint", role: "status" }, "Thank you: a moderator will look at it."));
      say("Report sent");
    } catch (error) {
      box.show(error);
    }
  });
  return h("details", { class: "report" }, h("summary", {}, label), form);
}

/** The owner's (or a moderator's) view of why a record is moderated, with an appeal or counter-notice form. */
export function moderationPanel(record) {
  const m = record.moderation;
  if (!m) return null;
  const box = alertBox();
  const title = m.state === "copyright_disabled" ? "Disabled after a copyright notice"
    : m.state === "hidden" ? "Hidden by a moderator" : "Removed by a moderator";
  const panel = h("section", { class: "moderation-panel", role: "region", "aria-label": "Moderation" },
    h("h2", {}, title), m.reason ? h("p", { class: "reason" }, m.reason) : null, box);
  if (m.action_id) {
    const text = h("textarea", { name: "appeal", required: true, maxlength: 5000, rows: 3, "aria-label": "Your appeal" });
    const form = h("form", { class: "appeal-form" }, h("label", {}, "Appeal this decision ", text),
      h("button", { type: "submit" }, "Send appeal"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api(`/moderation/actions/${m.action_id}/appeal`, { method: "POST", body: { body: text.value } });
        form.replaceChildren(h("p", { role: "status" }, "Appeal sent: a moderator will decide it."));
      } catch (error) { box.show(error); }
    });
    panel.append(form);
  }
  if (m.notice_id) {
    const input = (name, label) => h("label", {}, `${label} `, h("input", { name, required: true }));
    const check = (name, label) => h("label", {}, h("input", { type: "checkbox", name, required: true }), ` ${label}`);
    const form = h("form", { class: "counter-form" },
      h("p", { class: "hint" }, "A counter-notice (17 U.S.C. §512(g)) is forwarded to the complainant; the record "
        + "comes back after 10 business days unless they sue."),
      input("name", "Full name"), input("address", "Address"), input("phone", "Phone"), input("signature", "Signature"),
      check("statement", "I swear under penalty of perjury that the record was disabled by mistake or misidentification"),
      check("consent_to_jurisdiction", "I consent to the jurisdiction of the federal court for my address"),
      check("accept_service", "I accept service of process from the complainant"),
      h("button", { type: "submit" }, "Send counter-notice"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form));
      try {
        const made = await api(`/copyright/notices/${m.notice_id}/counter`, { method: "POST", body: {
          name: data.name, address: data.address, phone: data.phone, signature: data.signature,
          statement: true, consent_to_jurisdiction: true, accept_service: true } });
        form.replaceChildren(h("p", { role: "status" }, `Counter-notice sent: restored from ${made.restore_on}.`));
      } catch (error) { box.show(error); }
    });
    panel.append(form);
  }
  return panel;
}

function subjectLink(subject) {
  const href = { record: `#/records/${subject.id}`, collaboration: `#/collaborations/${subject.id}`,
    production: `#/productions/${subject.id}` }[subject.type];
  const text = `${subject.type} ${subject.id}`;
  return href ? h("a", { href }, text) : h("span", {}, text);
}

function actionsFor(subject) {
  if (subject.type === "member") return ["suspend_member", "reinstate_member", "dismiss"];
  if (subject.type === "record") return ["hide", "restore", "remove", "dismiss"];
  return ["dismiss"];
}

function reportRow(report, onDone) {
  const box = alertBox();
  const action = h("select", { name: "action", "aria-label": "Action" },
    actionsFor(report.subject).map((a) => h("option", { value: a }, a.replace(/_/g, " "))));
  const reason = h("textarea", { name: "reason", required: true, maxlength: 2000, rows: 2,
    "aria-label": "Statement of reasons (sent to the member)" });
  const form = h("form", { class: "action-form" }, action, reason, h("button", { type: "submit" }, "Act"), box);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/moderation/actions", { method: "POST", body: { subject: report.subject, action: action.value,
        reason: reason.value, report_ids: [report.id] } });
      say("Done: the report is closed");
      onDone();
    } catch (error) { box.show(error); }
  });
  return h("li", { class: "report-item", dataset: { reportId: report.id } },
    h("p", {}, h("strong", {}, report.reason), " on ", subjectLink(report.subject), " — ",
      report.reporter ? `by ${report.reporter.handle}` : `by ${report.email}`, `, ${when(report.created_at)}`),
    report.body ? h("p", { class: "report-body" }, report.body) : null,
    report.status === "open" ? form : h("p", { class: "hint" }, `Closed ${when(report.closed_at)}`));
}

function appealRow(appeal, onDone) {
  const box = alertBox();
  const decision = h("select", { name: "decision", "aria-label": "Decision" },
    h("option", { value: "upheld" }, "upheld"), h("option", { value: "reversed" }, "reversed (undo the action)"));
  const reason = h("textarea", { name: "reason", required: true, maxlength: 2000, rows: 2, "aria-label": "Reason" });
  const form = h("form", { class: "decide-form" }, decision, reason, h("button", { type: "submit" }, "Decide"), box);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(`/moderation/appeals/${appeal.id}/decide`, { method: "POST",
        body: { decision: decision.value, reason: reason.value } });
      say("Appeal decided");
      onDone();
    } catch (error) { box.show(error); }
  });
  return h("li", { class: "appeal-item" }, h("p", {}, `Appeal of action ${appeal.action_id}, ${when(appeal.created_at)}`),
    h("p", {}, appeal.body), appeal.status === "open" ? form : h("p", {}, `Decided: ${appeal.decision}`));
}

/** #/moderation: the queue (open reports, oldest first) and the open appeals. */
export async function moderationView() {
  if (!session.token || !isModerator()) {
    return h("section", {}, h("h1", {}, "Moderation"),
      h("p", {}, "This page is for moderators. Sign in with an account in the moderator group."));
  }
  const reports = h("ol", { class: "reports" });
  const appeals = h("ol", { class: "appeals" });
  async function load() {
    const [queue, open] = await Promise.all([api("/moderation/reports", { query: { limit: 100 } }),
      api("/moderation/appeals", { query: { limit: 100 } })]);
    reports.replaceChildren(...(queue.items.length ? queue.items.map((r) => reportRow(r, load))
      : [h("li", { class: "empty" }, "No open reports.")]));
    appeals.replaceChildren(...(open.items.length ? open.items.map((a) => appealRow(a, load))
      : [h("li", { class: "empty" }, "No open appeals.")]));
  }
  await load();
  return h("section", { class: "moderation" }, h("h1", {}, "Moderation"),
    h("h2", {}, "Open reports"), reports, h("h2", {}, "Open appeals"), appeals);
}
