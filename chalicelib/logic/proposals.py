"""Payment proposals: a producer asks for one on a draft, whose freeze (revision 1: the lineage,
in the background, `freeze`) opens it; anyone reads it and members
object while its window is open, the producer answers each objection once, a change of
contributions or shares under a proposal is a new revision (re-frozen, its changes logged, the
window restarted), record owners grant commercial use of their non-commercial records, and the
producer releases once the window has closed with nothing unanswered and no grant missing.

Every time here comes from `utcnow()` (tests move it to close a window without waiting).
"""
from __future__ import annotations

from functools import lru_cache

from chalicelib import services
from chalicelib.auth import Principal
from chalicelib.config import get_settings
from chalicelib.domain.clock import to_rfc3339, utcnow
from chalicelib.domain.events import Event, Subject
from chalicelib.domain.members import Identity
from chalicelib.domain.productions import Contribution, Production
from chalicelib.domain.proposals import (
    FREEZING, NOTIONAL_POOL, Frozen, Grant, Objection, ProposalHead, Shares, SplitMember, SplitRecord, changes_between,
    closes_at, missing_grants, needing_grant, release_missing,
)
from chalicelib.errors import Conflict, FieldError, NotFound, RuleViolation
from chalicelib.logic.productions import owned, visible

ATTEMPTS = 3  # freezes, when the lineage keeps moving under them


@lru_cache(maxsize=1)
def repository():
    from chalicelib.storage.proposals import ProposalRepository

    return ProposalRepository(get_settings())


def now() -> str:
    return to_rfc3339(utcnow())


class ProposalView:
    """A proposal as GET answers it; `frozen` None while it is being frozen, when `contributions`
    are those its freeze takes."""

    def __init__(self, production: Production, head: ProposalHead, frozen: Frozen | None, grants: dict[str, str],
                 contributions: list[tuple[str, int]] | None = None) -> None:
        from chalicelib.logic.splits import shown

        self.production, self.head, self.frozen = production, head, frozen
        self.records, self.members = shown(frozen.records, frozen.members) if frozen else ([], [])
        self.window_open = head.window_open(now())
        self.missing_grants = missing_grants(frozen.needing_grant, set(grants)) if frozen else []
        self.contributions = frozen.contributions if frozen else contributions or []


# --- reading ------------------------------------------------------------------------------

def proposal_of(principal: Principal | None, production_id: str) -> ProposalView:
    """Public for proposed and released productions (404 for drafts): the production's GetItem,
    then one Query for the head, the frozen document and the grants. A draft's producer also
    sees it while it is being frozen (its head)."""
    production = visible(principal, production_id)
    for _ in range(ATTEMPTS):
        if production.is_freezing:
            head = repository().head(production.id)
            if head is not None and head.status == FREEZING:
                return ProposalView(production, head, None, {}, _listed(production))
        elif production.is_draft:
            break
        else:
            found = repository().read(production)
            if found is not None:
                return ProposalView(production, *found)
        production = visible(principal, production_id)  # its freeze or a revision moved it on meanwhile
    raise NotFound(f"Production '{production_id}' has no payment proposal.")


def proposed(limit: int, after: str | None) -> tuple[list[Production], str | None]:
    return services.productions().list_proposed(limit, after)


# --- opening and revising -----------------------------------------------------------------

# A lineage up to this size is frozen inside POST /proposal (201, as the contract answers): ~20
# BatchGetItems and ~0.4 s of client CPU on DynamoDB. A larger one is frozen by the proposal
# function (202 `freezing`): 100,000 records take ~20 s of client CPU, too close to API
# Gateway's 29 s (docs/proposals.md has the figures).
INLINE_FREEZE_RECORDS = 2_000


def open_proposal(principal: Principal | None, production_id: str) -> tuple[ProposalView, bool]:
    """Opens a draft's proposal; (the proposal, whether it is frozen already). The head is
    `freezing` and the draft closed to edits first, in one conditional write; then a lineage of
    up to INLINE_FREEZE_RECORDS is frozen at once, and a larger one is queued (`freeze`). Either
    way the same `_freeze` opens the window, on the same conditions."""
    from chalicelib.domain.lineage import LineageTooLarge

    production = owned(principal, production_id)
    if production.is_freezing:
        raise Conflict("This production's payment proposal is already being frozen.")
    if not production.is_draft:
        raise Conflict(f"This production is already {production.status}.")
    if production.contribution_count == 0:
        raise Conflict("A production needs at least one contribution before its proposal opens.")
    at = now()
    head = ProposalHead(production.id, FREEZING, 1, production.contributions_version, None, None, None)
    repository().begin(production, head, at)
    asked = production.changed(freezing_since=at)
    try:
        contributions = services.productions().contributions(asked)
        shares = Shares(asked.contributor_share_bps, asked.upstream_share_bps)
        return _freeze(asked, contributions, shares, None, None, most=INLINE_FREEZE_RECORDS), True
    except LineageTooLarge:
        pass
    except Exception:
        repository().abandon(production.id)  # the draft is the producer's again
        raise
    try:
        services.proposal_queue().send(production.id)
    except Exception:
        repository().abandon(production.id)  # nothing would ever freeze it
        raise
    return ProposalView(asked, head, None, {}, [(c.record_id, c.weight) for c in contributions]), False


def _listed(production: Production) -> list[tuple[str, int]]:
    return [(c.record_id, c.weight) for c in services.productions().contributions(production)]


def freeze(production_id: str, last_attempt: bool = False) -> None:
    """The queued freeze of a proposal asked for: revision 1 made current, the window open.
    Idempotent: a production no longer freezing (opened by an earlier delivery, or given back)
    is left alone. A freeze failing on the last delivery gives the draft back to its producer."""
    from chalicelib.observability import get_logger

    production = services.productions().get(production_id)
    if production is None or not production.is_freezing:
        return
    contributions = services.productions().contributions(production)
    shares = Shares(production.contributor_share_bps, production.upstream_share_bps)
    try:
        _freeze(production, contributions, shares, None, None)
    except Exception as error:
        again = services.productions().get(production_id)
        if again is not None and not again.is_freezing:
            return  # another delivery opened it
        if not last_attempt:
            raise
        get_logger().error("a proposal could not be frozen; its draft is given back",
                           extra={"production_id": production_id, "error": repr(error)})
        repository().abandon(production_id)


def replace_contributions(production: Production, contributions: list[Contribution]) -> list[Contribution]:
    """PUT contributions: a draft's new list, or under a proposal a new revision (an identical
    list changes nothing; an empty one is refused: a proposal needs a contribution)."""
    from chalicelib.logic import productions

    if not production.is_proposed:
        return productions.replace_contributions(production, contributions)
    productions.check_contributions(production, contributions)
    if not contributions:
        raise Conflict("A payment proposal needs at least one contribution.")
    revise(production, contributions=contributions)
    return contributions


def edit(production: Production, changes: dict) -> Production:
    """PATCH: under a proposal a change of either share is a new revision (made first); the other
    details change as on a draft (`logic.productions.edit`)."""
    from chalicelib.logic import productions

    names = ("contributor_share_bps", "upstream_share_bps")
    if production.is_proposed and any(name in changes for name in names):
        revised = revise(production, shares=Shares(changes.get(names[0], production.contributor_share_bps),
                                                   changes.get(names[1], production.upstream_share_bps)))
        production = revised.production if revised else production
        changes = {name: value for name, value in changes.items() if name not in names}
        if not changes:
            return production
    return productions.edit(production, changes)


def revise(production: Production, contributions: list[Contribution] | None = None,
           shares: Shares | None = None) -> ProposalView | None:
    """A proposed production's new contributions or shares as a new revision; None when they
    are what the current revision froze (an identical list changes nothing)."""
    found = repository().read(production)
    if found is None:
        raise Conflict("The proposal changed meanwhile; read it again.")
    head, frozen, _ = found
    listed = contributions if contributions is not None else [Contribution(r, w) for r, w in frozen.contributions]
    new_shares = shares if shares is not None else frozen.shares
    if {c.record_id: c.weight for c in listed} == dict(frozen.contributions) and new_shares == frozen.shares:
        return None
    return _freeze(production, listed, new_shares, head, frozen)


def _freeze(production: Production, contributions: list[Contribution], shares: Shares,
            head: ProposalHead | None, previous: Frozen | None, most: int | None = None) -> ProposalView:
    """Freezes contributions, shares and lineage (licences included) as the next revision, and
    makes it current in one transaction, ordered with licence changes by the lineage version."""
    from chalicelib.domain.lineage import freeze_ancestors
    from chalicelib.domain.royalties import MAX_DEPTH
    from chalicelib.logic.splits import shares as split_shares
    from chalicelib.storage.productions import fresh_version
    from chalicelib.storage.proposals import LineageMoved

    records, productions, proposals = services.records(), services.productions(), repository()
    for _ in range(ATTEMPTS):
        lineage_version = records.lineage_version()
        weights = {c.record_id: c.weight for c in contributions}
        lineage = freeze_ancestors(list(weights), records.frozen_many, MAX_DEPTH, most)
        granted = proposals.grants(production.id) if head else {}
        split_records, split_members = split_shares(NOTIONAL_POOL, weights, lineage, shares.upstream_share_bps)
        needing = needing_grant(lineage.values())
        missing = missing_grants(needing, set(granted))
        moment = utcnow()
        at, revision = to_rfc3339(moment), (head.revision + 1 if head else 1)
        changes = [] if previous is None else previous.changes + changes_between(
            revision, at, dict(previous.contributions), weights, previous.shares, shares)
        frozen = Frozen(revision, head.opened_at if head else at, at,
                        to_rfc3339(closes_at(moment, get_settings().proposal_window_seconds)),
                        [(c.record_id, c.weight) for c in contributions], shares,
                        [SplitRecord(*r) for r in split_records], [SplitMember(*m) for m in split_members],
                        changes, needing)
        version = fresh_version(production.contributions_version)
        productions.write_contribution_list(production.id, version, contributions)
        productions.save_lineage(production.id, version, lineage)
        proposals.save_frozen(production.id, version, frozen, {r: n.licence for r, n in lineage.items()})
        after = ProposalHead(production.id, "proposed", revision, version, frozen.opened_at, at, frozen.closes_at,
                             head.objections_open if head else 0, head.objections_answered if head else 0,
                             len(missing), head.grant_seq if head else 0)
        try:
            if head is None:
                proposals.open(production, version, len(contributions), after, lineage_version)
            else:
                proposals.revise(production, version, len(contributions), head, after, tuple(shares), lineage_version)
        except LineageMoved:
            continue
        updated = production.changed(status="proposed", contributions_version=version,
                                     contribution_count=len(contributions), updated_at=at,
                                     contributor_share_bps=shares.contributor_share_bps,
                                     upstream_share_bps=shares.upstream_share_bps)
        _announce(updated, frozen, lineage, missing, previous)
        return ProposalView(updated, after, frozen, granted)
    raise Conflict("The lineage kept changing while the proposal was frozen; try again.")


def _announce(production: Production, frozen: Frozen, lineage: dict, missing: list[str], previous: Frozen | None) -> None:
    """After the write: `proposal_opened` to every owner of the frozen lineage (revision 1),
    `contributed` to the owners of its contributions and `grant_requested` to the owners of
    records still missing a grant (every revision)."""
    from chalicelib.logic import events

    subject = Subject("production", production.id, production.title)
    actor = production.producer_id

    def owners(record_ids) -> tuple[str, ...]:
        return tuple(sorted({lineage[r].owner_id for r in record_ids if r in lineage} - {actor}))

    key = f"{production.id}:{frozen.revision}"
    published = []
    if previous is None:
        published.append(Event("proposal_opened", f"proposal_opened:{key}", frozen.revised_at, subject, actor,
                               owners(lineage), {"revision": frozen.revision, "closes_at": frozen.closes_at}))
    published.append(Event("contributed", f"contributed:{key}", frozen.revised_at, subject, actor,
                           owners(r for r, _ in frozen.contributions), {"revision": frozen.revision}))
    if missing:
        published.append(Event("grant_requested", f"grant_requested:{key}", frozen.revised_at, subject, actor,
                               owners(missing), {"revision": frozen.revision, "record_ids": missing[:100]}))
    events.publish(*[e for e in published if e.recipients])


# --- objections ---------------------------------------------------------------------------

def objections(principal: Principal | None, production_id: str, limit: int,
               after: str | None) -> tuple[list[Objection], str | None]:
    production = visible(principal, production_id)
    if production.is_draft and not production.is_freezing:  # freezing: none yet
        raise NotFound(f"Production '{production_id}' has no payment proposal.")
    return repository().objections(production.id, limit, after)


def _head(production: Production) -> ProposalHead:
    head = repository().head(production.id) if not production.is_draft or production.is_freezing else None
    if head is None:
        raise NotFound(f"Production '{production.id}' has no payment proposal.")
    return head


def object_to(identity: Identity, principal: Principal, production_id: str, kind: str, record_id: str | None,
              body: str) -> Objection:
    from chalicelib.domain.ids import is_id, new_id

    production = visible(principal, production_id)
    head = _head(production)
    if head.status == FREEZING:
        raise Conflict("The proposal is being frozen: objections are taken once its window opens.")
    if head.status != "proposed":
        raise Conflict("This production is released: its proposal takes no more objections.")
    objection_id, created_at = new_id(), now()
    if not head.window_open(created_at):
        raise Conflict(f"The proposal's window closed at {head.closes_at}; it takes no more objections.")
    if record_id is not None and (not is_id(record_id) or services.records().get(record_id) is None):
        raise RuleViolation("The objection names a record that does not exist.",
                            errors=[FieldError("record_id", "no record has this id")])
    objection = Objection(objection_id, production.id, kind, record_id, body, identity.member_id, identity.handle,
                          created_at, head.revision)
    from chalicelib.logic.rate_limits import quota

    repository().add_objection(head, objection, created_at, quota("objections", identity.member_id))
    return objection


def answer(principal: Principal | None, production_id: str, objection_id: str, decision: str, body: str) -> Objection:
    from chalicelib.domain.ids import is_id
    from chalicelib.logic import events

    production = owned(principal, production_id)
    head = _head(production)
    objection = repository().objection(production.id, objection_id) if is_id(objection_id) else None
    if objection is None:
        raise NotFound(f"No objection has the id '{objection_id}'.")
    if objection.answered:
        raise Conflict("This objection has been answered already; an answer is given once.")
    if head.status != "proposed":
        raise Conflict("This production is released.")
    answered = objection._replace(decision=decision, answer=body, answered_at=now())
    repository().answer(head, answered)
    events.publish(Event("objection_answered", f"objection_answered:{objection.id}", answered.answered_at,
                         Subject("production", production.id, production.title), production.producer_id,
                         tuple({objection.author_id} - {production.producer_id}),
                         {"objection_id": objection.id, "decision": decision}))
    return answered


# --- release --------------------------------------------------------------------------------

def release(principal: Principal | None, production_id: str) -> Production:
    """Only from a proposal whose window has closed, with every objection answered and every
    grant in place (409 whose `missing` lists what is not); keeps exactly its last revision."""
    production = owned(principal, production_id)
    if production.is_released:
        raise Conflict("This production is already released.")
    if production.is_freezing:
        raise Conflict("The production cannot be released yet: its proposal is being frozen, and its window "
                       "opens once that is done.", extensions={"missing": release_missing(False, False, 0, 0)})
    head = repository().head(production.id) if production.is_proposed else None
    _refuse_if_missing(head)
    try:
        return repository().release(production, head, now())
    except Conflict:
        _refuse_if_missing(repository().head(production.id))
        raise


def _refuse_if_missing(head: ProposalHead | None) -> None:
    if head is not None and head.status != "proposed":
        raise Conflict("This production is already released.")
    missing = release_missing(head is not None, head is not None and head.window_open(now()),
                              head.objections_open if head else 0, head.missing_grants if head else 0)
    if missing:
        raise Conflict("The production cannot be released yet: " + ", ".join(missing) + ".",
                       extensions={"missing": missing})


# --- commercial grants ----------------------------------------------------------------------

def _grantable(sub: str, principal: Principal, record_id: str, production_id: str):
    from chalicelib.logic.records import owned as owned_record

    record = owned_record(sub, record_id)
    production = visible(principal, production_id)
    if not production.is_proposed:
        raise Conflict(f"Grants are given to proposed productions; this one is {production.status}.")
    head = _head(production)
    licence = repository().frozen_licence(production.id, head.version, record.id)
    if licence is None:
        raise Conflict("This record is not in the production's frozen lineage.")
    return record, production, head, licence


def grant(sub: str, principal: Principal, record_id: str, production_id: str) -> Grant:
    from chalicelib.domain.proposals import NEEDS_GRANT

    record, production, head, licence = _grantable(sub, principal, record_id, production_id)
    existing = repository().grant_of(production.id, record.id)
    if existing is not None:
        return existing
    given = Grant(record.id, production.id, record.owner_id, now())
    try:
        repository().grant(head, given, licence in NEEDS_GRANT)
    except Conflict:
        raced = repository().grant_of(production.id, record.id)  # a twin request granted it first
        if raced is None:
            raise
        return raced
    return given


def withdraw(sub: str, principal: Principal, record_id: str, production_id: str) -> None:
    from chalicelib.domain.proposals import NEEDS_GRANT
    from chalicelib.logic.records import owned as owned_record

    owned_record(sub, record_id)
    production = visible(principal, production_id)
    if production.is_released:
        raise Conflict("The production is released: its grants can no longer be withdrawn.")
    if not production.is_proposed or repository().grant_of(production.id, record_id) is None:
        return  # nothing granted: nothing to withdraw
    _, _, head, licence = _grantable(sub, principal, record_id, production_id)
    repository().withdraw(head, production.id, record_id, licence in NEEDS_GRANT)





# --- credits --------------------------------------------------------------------------------

def credits_page(principal: Principal | None, production_id: str, limit: int, after: str | None):
    """Every record of the frozen lineage once, by depth then record id (404 for drafts)."""
    import bisect

    from chalicelib.domain.proposals import credit_position, credit_shown, credits

    production = visible(principal, production_id)
    if production.is_draft:
        raise NotFound(f"Production '{production_id}' has no credits before its proposal opens.")
    productions, site_url = services.productions(), get_settings().site_url
    listed = credits([c.record_id for c in productions.contributions(production)],
                     productions.frozen_lineage(production), site_url)
    positions = [credit_position(c) for c in listed]
    start = bisect.bisect_right(positions, after) if after else 0
    page = listed[start:start + limit]
    # the frozen lineage keeps titles and handles as they were; what shows is today's
    hidden, gone = services.hidden().among([c.record_id for c in page], {c.owner_handle for c in page})
    page = [credit_shown(c, site_url, c.record_id in hidden, c.owner_handle in gone) for c in page]
    return page, (positions[start + limit - 1] if start + limit < len(listed) else None)
