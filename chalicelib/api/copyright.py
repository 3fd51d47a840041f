"""Copyright notices and counter-notices (DMCA, 17 U.S.C. §512)."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib.api.fields import MULTILINE, UniqueItems, no_control_characters
from chalicelib.api.models import Page, paginate
from chalicelib.api.routing import Access, QueryParams, RequestBody, ResponseModel, Router
from chalicelib.domain.copyright import MAX_RECORDS, NOTICE_STATUSES

router = Router("copyright")

_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("an e-mail address is local@domain.tld")
    return value


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("each record once")
    return values


def _line(max_length: int):
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
                     no_control_characters()]


Name, Phone, Signature = _line(200), _line(50), _line(200)
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
                    no_control_characters(MULTILINE)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254), AfterValidator(_email)]
RecordIds = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=64), no_control_characters()]],
                      Field(min_length=1, max_length=MAX_RECORDS), AfterValidator(_unique), UniqueItems()]


class ComplainantIn(RequestBody):
    name: Name
    email: Email
    address: Address
    phone: Phone


class CreateNotice(RequestBody):
    """The six elements of §512(c)(3)(A): each is required (400 naming each one missing)."""

    complainant: ComplainantIn
    signature: Signature = Field(description="The complainant's full name, as their electronic signature.")
    work: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
                    no_control_characters(MULTILINE)] = Field(description="The copyrighted work claimed infringed.")
    record_ids: RecordIds = Field(description="The records claimed to infringe: ready records, each once (422 "
                                              "naming one that is unknown or not ready).")
    good_faith: Literal[True] = Field(description="A good-faith belief that the use is not authorised.")
    accurate_under_penalty: Literal[True] = Field(description="The notice is accurate and, under penalty of "
                                                              "perjury, the complainant may act for the owner.")


class NoticeAccepted(ResponseModel):
    id: str
    status: Literal["accepted"]
    record_ids: list[str]


class ComplainantOut(ResponseModel):
    name: str
    email: str
    address: str | None = Field(description="Moderators only (null for the owners of named records).")
    phone: str | None = Field(description="Moderators only (null for the owners of named records).")


class CounterOut(ResponseModel):
    member_id: str
    record_ids: list[str]
    created_at: str
    restored_at: str | None


class NoticeOut(ResponseModel):
    id: str
    status: Literal[NOTICE_STATUSES]
    complainant: ComplainantOut
    signature: str
    work: str
    record_ids: list[str]
    created_at: str
    lawsuit_at: str | None
    counter_notices: list[CounterOut] = Field(description="Moderators see every owner's; an owner sees their own.")


class NoticePage(Page[NoticeOut]):
    pass


class NoticeQuery(QueryParams):
    status: Literal[NOTICE_STATUSES] | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class CreateCounter(RequestBody):
    """The four elements of §512(g)(3): each is required (400 naming each one missing)."""

    name: Name
    address: Address
    phone: Phone
    signature: Signature
    statement: Literal[True] = Field(description="Under penalty of perjury, a good-faith belief that the material "
                                                 "was removed or disabled by mistake or misidentification.")
    consent_to_jurisdiction: Literal[True]
    accept_service: Literal[True] = Field(description="Accepts service of process from the complainant.")


class CounterCreated(ResponseModel):
    notice_id: str
    record_ids: list[str]
    created_at: str
    restore_on: str = Field(description="The day (UTC) from which the daily run restores the records, unless a "
                                        "lawsuit is recorded: after 10 full business days.")


class Empty(RequestBody):
    pass


def _notice_out(notice, full: bool, counters, sub: str | None = None) -> NoticeOut:
    c = notice.complainant
    shown = [k for k in counters if full or k.member_sub == sub]
    return NoticeOut(
        id=notice.id, status=notice.status, signature=notice.signature, work=notice.work,
        complainant=ComplainantOut(name=c.name, email=c.email, address=c.address if full else None,
                                   phone=c.phone if full else None),
        record_ids=notice.record_ids, created_at=notice.created_at, lawsuit_at=notice.lawsuit_at,
        counter_notices=[CounterOut(member_id=k.member_id, record_ids=list(k.record_ids), created_at=k.created_at,
                                    restored_at=k.restored_at) for k in shown])


@router.route("POST", "/copyright/notices", summary="File a copyright notice (DMCA §512(c)(3))",
              access=Access.PUBLIC, status=201, body=CreateNotice, response=NoticeAccepted, errors=(422, 429))
def create_notice(ctx):
    from chalicelib.domain.copyright import Complainant
    from chalicelib.logic.copyright import NoticeDraft, accept

    body = ctx.body()
    c = body.complainant
    notice = accept(NoticeDraft(Complainant(c.name, c.email, c.address, c.phone), body.signature, body.work,
                                tuple(body.record_ids)), ctx.source_ip)
    return NoticeAccepted(id=notice.id, status="accepted", record_ids=notice.record_ids)


@router.route("GET", "/copyright/notices", summary="Copyright notices, oldest first", access=Access.MODERATOR,
              query=NoticeQuery, response=NoticePage)
def list_notices(ctx):
    from chalicelib.logic.copyright import counters, notices

    query = ctx.query()
    return paginate(ctx, NoticePage, f"notices|{query.status}", query,
                    lambda limit, after: notices(query.status, limit, after),
                    lambda items: [_notice_out(n, True, counters(n)) for n in items])


@router.route("GET", "/copyright/notices/{notice_id}", summary="A copyright notice (moderators; owners of named "
              "records without the complainant's address and phone)", access=Access.IDENTITY, response=NoticeOut,
              errors=(403, 404))
def get_notice(ctx, notice_id: str):
    from chalicelib.logic.copyright import counters, readable

    notice, full = readable(ctx.principal, notice_id)
    return _notice_out(notice, full, counters(notice), ctx.principal.sub)


@router.route("POST", "/copyright/notices/{notice_id}/counter", summary="Counter a notice for your records "
              "(DMCA §512(g)(3))", access=Access.MEMBER, status=201, body=CreateCounter, response=CounterCreated,
              errors=(403, 404, 409), writes=False)
def create_counter(ctx, notice_id: str):
    from chalicelib.domain.copyright import restore_on
    from chalicelib.domain.moderation import parse_time
    from chalicelib.logic.copyright import CounterDraft, counter, countered_by

    notice = countered_by(ctx.principal, notice_id)  # 404, 403 before the body
    body = ctx.body()
    made = counter(ctx.principal, notice, CounterDraft(body.name, body.address, body.phone, body.signature))
    return CounterCreated(notice_id=made.notice_id, record_ids=list(made.record_ids), created_at=made.created_at,
                          restore_on=restore_on(parse_time(made.created_at)).isoformat())


@router.route("POST", "/copyright/notices/{notice_id}/lawsuit", summary="Record that the complainant has sued "
              "(the countered records stay disabled)", access=Access.MODERATOR, body=Empty, response=NoticeOut,
              errors=(404, 409))
def record_lawsuit(ctx, notice_id: str):
    from chalicelib.logic.copyright import counters, find, record_lawsuit as sued

    notice = find(notice_id)
    if ctx.raw_body.strip():
        ctx.body()  # `{}`, or nothing
    updated = sued(notice)
    return _notice_out(updated, True, counters(updated))
