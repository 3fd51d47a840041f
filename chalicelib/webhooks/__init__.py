"""Store webhooks: each module checks its provider's signature and turns its events into
the ledger's terms (`domain.ledger`). Nothing here stores anything."""
