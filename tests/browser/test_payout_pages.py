"""Payouts in a real browser, on an empty stack (the local bank plays Stripe Connect): a member
opens Payouts, connects a payout account through the local bank's onboarding page, and comes
back to an active account."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_a_member_connects_a_payout_account_through_the_local_bank(stack, tab):
    page = tab.page
    tab.open(stack.site)
    sign_in(tab, "payee", register_as="payee")

    tab.go("#/payouts", "section.payout-account")
    assert page.locator("section.payout-account [data-status=none]").count() == 1
    assert "No payouts yet" in page.locator("p.empty").inner_text()
    tab.shot("no-account")
    page.click("section.payout-account button.primary")

    page.wait_for_selector("text=Local bank")
    assert "/local-bank/onboarding/acct_local_" in page.url
    page.click("button:has-text('Activate this account')")

    page.wait_for_selector("section.payout-account [data-status=active]")
    assert "#/payouts" in page.url
    assert page.locator("section.payout-account button.primary").count() == 0  # nothing left to do
    tab.shot("active")
