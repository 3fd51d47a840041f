// A member's royalty statements, and one period's lines with a CSV download.

import { api } from "../api.js";
import { h } from "../dom.js";
import { monthName, money } from "../format.js";
import { alertBox, needsMember } from "../ui.js";

export async function statementsView() {
  const blocked = needsMember("Statements");
  if (blocked) return blocked;
  const page = await api("/me/statements", { query: { limit: 100 } });
  return h("section", {},
    h("h1", {}, "Statements"),
    h("p", { class: "lede" }, "What your records earned in each royalty period, as of the day it closed (months close on the 1st, for the month before). ",
      "A balance under the minimum payout (", money(page.min_payout, page.items[0]?.currency || "USD"),
      `: ${page.min_payout.toLocaleString()} minor units of its currency) carries forward to the next month.`),
    page.items.length ? h("table", { class: "statements" },
      h("caption", {}, "Closed months, newest first"),
      h("thead", {}, h("tr", {}, ["Period", "Currency", "Opening", "Credits", "Closing", "Payout"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, page.items.map((row) => h("tr", {},
        h("th", { scope: "row" }, h("a", { href: `#/statements/${row.period}` }, monthName(row.period))),
        h("td", {}, row.currency),
        h("td", { class: "num" }, money(row.opening, row.currency)),
        h("td", { class: "num" }, money(row.credits, row.currency)),
        h("td", { class: "num" }, money(row.closing, row.currency)),
        h("td", { class: "num" }, row.payable ? money(row.payout, row.currency)
          : `carried forward (under ${money(page.min_payout, row.currency)})`)))))
      : h("p", { class: "empty" }, "No statements yet: they appear once a royalty period closes with credits for you."));
}

export async function periodView({ params: [period] }) {
  const blocked = needsMember(`Statement ${period}`);
  if (blocked) return blocked;
  const found = await api(`/me/statements/${period}`);
  const box = alertBox();
  const download = h("button", { type: "button", class: "primary", "aria-describedby": "csv-unit" }, "Download CSV");
  download.addEventListener("click", async () => {
    box.hide();
    try {
      const csv = await api(`/me/statements/${period}`, { accept: "text/csv" });
      const link = h("a", { href: URL.createObjectURL(new Blob([csv], { type: "text/csv" })), download: `remixery-statement-${period}.csv` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) {
      box.show(error);
    }
  });
  return h("section", {},
    h("h1", {}, `Statement for ${monthName(period)}`),
    h("p", {}, `As of the close of ${monthName(period)}. `, h("a", { href: "#/statements" }, "All statements")),
    found.statements.length ? [download, h("p", { class: "hint", id: "csv-unit" }, "In the CSV, amount is in integer minor units of its currency (cents for USD: 1250 is $12.50)."), box] : null,
    found.statements.length ? found.statements.map((st) => h("section", { class: "statement" },
      h("h2", {}, st.currency),
      h("p", {}, `Opening ${money(st.opening, st.currency)} + credits ${money(st.credits, st.currency)} = closing ${money(st.closing, st.currency)}. `,
        st.payable ? `Paid out: ${money(st.payout, st.currency)}.`
          : `Under the minimum payout of ${money(found.min_payout, st.currency)}: carried forward to the next month.`),
      h("table", { class: "lines" },
        h("caption", {}, "Lines"),
        h("thead", {}, h("tr", {}, ["Production", "Record", "Via", "Amount"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, st.lines.map((line) => h("tr", {},
          h("td", {}, h("a", { href: `#/productions/${line.production_id}` }, line.production_title)),
          h("td", {}, h("a", { href: `#/records/${line.record_id}` }, line.record_title)),
          h("td", {}, line.via),
          h("td", { class: "num" }, money(line.amount, st.currency))))))))
      : h("p", { class: "empty" }, "Nothing for you in this period."));
}
