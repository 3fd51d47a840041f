"""The ledger's names: the stores, the kinds of entry, why a sale is unmatched, what the answer
to a delivery says. Plain strings, apart from the ledger's rules (`domain.ledger`), so that the
API's models name them without loading the rules at cold start."""
from __future__ import annotations

STRIPE, SHOPIFY = "stripe", "shopify"
PROVIDERS = (STRIPE, SHOPIFY)

SALE, REFUND, DISPUTE, DISPUTE_REVERSAL, COST = "sale", "refund", "dispute", "dispute_reversal", "cost"
STORE_KINDS = (SALE, REFUND, DISPUTE, DISPUTE_REVERSAL)  # what deliveries book; costs are booked by hand

NO_PRODUCTION, CURRENCY_MISMATCH = "no_production", "currency_mismatch"
REASONS = (NO_PRODUCTION, CURRENCY_MISMATCH)

TAKEN, DUPLICATE, IGNORED = "taken", "duplicate", "ignored"
OUTCOMES = (TAKEN, DUPLICATE, IGNORED)
