"""The names of payouts and payout accounts, as plain values: the API's models take their
Literals from here without loading the payout rules at cold start (see domain/payouts.py)."""

HELD, PENDING, PAID, FAILED = "held", "pending", "paid", "failed"
STATUSES = (HELD, PENDING, PAID, FAILED)

# A connected account, as GET /me/payout-account shows it.
NONE, ACTIVE, RESTRICTED = "none", "active", "restricted"
ACCOUNT_STATUSES = (NONE, PENDING, ACTIVE, RESTRICTED)

REVERSED = "reversed"  # failure_reason of a payout whose transfer Stripe reversed
STRIPE = "stripe"  # the one payout provider
