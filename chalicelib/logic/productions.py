"""Productions: who may see and change one, drafts shaped by their producer, contributions,
release (through a payment proposal, `logic.proposals`), costs and the ledger.

Callers pass the `Principal` of the request (None without a token): drafts show only to their
producer and admins, and only they change a production.
"""
from __future__ import annotations

from chalicelib import services
from chalicelib.auth import Principal
from chalicelib.domain.members import Identity
from chalicelib.domain.productions import BookedCost, Contribution, LedgerEntry, Product, Production
from chalicelib.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation, ValidationFailed

LISTED_ERRORS = 20  # field errors named in one answer


def visible(principal: Principal | None, production_id: str) -> Production:
    """The production, if the caller may see it: drafts only to their producer and admins."""
    production = services.productions().get(production_id)
    if production is None or (production.is_draft and not _may_change(principal, production)):
        raise NotFound(f"No production has the id '{production_id}'.")
    return production


def owned(principal: Principal | None, production_id: str) -> Production:
    """The production, if the caller may change it: 404 if they cannot see it, 403 otherwise."""
    production = visible(principal, production_id)
    if not _may_change(principal, production):
        raise Forbidden("Only this production's producer (or an admin) may do this.")
    return production


def _may_change(principal: Principal | None, production: Production) -> bool:
    return principal is not None and (principal.is_admin or principal.sub == production.producer_sub)


def released(limit: int, after: str | None) -> tuple[list[Production], str | None]:
    return services.productions().list_released(limit, after)


def listed(status: str | None):
    """The list `GET /productions` pages: released ones, or `proposed` ones."""
    repository = services.productions()
    return repository.list_proposed if status == "proposed" else repository.list_released


# --- drafts -------------------------------------------------------------------------------

def create(identity: Identity, details: dict) -> Production:
    """A draft from `details` (title, format, currency, collaboration_id, the shares, products),
    produced by the caller."""
    from chalicelib.domain.ids import new_id_with_time
    from chalicelib.domain.money import normalise_currency

    _check_products(details["products"])
    _check_collaboration(details["collaboration_id"])
    production_id, now = new_id_with_time()
    production = Production(**{**details, "currency": normalise_currency(details["currency"])}, id=production_id,
                            producer_sub=identity.sub, producer_id=identity.member_id,
                            producer_handle=identity.handle, created_at=now, updated_at=now)
    services.productions().create(production)
    return production


def edit(production: Production, changes: dict) -> Production:
    """`changes`: any of the details (`collaboration_id` None detaches it); others are kept.
    Under a payment proposal `logic.proposals.edit` makes a change of shares a revision first."""
    from chalicelib.domain.clock import now_rfc3339
    from chalicelib.domain.money import normalise_currency

    _check_products(changes.get("products", ()))
    if production.is_released:
        raise Conflict("A released production is frozen.")
    refuse_while_freezing(production)
    if "collaboration_id" in changes:
        _check_collaboration(changes["collaboration_id"])
    if "currency" in changes:
        changes = {**changes, "currency": normalise_currency(changes["currency"])}
    updated = production.changed(**changes, updated_at=now_rfc3339())
    services.productions().update(production, updated)
    return updated


def _check_products(products: tuple[Product, ...]) -> None:
    seen, errors = set(), []
    for n, product in enumerate(products):
        if product in seen:
            errors.append(FieldError(f"products.{n}", "this product is already listed"))
        seen.add(product)
    if errors:
        raise ValidationFailed("A product is listed twice.", errors=errors)


def _check_collaboration(collaboration_id: str | None) -> None:
    from chalicelib.logic.collaborations import find

    if collaboration_id is not None:
        find(collaboration_id)


# --- contributions and release ------------------------------------------------------------

def contributions_of(principal: Principal | None, production_id: str) -> tuple[Production, list[Contribution]]:
    production = visible(principal, production_id)
    return production, services.productions().contributions(production)


def replace_contributions(production: Production, contributions: list[Contribution]) -> list[Contribution]:
    """A draft's whole list at once (`logic.proposals.replace_contributions` decides when it is
    a proposal's revision instead)."""
    check_contributions(production, contributions)
    refuse_while_freezing(production)
    services.productions().replace_contributions(production, contributions)
    return contributions


def refuse_while_freezing(production: Production) -> None:
    if production.is_freezing:
        raise Conflict("Its payment proposal is being frozen: the draft changes no more (a revision may follow "
                       "once the proposal is open).")


def check_contributions(production: Production, contributions: list[Contribution]) -> None:
    """Each record once, every one of them uploaded (404 for a record that does not exist, 422
    for one still awaiting its upload or rejected); 409 once released."""
    from chalicelib.domain.ids import is_id
    from chalicelib.domain.records import AWAITING_UPLOAD, REJECTED

    seen, duplicates = set(), []
    for n, c in enumerate(contributions):
        if c.record_id in seen:
            duplicates.append(FieldError(f"contributions.{n}.record_id", "this record is already listed"))
        seen.add(c.record_id)
    if duplicates:
        raise ValidationFailed("A record is listed twice.", errors=duplicates[:LISTED_ERRORS])
    if production.is_released:
        raise Conflict("A released production's contributions are frozen.")
    records = services.records().get_many([c.record_id for c in contributions if is_id(c.record_id)])
    missing = [FieldError(f"contributions.{n}.record_id", "no record has this id")
               for n, c in enumerate(contributions) if c.record_id not in records]
    if missing:
        raise NotFound(f"{len(missing)} contributed record(s) do not exist.", errors=missing[:LISTED_ERRORS])
    ineligible = [FieldError(f"contributions.{n}.record_id", f"this record is {records[c.record_id].status}")
                  for n, c in enumerate(contributions) if records[c.record_id].status in (AWAITING_UPLOAD, REJECTED)]
    if ineligible:
        raise RuleViolation(f"{len(ineligible)} record(s) cannot be contributed: only uploaded records can.",
                            errors=ineligible[:LISTED_ERRORS])


def lineage_now(production: Production) -> dict:
    """The lineage its contributions build on today (frozen at release; a preview for drafts)."""
    from chalicelib.domain.lineage import freeze_ancestors
    from chalicelib.domain.royalties import MAX_DEPTH

    listed = services.productions().contributions(production)
    return freeze_ancestors([c.record_id for c in listed], services.records().frozen_many, MAX_DEPTH)


# --- money --------------------------------------------------------------------------------

def add_cost(production: Production, amount: int, currency: str, description: str, incurred_on: str) -> BookedCost:
    """A recoupable cost, in the production's currency, booked in its day's period (or the
    first open one)."""
    from chalicelib.domain.money import normalise_currency

    if normalise_currency(currency) != production.currency:
        raise RuleViolation(f"This production books costs in {production.currency}.",
                            errors=[FieldError("amount.currency", f"use {production.currency}")])
    return services.productions().add_cost(production, amount, description, incurred_on)


def ledger(production: Production, limit: int, after: str | None) -> tuple[list[LedgerEntry], str | None]:
    return services.productions().ledger(production.id, limit, after)
