// The split chart: who gets what of a production's contributor pool (GET /productions/{id}/splits),
// per member, and per record with what it keeps of its own contribution and what reaches it
// through the remix lineage.

import { h, s } from "./dom.js";
import { money } from "./format.js";

const WIDTH = 680;
const LABEL = 200;
const ROW = 30;
const BAR = 18;

function bars(rows, pool, currency, { stacked }) {
  const scale = (amount) => (pool > 0 ? (amount / pool) * (WIDTH - LABEL - 90) : 0);
  const height = rows.length * ROW + 8;
  const content = rows.map((row, index) => {
    const y = 4 + index * ROW;
    const parts = stacked
      ? [["contribution", row.contribution], ["lineage", row.lineage]]
      : [["member", row.amount]];
    let x = LABEL;
    const rects = parts.map(([part, amount]) => {
      const width = scale(amount);
      const rect = s("rect", { class: `bar ${part}`, x, y: y + (ROW - BAR) / 2 - 2, width: Math.max(width, 0), height: BAR, rx: 3,
        dataset: { part, amount: String(amount), ...(row.member ? { member: row.member.handle } : { recordId: row.record_id }) } },
      s("title", {}, `${row.label}: ${money(amount, currency)} ${part === "member" ? "" : `via ${part}`}`.trim()));
      x += width;
      return rect;
    });
    return s("g", { class: "row" },
      s("text", { x: LABEL - 8, y: y + ROW / 2 + 2, "text-anchor": "end", class: "label" }, row.label.length > 25 ? `${row.label.slice(0, 24)}…` : row.label),
      rects,
      s("text", { x: x + 6, y: y + ROW / 2 + 2, class: "value" }, money(row.amount, currency)));
  });
  // On a phone the chart keeps a readable size and scrolls sideways in its own box.
  return h("div", { class: "chart-scroll" }, s("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`, width: "100%", class: "bars", preserveAspectRatio: "xMinYMin meet",
    "aria-hidden": "true", focusable: "false" }, content));
}

export function splitChart(splits) {
  const { currency, amount: pool } = splits.pool;
  const members = [...splits.members].sort((a, b) => b.amount - a.amount)
    .map((m) => ({ ...m, label: `@${m.member.handle}` }));
  const records = [...splits.records].sort((a, b) => b.amount - a.amount)
    .map((r) => ({ ...r, label: r.title }));
  const table = h("table", { class: "split-table" },
    h("caption", {}, "Per record: its weight, what it keeps of its contribution, and what reaches it through lineage"),
    h("thead", {}, h("tr", {}, ["Record", "Owner", "Weight", "Contribution", "Lineage", "Total"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, records.map((r) => h("tr", { dataset: { recordId: r.record_id } },
      h("th", { scope: "row" }, h("a", { href: `#/records/${r.record_id}` }, r.title)),
      h("td", {}, `@${r.owner.handle}`),
      h("td", { class: "num" }, r.weight === null ? "lineage only" : String(r.weight)),
      h("td", { class: "num" }, money(r.contribution, currency)),
      h("td", { class: "num" }, money(r.lineage, currency)),
      h("td", { class: "num" }, money(r.amount, currency))))));
  const memberList = h("ul", { class: "sr" }, members.map((m) => h("li", {}, `${m.label}: ${money(m.amount, currency)}`)));
  return h("figure", { class: "split-chart", dataset: { pool: String(pool) } },
    h("figcaption", {}, `Who gets what of the ${money(pool, currency)} contributor pool`),
    pool > 0 ? null : h("p", { class: "hint" }, "Nothing to split yet: the pool grows with net sales."),
    h("h3", {}, "Members"), bars(members, pool, currency, { stacked: false }), memberList,
    h("h3", {}, "Records"),
    h("p", { class: "legend" }, h("span", { class: "swatch contribution" }), "its own contribution ",
      h("span", { class: "swatch lineage" }), "reached it through remixes of it"),
    bars(records, pool, currency, { stacked: true }),
    table);
}
