// Productions: what gets sold, its totals to date, and the split of its contributor pool.

import { api } from "../api.js";
import { h } from "../dom.js";
import { money, percent, when } from "../format.js";
import { splitChart } from "../splits.js";
import { memberLink } from "../ui.js";

export async function productionsView() {
  const page = await api("/productions", { query: { limit: 50 } });
  return h("section", {},
    h("h1", {}, "Productions"),
    h("p", { class: "lede" }, "Released work made from the community's records. Every sale is shared with the contributors and, through the remix tree, with what they built on."),
    page.items.length ? h("ul", { class: "rows" }, page.items.map((p) => h("li", {},
      h("h2", {}, h("a", { href: `#/productions/${p.id}` }, p.title)),
      h("p", { class: "meta" }, `${p.format} · by `, memberLink(p.producer.handle), ` · released ${when(p.released_at)}`),
      h("p", {}, `Net ${money(p.totals.net.amount, p.currency)} · contributor pool ${money(p.totals.contributor_pool.amount, p.currency)}`))))
      : h("p", { class: "empty" }, "No released productions yet."));
}

function totalsTable(production) {
  const t = production.totals;
  const rows = [["Gross sales", t.gross], ["Refunds", t.refunds], ["Disputes", t.disputes], ["Costs", t.costs],
    ["Net", t.net], ["Contributor pool", t.contributor_pool], ["Allocated at the last closed period", t.allocated]];
  return h("table", { class: "totals" }, h("caption", {}, "Totals to date"),
    h("tbody", {}, rows.map(([label, value]) => h("tr", {}, h("th", { scope: "row" }, label),
      h("td", { class: "num" }, money(value.amount, value.currency))))));
}

export async function productionView({ params: [id] }) {
  const [production, splits] = await Promise.all([api(`/productions/${id}`), api(`/productions/${id}/splits`)]);
  return h("section", { class: "production" },
    h("h1", {}, production.title),
    h("p", { class: "meta" }, `${production.format} · ${production.status} · by `, memberLink(production.producer.handle),
      production.released_at ? ` · released ${when(production.released_at)}` : ""),
    h("p", {}, `Contributors share ${percent(production.contributor_share_bps)} of net sales; each record passes ${percent(production.upstream_share_bps)} of what it receives to the records it remixed.`,
      splits.frozen ? " The lineage is frozen as it was at release." : " A draft: the split previews today's lineage."),
    totalsTable(production),
    h("h2", {}, "Split"),
    splitChart(splits));
}
