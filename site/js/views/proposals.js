// Payment proposals: how a production will pay, open for objections for a window; its producer
// answers each objection and releases once the window closed. And a production's credits page.

import { api } from "../api.js";
import { session } from "../auth.js";
import { field, h } from "../dom.js";
import { percent, when } from "../format.js";
import { splitChart } from "../splits.js";
import { alertBox, memberLink, navigate, say } from "../ui.js";

const KINDS = {
  missing_source: "A source is missing", missing_contribution: "A contribution is missing", weight: "A weight is wrong",
  credit: "A credit is wrong", licence: "A licence question", other: "Something else",
};
const MISSING = {
  proposal: "the payment proposal is not open", window_open: "the window for objections is still open",
  objections_unanswered: "some objections have no answer yet", grants: "some records still need their owner's commercial grant",
};

/** "13 days 4 hours", "5 minutes 3 seconds": what is left of a window. */
function left(milliseconds) {
  const total = Math.max(0, Math.round(milliseconds / 1000));
  const units = [[Math.floor(total / 86400), "day"], [Math.floor((total % 86400) / 3600), "hour"],
    [Math.floor((total % 3600) / 60), "minute"], [total % 60, "second"]];
  const first = units.findIndex(([n]) => n > 0);
  if (first < 0) return "0 seconds";
  return units.slice(first, first + 2).filter(([n]) => n > 0).map(([n, name]) => `${n} ${name}${n === 1 ? "" : "s"}`).join(" ");
}

function countdown(proposal) {
  const closes = new Date(proposal.closes_at).getTime();
  const box = h("p", { class: "countdown", dataset: { closesAt: proposal.closes_at } });
  let shown = false;
  const tick = () => {
    if (shown && !box.isConnected) return; // the page changed
    shown = shown || box.isConnected;
    const rest = closes - Date.now();
    box.dataset.open = String(rest > 0);
    box.textContent = rest > 0 ? `Open for objections for ${left(rest)} more (until ${when(proposal.closes_at)}).`
      : `The window for objections closed on ${when(proposal.closes_at)}.`;
    if (rest > 0) setTimeout(tick, 1000);
  };
  tick();
  return box;
}

function changesTable(changes) {
  if (!changes.length) return h("p", { class: "empty" }, "No revisions yet: this is the first proposal.");
  const what = (c) => (c.field === "contribution" ? (c.before === null ? "contribution added" : "contribution removed")
    : c.field === "weight" ? "weight changed" : c.field.replace(/_bps$/, "").replace(/_/g, " "));
  const value = (c, v) => (v === null ? "—" : c.field.endsWith("_bps") ? percent(v) : String(v));
  return h("table", { class: "changes" }, h("caption", {}, "What each revision changed"),
    h("thead", {}, h("tr", {}, ["Revision", "When", "Change", "Record", "Before", "After"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, changes.map((c) => h("tr", {},
      h("td", { class: "num" }, String(c.revision)), h("td", {}, when(c.at)), h("td", {}, what(c)),
      h("td", {}, c.record_id ? h("a", { href: `#/records/${c.record_id}` }, c.record_id) : "—"),
      h("td", { class: "num" }, value(c, c.before)), h("td", { class: "num" }, value(c, c.after))))));
}

function answerForm(production, objection) {
  const decision = h("select", { name: "decision" },
    h("option", { value: "accepted" }, "Accept"), h("option", { value: "declined" }, "Decline"));
  const body = h("textarea", { name: "body", required: true, maxlength: 5000, rows: 2 });
  const box = alertBox();
  const form = h("form", { class: "answer-form" }, field("Decision", decision), field("Your answer, on the record", body),
    h("button", { type: "submit", class: "primary" }, "Answer"), box);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(`/productions/${production.id}/proposal/objections/${objection.id}/answer`, {
        method: "POST", body: { decision: decision.value, body: body.value } });
      say("Answered.");
      navigate(location.hash);
    } catch (error) {
      box.show(error);
    }
  });
  return form;
}

function objectionItem(production, objection, mine) {
  const answer = objection.answer;
  return h("li", { class: "objection", dataset: { objectionId: objection.id, answered: String(Boolean(answer)) } },
    h("p", { class: "meta" }, h("strong", {}, KINDS[objection.kind] || objection.kind), " · by ",
      memberLink(objection.author.handle), ` · ${when(objection.created_at)} · revision ${objection.revision}`,
      objection.record_id ? [" · about ", h("a", { href: `#/records/${objection.record_id}` }, "this record")] : null),
    h("p", { class: "body" }, objection.body),
    answer ? h("p", { class: `answer ${answer.decision}` }, h("strong", {}, answer.decision === "accepted" ? "Accepted" : "Declined"),
      ` by the producer (${when(answer.answered_at)}): `, answer.body)
      : mine ? answerForm(production, objection) : h("p", { class: "hint" }, "Waiting for the producer's answer."));
}

function objectForm(production) {
  const kind = h("select", { name: "kind" }, Object.entries(KINDS).map(([value, label]) => h("option", { value }, label)));
  const record = h("input", { name: "record_id", maxlength: 64, autocomplete: "off", placeholder: "optional" });
  const body = h("textarea", { name: "body", required: true, maxlength: 5000, rows: 3 });
  const box = alertBox();
  const form = h("form", { class: "objection-form" }, h("h3", {}, "Object to this proposal"),
    field("What is it about?", kind), field("Record id", record, "The record it concerns, if one does (from its page's address)."),
    field("Your objection", body), h("button", { type: "submit", class: "primary" }, "Send the objection"), box);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(`/productions/${production.id}/proposal/objections`, {
        method: "POST", body: { kind: kind.value, body: body.value, ...(record.value.trim() ? { record_id: record.value.trim() } : {}) } });
      say("Your objection is on the record; the producer answers each one before release.");
      navigate(location.hash);
    } catch (error) {
      box.show(error);
    }
  });
  return form;
}

function releaseButton(production) {
  const box = alertBox();
  const button = h("button", { type: "button", class: "primary release" }, "Release the production");
  button.addEventListener("click", async () => {
    box.hide();
    try {
      await api(`/productions/${production.id}/release`, { method: "POST" });
      say("Released: it pays exactly as this proposal says.");
      navigate(`#/productions/${production.id}`);
    } catch (error) {
      const missing = error.problem?.missing;
      if (missing?.length) {
        box.textContent = `Not yet: ${missing.map((m) => MISSING[m] || m).join("; ")}.`;
        box.hidden = false;
      } else box.show(error);
    }
  });
  return h("div", { class: "actions" }, button, box);
}

export async function proposalView({ params: [id] }) {
  const [production, proposal, objections] = await Promise.all([
    api(`/productions/${id}`), api(`/productions/${id}/proposal`),
    api(`/productions/${id}/proposal/objections`, { query: { limit: 100 } })]);
  if (proposal.status === "freezing") return freezingView(id, production);
  const mine = session.me?.id === production.producer.id || session.groups?.includes("admin");
  const open = proposal.status === "proposed";
  const notional = { pool: { amount: proposal.pool, currency: production.currency }, ...proposal.split };
  return h("section", { class: "proposal", dataset: { productionId: id, status: proposal.status, revision: String(proposal.revision) } },
    h("h1", {}, `Payment proposal: ${production.title}`),
    h("p", { class: "meta" }, `Revision ${proposal.revision} · opened ${when(proposal.opened_at)}`,
      proposal.revision > 1 ? ` · revised ${when(proposal.revised_at)}` : "", " · by ", memberLink(production.producer.handle),
      " · ", h("a", { href: `#/productions/${id}` }, "the production"), " · ", h("a", { href: `#/productions/${id}/credits` }, "credits")),
    open ? countdown(proposal) : h("p", { class: "countdown" }, "Released: this is the proposal it pays by."),
    h("p", {}, `Contributors share ${percent(proposal.contributor_share_bps)} of net sales; each record passes `,
      `${percent(proposal.upstream_share_bps)} of what it receives to the records it remixed. The split below is over a notional pool, `,
      "to show each share; what a month pays scales with the real pool."),
    proposal.missing_grants.length ? h("div", { class: "missing-grants" },
      h("h2", {}, "Commercial grants still missing"),
      h("p", {}, "These records carry a non-commercial licence: their owners grant this production commercial use before it can be released."),
      h("ul", {}, proposal.missing_grants.map((r) => h("li", {}, h("a", { href: `#/records/${r}` }, r))))) : null,
    h("h2", {}, "Split"), splitChart(notional),
    h("h2", {}, "Changes"), changesTable(proposal.changes),
    h("h2", {}, `Objections (${proposal.objections.open} open, ${proposal.objections.answered} answered)`),
    objections.items.length ? h("ul", { class: "objections" }, objections.items.map((o) => objectionItem(production, o, mine && open)))
      : h("p", { class: "empty" }, "No objections yet."),
    open && new Date(proposal.closes_at).getTime() > Date.now()
      ? (session.me ? objectForm(production) : h("p", {}, h("a", { href: "#/signin" }, "Sign in"), " to object."))
      : null,
    mine && open ? releaseButton(production) : null);
}

/** Asked for, not yet published: the lineage is frozen in the background; the page looks again shortly. */
function freezingView(id, production) {
  const here = `#/productions/${id}/proposal`;
  setTimeout(() => { if (location.hash === here) navigate(here); }, 2000);
  return h("section", { class: "proposal", dataset: { productionId: id, status: "freezing" } },
    h("h1", {}, `Payment proposal: ${production.title}`),
    h("p", { class: "countdown" }, "Freezing the contributions and their lineage: the proposal is published, and its ",
      "window for objections opens, as soon as that is done."));
}

export async function creditsView({ params: [id] }) {
  const production = await api(`/productions/${id}`);
  const list = h("ol", { class: "credits" });
  const more = h("button", { type: "button" }, "More credits");
  let cursor = null;
  async function load() {
    const page = await api(`/productions/${id}/credits`, { query: { limit: 100, cursor } });
    list.append(...page.items.map((c) => h("li", { dataset: { recordId: c.record_id, depth: String(c.depth) } },
      h("a", { href: `#/records/${c.record_id}` }, c.title), ` by @${c.owner_handle}, `,
      h("a", { href: c.licence_url, rel: "license" }, c.licence), c.depth ? ` · ${c.depth} step${c.depth === 1 ? "" : "s"} back` : " · contribution",
      h("p", { class: "attribution" }, c.attribution))));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener("click", load);
  await load();
  return h("section", { class: "credits-page" },
    h("h1", {}, `Credits: ${production.title}`),
    h("p", { class: "lede" }, "Every record this production builds on, contributions first, then what they remixed, with a line ready to print."),
    list, more);
}
