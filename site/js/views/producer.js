// A producer's tools: create a production, pick its contributions (from a collaboration or a
// search) with weights and watch the split follow, book costs, read the ledger. Opening a payment
// proposal, answering objections and releasing live on the proposal page this links to.

import { api } from "../api.js";
import { isProducer, session } from "../auth.js";
import { field, h } from "../dom.js";
import { exponent, KIND_LABELS, money, percent, when } from "../format.js";
import { splitChart } from "../splits.js";
import { alertBox, humanError, navigate, say } from "../ui.js";
import { remember } from "./productions.js";

const FORMATS = ["book", "album", "film", "event", "merch", "other"];
function needsProducer(what) {
  if (session.token && session.me && isProducer()) return null;
  return h("section", {}, h("h1", {}, what),
    h("p", {}, "Producers make productions from the community's records. Sign in with the producer role to go on. ",
      h("a", { class: "button", href: `#/signin?next=${encodeURIComponent(location.hash)}` }, "Sign in")));
}

/** "12.50" in `currency` → 1250 minor units; NaN when it is not an amount of that currency. */
export function minorUnits(text, currency) {
  const digits = exponent(currency);
  const match = String(text).trim().match(digits ? new RegExp(`^(\\d+)(?:[.,](\\d{1,${digits}}))?$`) : /^(\d+)$/);
  if (!match) return NaN;
  return Number(match[1]) * 10 ** digits + Number((match[2] || "").padEnd(digits, "0") || 0);
}

// --- #/productions/new -----------------------------------------------------------------------

export async function newProductionView() {
  const blocked = needsProducer("New production");
  if (blocked) return blocked;
  const collaborations = await api("/collaborations", { query: { limit: 50 } }).catch(() => ({ items: [] }));
  const title = h("input", { name: "title", required: true, maxlength: 200, autocomplete: "off" });
  const format = h("select", { name: "format" }, FORMATS.map((f) => h("option", { value: f }, f[0].toUpperCase() + f.slice(1))));
  const currency = h("input", { name: "currency", required: true, value: "USD", maxlength: 3, pattern: "[A-Za-z]{3}", autocapitalize: "characters" });
  const contributors = h("input", { name: "contributor_share", type: "number", min: 0, max: 100, step: "0.01", value: 50 });
  const upstream = h("input", { name: "upstream_share", type: "number", min: 0, max: 100, step: "0.01", value: 20 });
  const collaboration = h("select", { name: "collaboration_id" }, h("option", { value: "" }, "None"),
    collaborations.items.map((c) => h("option", { value: c.id }, c.title)));
  const box = alertBox();
  const submit = h("button", { type: "submit", class: "primary" }, "Create the draft");
  const form = h("form", { class: "new-production" },
    field("Title", title), field("Format", format), field("Currency", currency, "ISO 4217, e.g. USD, EUR, JPY."),
    field("Contributors' share of net sales (%)", contributors, "Split over the contributions by weight."),
    field("Passed up the remix tree (%)", upstream, "What each record passes on to the records it remixed."),
    collaborations.items.length ? field("Collaboration (optional)", collaboration, "Its records are offered as contributions.") : null,
    box, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hide();
    submit.disabled = true;
    try {
      const body = { title: title.value.trim(), format: format.value, currency: currency.value.trim().toUpperCase(),
        contributor_share_bps: Math.round(Number(contributors.value) * 100), upstream_share_bps: Math.round(Number(upstream.value) * 100) };
      if (collaboration.value) body.collaboration_id = collaboration.value;
      const production = await api("/productions", { method: "POST", body });
      remember(production);
      say(`Draft “${production.title}” created.`);
      navigate(`#/productions/${production.id}/manage`);
    } catch (error) {
      box.show(error);
      submit.disabled = false;
    }
  });
  return h("section", {}, h("h1", {}, "New production"),
    h("p", { class: "lede" }, "A draft is yours alone until you open a payment proposal."), form);
}

// --- #/productions/{id}/manage ---------------------------------------------------------------

function contributionRow(entry, onChange, onRemove) {
  const weight = h("input", { type: "number", min: 1, max: 1000000, step: 1, value: entry.weight, name: `weight-${entry.record_id}`,
    "aria-label": `Weight of ${entry.title}` });
  weight.addEventListener("input", () => {
    const value = Number(weight.value);
    if (Number.isInteger(value) && value >= 1 && value <= 1000000) {
      entry.weight = value;
      onChange();
    }
  });
  const remove = h("button", { type: "button", class: "link", onclick: onRemove }, "Remove", h("span", { class: "sr" }, ` ${entry.title}`));
  return h("tr", { dataset: { recordId: entry.record_id } },
    h("th", { scope: "row" }, h("a", { href: `#/records/${entry.record_id}` }, entry.title)),
    h("td", {}, entry.owner ? `@${entry.owner}` : ""), h("td", { class: "num" }, weight), h("td", {}, remove));
}

function candidates(records, chosen, add) {
  if (!records.length) return h("p", { class: "empty" }, "Nothing found.");
  return h("ul", { class: "candidates" }, records.map((record) => {
    const taken = chosen.has(record.id);
    return h("li", {},
      h("span", {}, h("a", { href: `#/records/${record.id}` }, record.title), ` · ${KIND_LABELS[record.kind]} by @${record.owner.handle}`),
      h("button", { type: "button", disabled: taken, onclick: (event) => { event.target.disabled = true; add(record); } },
        taken ? "Added" : "Add", h("span", { class: "sr" }, ` ${record.title}`)));
  }));
}

function picker(production, chosen, add) {
  const results = h("div", { class: "results", "aria-live": "polite" });
  const show = async (load) => {
    results.replaceChildren(h("p", { class: "loading" }, "Loading…"));
    try {
      results.replaceChildren(candidates((await load()).items, chosen, add));
    } catch (error) {
      results.replaceChildren(h("p", { class: "alert", role: "alert" }, humanError(error)));
    }
  };
  const query = h("input", { type: "search", name: "q", maxlength: 100, autocomplete: "off", placeholder: "title or tag" });
  const search = h("form", { class: "search-records", role: "search" }, field("Search records", query),
    h("button", { type: "submit" }, "Search"));
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = query.value.trim();
    // GET /search/records where it exists; else the newest records.
    show(() => (q ? api("/search/records", { query: { q, limit: 20 } }).catch((error) => {
      if (error.status === 404 || error.status === 403) return api("/records", { query: { limit: 50 } });
      throw error;
    }) : api("/records", { query: { limit: 20 } })));
  });
  const fromCollaboration = production.collaboration_id
    ? h("button", { type: "button", onclick: () => show(() => api("/records", { query: { collaboration_id: production.collaboration_id, limit: 100 } })) },
      "Records of its collaboration")
    : null;
  if (production.collaboration_id) show(() => api("/records", { query: { collaboration_id: production.collaboration_id, limit: 100 } }));
  return h("section", { class: "picker" }, h("h2", {}, "Add contributions"), fromCollaboration, search, results);
}

export async function manageProductionView({ params: [id] }) {
  const blocked = needsProducer("Manage a production");
  if (blocked) return blocked;
  const [production, listed] = await Promise.all([api(`/productions/${id}`), api(`/productions/${id}/contributions`)]);
  if (session.me.id !== production.producer.id && !session.groups.includes("admin")) {
    return h("section", { class: "problem", role: "alert" }, h("h1", {}, "Not your production"),
      h("p", {}, "Only its producer manages it. ", h("a", { href: `#/productions/${id}` }, "See the production")));
  }
  remember(production);
  const titles = await Promise.all(listed.contributions.map((c) => api(`/records/${c.record_id}`).catch(() => null)));
  const entries = listed.contributions.map((c, i) => ({ ...c, title: titles[i]?.title || c.record_id, owner: titles[i]?.owner.handle }));
  const chosen = new Set(entries.map((e) => e.record_id));
  const editable = production.status !== "released";
  const draft = production.status === "draft";

  const box = alertBox();
  const splitBox = h("div", { class: "split-preview", "aria-live": "polite" });
  const rows = h("tbody");
  const saveState = h("p", { class: "hint save-state", "aria-live": "polite" });
  const save = h("button", { type: "button", class: "primary" }, draft ? "Save now" : "Save as a new revision");
  let timer;

  async function refreshSplit() {
    try {
      splitBox.replaceChildren(splitChart(await api(`/productions/${id}/splits`)));
    } catch (error) {
      splitBox.replaceChildren(h("p", { class: "alert", role: "alert" }, humanError(error)));
    }
  }
  async function persist() {
    box.hide();
    save.disabled = true;
    saveState.textContent = "Saving…";
    try {
      await api(`/productions/${id}/contributions`, { method: "PUT",
        body: { contributions: entries.map((e) => ({ record_id: e.record_id, weight: e.weight })) } });
      saveState.textContent = `Saved ${entries.length} contribution${entries.length === 1 ? "" : "s"}.`;
      await refreshSplit();
    } catch (error) {
      saveState.textContent = "";
      box.show(error);
    } finally {
      save.disabled = false;
    }
  }
  function changed() {
    render();
    saveState.textContent = draft ? "Unsaved changes: saving…" : "Unsaved changes.";
    clearTimeout(timer);
    if (draft) timer = setTimeout(persist, 500); // a draft saves as you go; a proposal revises only when asked
  }
  function render() {
    const total = entries.reduce((sum, e) => sum + e.weight, 0);
    rows.replaceChildren(...entries.map((entry, index) => {
      const row = contributionRow(entry, changed, () => { entries.splice(index, 1); chosen.delete(entry.record_id); changed(); });
      row.append(h("td", { class: "num" }, total ? percent(Math.round((entry.weight / total) * production.contributor_share_bps)) : "—"));
      return row;
    }));
  }
  save.addEventListener("click", persist);
  render();
  await refreshSplit();

  const table = h("table", { class: "contributions" },
    h("caption", {}, "Contributions and their weights"),
    h("thead", {}, h("tr", {}, ["Record", "Owner", "Weight", "", "Share of net"].map((c) => h("th", { scope: "col" }, c)))), rows);
  return h("section", { class: "manage-production", dataset: { productionId: id, status: production.status } },
    h("h1", {}, `Manage “${production.title}”`),
    h("p", { class: "meta" }, `${production.format} · ${production.status} · ${production.currency} · `,
      h("a", { href: `#/productions/${id}` }, "public page"), " · ",
      draft ? null : h("a", { href: `#/productions/${id}/proposal` }, "Proposal, objections and release")),
    draft ? proposeButton(id, entries) : null,
    editable ? [table, h("div", { class: "actions" }, save, saveState), box,
      picker(production, chosen, (record) => {
        chosen.add(record.id);
        entries.push({ record_id: record.id, weight: 1, title: record.title, owner: record.owner.handle });
        changed();
      })] : [table, h("p", { class: "hint" }, "Released: its contributions are fixed.")],
    h("h2", {}, "Split preview"),
    h("p", { class: "hint" }, `Over the pool to date (${money(production.totals.contributor_pool.amount, production.currency)}); before any sale every amount is 0 and the share column above says how the pool will go.`),
    splitBox,
    costForm(production),
    await ledger(production));
}

/** A draft with contributions opens its payment proposal: the window for objections starts now (a very large
 * lineage is frozen in the background first). */
function proposeButton(id, entries) {
  const box = alertBox();
  const button = h("button", { type: "button", class: "primary propose" }, "Open a payment proposal");
  button.addEventListener("click", async () => {
    box.hide();
    if (!entries.length) {
      box.show(new Error("Add at least one contribution first."));
      return;
    }
    button.disabled = true;
    try {
      const proposal = await api(`/productions/${id}/proposal`, { method: "POST" });
      say(proposal.status === "freezing"
        ? "The proposal is being frozen: its window for objections opens as soon as that is done."
        : "The proposal is open: members can object until its window closes.");
      navigate(`#/productions/${id}/proposal`);
    } catch (error) {
      box.show(error);
      button.disabled = false;
    }
  });
  return h("div", { class: "actions" }, h("p", { class: "hint" }, "When the contributions and weights are right, publish how it will pay."),
    button, box);
}

function costForm(production) {
  const amount = h("input", { name: "amount", required: true, inputmode: "decimal", autocomplete: "off", placeholder: "e.g. 120.00" });
  const description = h("input", { name: "description", required: true, maxlength: 500, autocomplete: "off" });
  const day = h("input", { name: "incurred_on", type: "date", required: true, value: new Date().toISOString().slice(0, 10) });
  const box = alertBox();
  const submit = h("button", { type: "submit" }, "Add the cost");
  const form = h("form", { class: "add-cost" },
    field(`Amount (${production.currency})`, amount, "Recouped from sales before the contributors' pool."),
    field("What it was", description), field("Incurred on", day), box, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hide();
    const minor = minorUnits(amount.value, production.currency);
    if (!(minor > 0)) {
      box.show(new Error(`Amount: write it in ${production.currency}, like 120.00.`));
      amount.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api(`/productions/${production.id}/costs`, { method: "POST",
        body: { amount: { amount: minor, currency: production.currency }, description: description.value.trim(), incurred_on: day.value } });
      say(`Cost of ${money(minor, production.currency)} booked.`);
      navigate(`#/productions/${production.id}/manage`);
    } catch (error) {
      box.show(error);
      submit.disabled = false;
    }
  });
  return h("section", {}, h("h2", {}, "Costs"), form);
}

async function ledger(production) {
  const rows = h("tbody");
  const more = h("button", { type: "button", class: "more", hidden: true }, "Load more");
  const box = alertBox();
  let cursor = null;
  const next = async () => {
    more.disabled = true;
    try {
      const page = await api(`/productions/${production.id}/ledger`, { query: { cursor, limit: 50 } });
      rows.append(...page.items.map((entry) => h("tr", {},
        h("td", {}, entry.period), h("td", {}, entry.kind.replace(/_/g, " ")),
        h("td", {}, entry.description || entry.provider || ""), h("td", {}, when(entry.event_time)),
        h("td", { class: "num" }, money(entry.amount.amount, entry.amount.currency)))));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      box.show(error);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", next);
  await next();
  return h("section", { class: "ledger" }, h("h2", {}, "Ledger"),
    h("table", { class: "ledger-table" }, h("caption", {}, "Every entry, oldest first; the period is the royalty month it counts in"),
      h("thead", {}, h("tr", {}, ["Period", "Kind", "What", "When", "Amount"].map((c) => h("th", { scope: "col" }, c)))), rows),
    rows.children.length ? null : h("p", { class: "empty" }, "No entries yet: sales, refunds and costs appear here."),
    box, more);
}
