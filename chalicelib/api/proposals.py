"""Payment proposals, commercial grants and credits: a producer opens a proposal on a draft, anyone
reads it (the split over a notional pool, the changes of every revision, the objection counts,
the grants still missing), members object while its window is open, the producer answers each
objection once; record owners grant a proposed production commercial use of their records; a
proposed or released production's credits list every record of its frozen lineage.

Handlers import `logic.proposals` when they run (it loads the lineage and royalty rules)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.api.fields import MULTILINE, no_control_characters
from chalicelib.api.models import (
    LicenceId, MemberSplit, Owner, Page, Pagination, RecordSplit, member_splits, paginate, record_splits,
)
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router, json_response
from chalicelib.domain.production_names import VIAS
from chalicelib.domain.proposals import DECISIONS, MAX_OBJECTION_BODY, OBJECTION_KINDS

router = Router("proposals")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_OBJECTION_BODY),
                 no_control_characters(MULTILINE)]
CHANGE_FIELDS = ("weight", "contribution", "contributor_share_bps", "upstream_share_bps")
MISSING = ("proposal", "window_open", "objections_unanswered", "grants")


class ObjectionIn(RequestBody):
    kind: Literal[OBJECTION_KINDS]
    record_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="The record it is about, if any (it must exist: 422).")
    body: Text


class AnswerIn(RequestBody):
    decision: Literal[DECISIONS]
    body: Text


class ProposalSplit(ResponseModel):
    """As GET /productions/{id}/splits answers them, over a notional pool of 1,000,000 minor units."""

    records: list[RecordSplit]
    members: list[MemberSplit]


class ChangeOut(ResponseModel):
    revision: int
    at: str
    field: Literal[CHANGE_FIELDS] = Field(description="`weight`: a contribution's weight changed; `contribution`: "
                                                      "added (before null) or removed (after null); or a share.")
    record_id: str | None = Field(description="null for a change of shares.")
    before: int | None
    after: int | None


class ContributionOut(ResponseModel):
    record_id: str
    weight: int


class ObjectionCounts(ResponseModel):
    open: int
    answered: int


class ProposalOut(ResponseModel):
    """`status: freezing` (only when POST answered 202: a lineage of more than 2,000 records)
    until revision 1 is frozen in the background, when the production becomes `proposed` and the window opens: meanwhile only its
    producer sees it (the production is still a draft, closed to edits), `opened_at`, `revised_at`
    and `closes_at` are null, `window_open` false, `contributions` are those being frozen, and the
    split, changes and missing grants are empty. Objections are refused (409) and release names
    `proposal` as missing until then."""

    production_id: str
    status: Literal["freezing", "proposed", "released"]
    revision: int
    opened_at: str | None = Field(description="When revision 1 opened; null while freezing.")
    revised_at: str | None = Field(description="When the last revision was made; null while freezing.")
    closes_at: str | None = Field(description="revised_at + the window; objections are taken while the time is "
                                              "before it. Null while freezing.")
    window_open: bool
    contributions: list[ContributionOut]
    contributor_share_bps: int
    upstream_share_bps: int
    pool: int = Field(description="The notional pool the split is over: 1,000,000 minor units.")
    split: ProposalSplit
    changes: list[ChangeOut] = Field(description="Every revision's differences from the one before, oldest first.")
    objections: ObjectionCounts
    missing_grants: list[str] = Field(description="Records of the frozen lineage under a -nc licence without their "
                                                  "owner's grant; release refuses while any is missing.")


class AnswerOut(ResponseModel):
    decision: Literal[DECISIONS]
    body: str
    answered_at: str


class ObjectionOut(ResponseModel):
    id: str
    kind: Literal[OBJECTION_KINDS]
    record_id: str | None
    body: str
    author: Owner
    created_at: str
    revision: int = Field(description="The revision it was made against.")
    answer: AnswerOut | None


class ObjectionPage(Page[ObjectionOut]):
    pass


class GrantOut(ResponseModel):
    record_id: str
    production_id: str
    granted_at: str


class CreditOut(ResponseModel):
    record_id: str
    title: str | None = Field(description="null while the record is hidden (by moderation, its owner's suspension "
                                          "or a copyright notice); its id stays.")
    owner_handle: str = Field(description="`orphan` for a deleted member's record.")
    licence: LicenceId
    licence_url: str
    via: Literal[VIAS]
    depth: int = Field(description="0 for contributions, +1 per lineage level (the smallest, if reached several ways).")
    attribution: str = Field(description='Ready to print: "<title> by <handle>, <licence name>, <record URL>". A '
                                         'hidden record\'s line names no title: "A work by <handle>, <licence name>, '
                                         '<record URL>"; a deleted member\'s handle reads `orphan`.')


class CreditPage(Page[CreditOut]):
    pass


def proposal_out(view) -> ProposalOut:
    """A `logic.proposals.ProposalView` as answered."""
    from chalicelib.domain.proposals import NOTIONAL_POOL

    frozen, head, production = view.frozen, view.head, view.production
    return ProposalOut(
        production_id=production.id, status=head.status, revision=head.revision, opened_at=head.opened_at,
        revised_at=head.revised_at, closes_at=head.closes_at, window_open=view.window_open,
        contributions=[ContributionOut(record_id=r, weight=w) for r, w in view.contributions],
        contributor_share_bps=frozen.shares.contributor_share_bps if frozen else production.contributor_share_bps,
        upstream_share_bps=frozen.shares.upstream_share_bps if frozen else production.upstream_share_bps,
        pool=NOTIONAL_POOL,
        split=ProposalSplit(records=record_splits(view.records), members=member_splits(view.members)),
        changes=[ChangeOut(revision=c.revision, at=c.at, field=c.field, record_id=c.record_id, before=c.before,
                           after=c.after) for c in (frozen.changes if frozen else ())],
        objections=ObjectionCounts(open=head.objections_open, answered=head.objections_answered),
        missing_grants=view.missing_grants,
    )


def objection_out(o) -> ObjectionOut:
    return ObjectionOut(id=o.id, kind=o.kind, record_id=o.record_id, body=o.body,
                        author=Owner(id=o.author_id, handle=o.author_handle), created_at=o.created_at,
                        revision=o.revision,
                        answer=AnswerOut(decision=o.decision, body=o.answer, answered_at=o.answered_at)
                        if o.decision else None)


def objection_outs(items: list) -> list[ObjectionOut]:
    return [objection_out(o) for o in items]


def credit_outs(items: list) -> list[CreditOut]:
    return [CreditOut(**c._asdict()) for c in items]


@router.route("POST", "/productions/{production_id}/proposal",
              summary="Open a draft's payment proposal (revision 1): 201 with it frozen and its window open; "
                      "202 `freezing` when its lineage holds more than 2,000 records (frozen in the background: "
                      "GET it until it is `proposed`)",
              access=Access.PRODUCER, status=201, also=(202,), response=ProposalOut, errors=(404, 409))
def open_proposal(ctx, production_id: str):
    from chalicelib.logic import proposals

    view, frozen = proposals.open_proposal(ctx.principal, production_id)
    return json_response(proposal_out(view), 201 if frozen else 202)


@router.route("GET", "/productions/{production_id}/proposal",
              summary="A production's payment proposal: split, changes, objections, missing grants",
              access=Access.PUBLIC, response=ProposalOut, errors=(404,))
def get_proposal(ctx, production_id: str):
    from chalicelib.logic import proposals

    return proposal_out(proposals.proposal_of(ctx.principal, production_id))


@router.route("POST", "/productions/{production_id}/proposal/objections",
              summary="Object to a proposal while its window is open", access=Access.MEMBER, status=201,
              body=ObjectionIn, response=ObjectionOut, errors=(404, 409, 422))
def create_objection(ctx, production_id: str):
    from chalicelib.logic import proposals

    identity = ctx.require_member()
    request = ctx.body()
    return objection_out(proposals.object_to(identity, ctx.principal, production_id, request.kind,
                                             request.record_id, request.body))


@router.route("GET", "/productions/{production_id}/proposal/objections", summary="A proposal's objections, oldest first",
              access=Access.PUBLIC, query=Pagination, response=ObjectionPage, errors=(404,))
def list_objections(ctx, production_id: str):
    from chalicelib.logic import proposals

    return paginate(ctx, ObjectionPage, f"objections:{production_id}", ctx.query(),
                    lambda limit, after: proposals.objections(ctx.principal, production_id, limit, after),
                    objection_outs)


@router.route("POST", "/productions/{production_id}/proposal/objections/{objection_id}/answer",
              summary="Answer an objection (once)", access=Access.PRODUCER, body=AnswerIn, response=ObjectionOut,
              errors=(404, 409))
def answer_objection(ctx, production_id: str, objection_id: str):
    from chalicelib.logic import proposals

    proposals.owned(ctx.principal, production_id)  # 404/403 before the body is read
    request = ctx.body()
    return objection_out(proposals.answer(ctx.principal, production_id, objection_id, request.decision, request.body))


@router.route("PUT", "/records/{record_id}/grants/{production_id}",
              summary="Grant a proposed production commercial use of my record (409 if it is not proposed or the "
                      "record is not in its frozen lineage; a draft is 404, as drafts are to all but their producer)",
              access=Access.MEMBER,
              response=GrantOut, errors=(404, 409))
def put_grant(ctx, record_id: str, production_id: str):
    from chalicelib.logic import proposals

    given = proposals.grant(ctx.principal.sub, ctx.principal, record_id, production_id)
    return GrantOut(record_id=given.record_id, production_id=given.production_id, granted_at=given.granted_at)


@router.route("DELETE", "/records/{record_id}/grants/{production_id}",
              summary="Withdraw a grant before release (204; also when there was none)", access=Access.MEMBER,
              status=204, errors=(404, 409))
def delete_grant(ctx, record_id: str, production_id: str):
    from chalicelib.logic import proposals

    proposals.withdraw(ctx.principal.sub, ctx.principal, record_id, production_id)


@router.route("GET", "/productions/{production_id}/credits",
              summary="Credits: every record of the frozen lineage, by depth then id, with a printable line",
              access=Access.PUBLIC, query=Pagination, response=CreditPage, errors=(404,))
def get_credits(ctx, production_id: str):
    from chalicelib.logic import proposals

    return paginate(ctx, CreditPage, f"credits:{production_id}", ctx.query(),
                    lambda limit, after: proposals.credits_page(ctx.principal, production_id, limit, after),
                    credit_outs)
