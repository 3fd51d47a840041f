// A member's payout account (Stripe Connect) and payout history.

import { api } from "../api.js";
import { h } from "../dom.js";
import { monthName, money, when } from "../format.js";
import { alertBox, needsMember } from "../ui.js";

const STATUS_TEXT = {
  none: "No payout account yet.",
  pending: "Onboarding not finished: Stripe still needs your details.",
  active: "Active: payouts are sent to your account.",
  restricted: "Restricted: Stripe has disabled payouts until it has what it asked for.",
};

const PAYOUT_TEXT = {
  held: "held until your payout account is active",
  pending: "on its way",
  paid: "paid",
  failed: "failed",
};

export async function payoutsView() {
  const blocked = needsMember("Payouts");
  if (blocked) return blocked;
  const [account, page] = await Promise.all([api("/me/payout-account"), api("/me/payouts", { query: { limit: 100 } })]);
  const held = page.items.filter((p) => p.status === "held");
  const box = alertBox();
  const connect = h("button", { type: "button", class: "primary" },
    account.status === "none" ? "Connect your payout account" : "Continue onboarding at Stripe");
  connect.addEventListener("click", async () => {
    box.hide();
    connect.disabled = true;
    try {
      const opened = await api("/me/payout-account", { method: "POST" });
      location.assign(opened.onboarding_url);
    } catch (error) {
      connect.disabled = false;
      box.show(error);
    }
  });
  const needsAction = account.status !== "active";
  return h("section", {},
    h("h1", {}, "Payouts"),
    h("p", { class: "lede" }, "Each month's payable statement is sent to your payout account through Stripe, once."),
    h("section", { class: "payout-account", "aria-labelledby": "payout-account-heading" },
      h("h2", { id: "payout-account-heading" }, "Payout account"),
      h("p", { "data-status": account.status }, STATUS_TEXT[account.status] || account.status),
      needsAction && held.length ? h("p", { class: "callout", role: "status" },
        `${held.length === 1 ? "A payout is" : `${held.length} payouts are`} held for you: `,
        "connect your payout account to receive ", held.map((p) => money(p.amount.amount, p.amount.currency)).join(", "), ".") : null,
      needsAction ? connect : null,
      box),
    h("h2", {}, "History"),
    page.items.length ? h("table", { class: "payouts" },
      h("caption", {}, "Payouts, newest first"),
      h("thead", {}, h("tr", {}, ["Period", "Amount", "Sent", "Status", "Updated"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, page.items.map((p) => h("tr", { "data-status": p.status },
        h("th", { scope: "row" }, h("a", { href: `#/statements/${p.period}` }, monthName(p.period))),
        h("td", { class: "num" }, money(p.amount.amount, p.amount.currency)),
        h("td", { class: "num" }, money(p.sent.amount, p.sent.currency)),
        h("td", {}, PAYOUT_TEXT[p.status] || p.status, p.failure_reason ? ` (${p.failure_reason})` : ""),
        h("td", {}, when(p.updated_at))))))
      : h("p", { class: "empty" }, "No payouts yet: a payout is made when a month closes with a payable statement."));
}
