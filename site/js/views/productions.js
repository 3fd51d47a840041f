// Productions: what gets sold, its totals to date, and the split of its contributor pool.

import { api } from "../api.js";
import { isProducer, session } from "../auth.js";
import { h } from "../dom.js";
import { monthName, money, percent, periodOf, when } from "../format.js";
import { splitChart } from "../splits.js";
import { memberLink } from "../ui.js";

const DRAFTS_KEY = "remixery.drafts"; // drafts are listed nowhere public: this browser remembers its own

export function rememberedDrafts() {
  try {
    return JSON.parse(localStorage.getItem(DRAFTS_KEY) || "[]");
  } catch {
    return [];
  }
}

export function remember(production) {
  const drafts = rememberedDrafts().filter((d) => d.id !== production.id);
  drafts.unshift({ id: production.id, title: production.title, sub: session.sub });
  localStorage.setItem(DRAFTS_KEY, JSON.stringify(drafts.slice(0, 50)));
}

/** For a producer: "New production" and the drafts this browser made (drafts are listed nowhere). */
function producerBar() {
  if (!session.me || !isProducer()) return null;
  const drafts = rememberedDrafts().filter((d) => d.sub === session.sub);
  return h("div", { class: "producer-bar" },
    h("a", { class: "button primary", href: "#/productions/new" }, "New production"),
    drafts.length ? h("details", {}, h("summary", {}, `Your drafts and proposals (${drafts.length})`),
      h("ul", {}, drafts.map((d) => h("li", {}, h("a", { href: `#/productions/${d.id}/manage` }, d.title))))) : null);
}

/** What "to date" means here: today's month has not closed yet. */
function asOf() {
  return `to date, including ${monthName(periodOf())}, which has not closed yet`;
}

export async function productionsView() {
  const [page, proposed] = await Promise.all([api("/productions", { query: { limit: 50 } }),
    api("/productions", { query: { limit: 50, status: "proposed" } })]);
  return h("section", {},
    h("h1", {}, "Productions"),
    h("p", { class: "lede" }, "Released work made from the community's records. Every sale is shared with the contributors and, through the remix tree, with what they built on."),
    producerBar(),
    page.items.length ? h("ul", { class: "rows" }, page.items.map((p) => h("li", {},
      h("h2", {}, h("a", { href: `#/productions/${p.id}` }, p.title)),
      h("p", { class: "meta" }, `${p.format} · by `, memberLink(p.producer.handle), ` · released ${when(p.released_at)}`),
      h("p", {}, `Net ${money(p.totals.net.amount, p.currency)} · contributor pool ${money(p.totals.contributor_pool.amount, p.currency)}`,
        h("span", { class: "as-of" }, asOf())))))
      : h("p", { class: "empty" }, "No released productions yet."),
    proposed.items.length ? [h("h2", {}, "Payment proposals open for objections"),
      h("p", {}, "Before a production is released, its producer publishes how it will pay. Anyone may object while the window is open."),
      h("ul", { class: "rows proposals" }, proposed.items.map((p) => h("li", {},
        h("h3", {}, h("a", { href: `#/productions/${p.id}/proposal` }, p.title)),
        h("p", { class: "meta" }, `${p.format} · by `, memberLink(p.producer.handle)))))] : null);
}

function totalsTable(production) {
  const t = production.totals;
  const rows = [["Gross sales", t.gross], ["Refunds", t.refunds], ["Disputes", t.disputes], ["Costs", t.costs],
    ["Net", t.net], ["Contributor pool", t.contributor_pool],
    ["Already on statements", t.allocated, production.allocated_through
      ? `the pool through ${monthName(production.allocated_through)}, the last month that closed`
      : production.status === "released" ? "Nothing is on a statement yet: no month has closed since its release"
        : "Nothing is on a statement before its release"]];
  return h("table", { class: "totals" }, h("caption", {}, `Totals ${asOf()}`),
    h("tbody", {}, rows.map(([label, value, note]) => h("tr", {}, h("th", { scope: "row" }, label, note ? h("span", { class: "as-of" }, note) : null),
      h("td", { class: "num" }, money(value.amount, value.currency))))));
}

export async function productionView({ params: [id] }) {
  const [production, splits] = await Promise.all([api(`/productions/${id}`), api(`/productions/${id}/splits`)]);
  return h("section", { class: "production" },
    h("h1", {}, production.title),
    h("p", { class: "meta" }, `${production.format} · ${production.status} · by `, memberLink(production.producer.handle),
      production.released_at ? ` · released ${when(production.released_at)}` : ""),
    h("p", {}, `Contributors share ${percent(production.contributor_share_bps)} of net sales; each record passes ${percent(production.upstream_share_bps)} of what it receives to the records it remixed.`,
      production.status === "released" ? " The lineage is frozen as it was at release."
        : production.status === "proposed" ? " Under a payment proposal: the lineage is frozen as its last revision froze it."
          : " A draft: the split previews today's lineage."),
    session.me?.id === production.producer.id ? h("p", {}, h("a", { class: "button primary", href: `#/productions/${production.id}/manage` }, "Manage contributions, costs and the ledger")) : null,
    production.status === "draft" ? null : h("p", { class: "proposal-links" },
      h("a", { class: "button", href: `#/productions/${production.id}/proposal` },
        production.status === "proposed" ? "Payment proposal: object or follow it" : "Its payment proposal"), " ",
      h("a", { class: "button", href: `#/productions/${production.id}/credits` }, "Credits")),
    totalsTable(production),
    h("h2", {}, "Split"),
    h("p", { class: "explain" }, `These amounts split the pool ${asOf()}. Statements are made when a month closes, from what was in the pool then: `,
      `a member's share here can be ahead of their statement until ${monthName(periodOf())} closes, and then it reaches the statement for that month.`),
    splitChart(splits));
}
