"""Trust and safety: reports (anyone), the moderators' queue, actions with their statement of
reasons, and appeals (the member an action concerns)."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib.api.fields import MULTILINE, UniqueItems, no_control_characters
from chalicelib.api.models import Owner, Page, paginate
from chalicelib.api.routing import Access, QueryParams, RequestBody, ResponseModel, Router
from chalicelib.domain.moderation import ACTIONS, DECISIONS, REASONS, SUBJECT_TYPES

router = Router("moderation")

_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("an e-mail address is local@domain.tld")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254), AfterValidator(_email)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
                   no_control_characters(MULTILINE)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64), no_control_characters()]


class SubjectIn(RequestBody):
    type: Literal[SUBJECT_TYPES]
    id: Id = Field(description="The record, comment, collaboration or production id; for a member, the member id.")


class SubjectOut(ResponseModel):
    type: Literal[SUBJECT_TYPES]
    id: str


class CreateReport(RequestBody):
    subject: SubjectIn
    reason: Literal[REASONS] = Field(description="`copyright` is taken as a report; a formal takedown is a copyright "
                                                 "notice (POST /copyright/notices).")
    body: Annotated[str, StringConstraints(max_length=2000), no_control_characters(MULTILINE)] | None = None
    email: Email | None = Field(default=None, description="Required without a token.")


class ReportCreated(ResponseModel):
    id: str
    status: Literal["open", "closed"]


class ReportOut(ResponseModel):
    id: str
    subject: SubjectOut
    reason: Literal[REASONS]
    body: str | None
    status: Literal["open", "closed"]
    reporter: Owner | None = Field(description="null for an anonymous report.")
    email: str | None
    created_at: str
    closed_at: str | None
    action_id: str | None


class ReportPage(Page[ReportOut]):
    pass


class ReportQuery(QueryParams):
    status: Literal["open", "closed"] = "open"
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class CreateAction(RequestBody):
    subject: SubjectIn
    action: Literal[ACTIONS] = Field(description=(
        "hide / restore / remove act on records and comments (a hidden comment reads as a tombstone to all but "
        "its author and moderators; a removed one keeps its body, never served, for an appeal); suspend_member / "
        "reinstate_member on members (hiding their records and comments); dismiss on anything (it only closes "
        "the reports)."))
    report_ids: Annotated[list[Id], Field(max_length=25), UniqueItems()] = Field(
        default=[], description="Reports this closes, each once.")
    reason: Reason = Field(description="The statement of reasons, told to the member concerned.")


class Moderator(ResponseModel):
    id: str | None = Field(description="null for the service's own actions (repeat infringers) and for an admin "
                                        "without a member profile.")
    handle: str | None


class ActionOut(ResponseModel):
    id: str
    subject: SubjectOut
    action: Literal[ACTIONS]
    reason: str
    report_ids: list[str]
    moderator: Moderator
    created_at: str


class CreateAppeal(RequestBody):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
                    no_control_characters(MULTILINE)]


class AppealOut(ResponseModel):
    id: str
    action_id: str
    body: str
    status: Literal["open", "decided"]
    created_at: str
    decision: Literal[DECISIONS] | None = None
    decision_reason: str | None = None
    decided_at: str | None = None


class AppealPage(Page[AppealOut]):
    pass


class AppealQuery(QueryParams):
    status: Literal["open", "decided"] = "open"
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class Decide(RequestBody):
    decision: Literal[DECISIONS] = Field(description="reversed undoes the action.")
    reason: Reason


def _report_out(report) -> ReportOut:
    r = report.reporter
    return ReportOut(id=report.id, subject=SubjectOut(type=report.subject.type, id=report.subject.id),
                     reason=report.reason, body=report.body, status=report.status,
                     reporter=Owner(id=r.member_id, handle=r.handle) if r.member_id else None, email=r.email,
                     created_at=report.created_at, closed_at=report.closed_at, action_id=report.action_id)


def _action_out(action) -> ActionOut:
    return ActionOut(id=action.id, subject=SubjectOut(type=action.subject.type, id=action.subject.id),
                     action=action.action, reason=action.reason, report_ids=list(action.report_ids),
                     moderator=Moderator(id=action.moderator_id, handle=action.moderator_handle),
                     created_at=action.created_at)


def _appeal_out(appeal) -> AppealOut:
    return AppealOut(id=appeal.id, action_id=appeal.action_id, body=appeal.body, status=appeal.status,
                     created_at=appeal.created_at, decision=appeal.decision, decision_reason=appeal.decision_reason,
                     decided_at=appeal.decided_at)


@router.route("POST", "/reports", summary="Report a record, comment, member, collaboration or production",
              access=Access.PUBLIC, status=201, body=CreateReport, response=ReportCreated,
              errors=(403, 404, 409, 429), writes=True)
def create_report(ctx):
    from chalicelib.domain.moderation import SubjectRef
    from chalicelib.logic.moderation import ReportDraft, report

    body = ctx.body()
    draft = ReportDraft(SubjectRef(body.subject.type, body.subject.id), body.reason, body.body, body.email)
    made = report(ctx.principal, draft, ctx.source_ip)
    return ReportCreated(id=made.id, status=made.status)


@router.route("GET", "/moderation/reports", summary="The moderators' queue: reports, oldest first",
              access=Access.MODERATOR, query=ReportQuery, response=ReportPage)
def list_reports(ctx):
    from chalicelib.logic.moderation import reports

    query = ctx.query()
    return paginate(ctx, ReportPage, f"reports|{query.status}", query,
                    lambda limit, after: reports(query.status, limit, after), lambda items: [_report_out(r) for r in items])


@router.route("POST", "/moderation/actions", summary="Act on a subject, with a statement of reasons",
              access=Access.MODERATOR, status=201, body=CreateAction, response=ActionOut, errors=(404, 409, 422))
def create_action(ctx):
    from chalicelib.domain.moderation import SubjectRef
    from chalicelib.logic.moderation import act

    body = ctx.body()
    taken = act(ctx.principal, SubjectRef(body.subject.type, body.subject.id), body.action, body.report_ids, body.reason)
    return _action_out(taken)


@router.route("POST", "/moderation/actions/{action_id}/appeal", summary="Appeal an action that concerns you",
              access=Access.MEMBER, status=201, body=CreateAppeal, response=AppealOut, errors=(404, 409),
              writes=False)
def create_appeal(ctx, action_id: str):
    from chalicelib.logic.moderation import appeal, concerned_by

    concerned_by(action_id)  # 404 before the body
    return _appeal_out(appeal(ctx.principal, action_id, ctx.body().body))


@router.route("GET", "/moderation/appeals", summary="Appeals, oldest first", access=Access.MODERATOR,
              query=AppealQuery, response=AppealPage)
def list_appeals(ctx):
    from chalicelib.logic.moderation import appeals

    query = ctx.query()
    return paginate(ctx, AppealPage, f"appeals|{query.status}", query,
                    lambda limit, after: appeals(query.status, limit, after), lambda items: [_appeal_out(a) for a in items])


@router.route("POST", "/moderation/appeals/{appeal_id}/decide", summary="Decide an appeal (reversed undoes the action)",
              access=Access.MODERATOR, body=Decide, response=AppealOut, errors=(404, 409))
def decide_appeal(ctx, appeal_id: str):
    from chalicelib.logic.moderation import decide, find_appeal

    found = find_appeal(appeal_id)  # 404 before the body
    body = ctx.body()
    return _appeal_out(decide(found, body.decision, body.reason))
