"""Copyright notices (DMCA §512): accept a notice (its records disabled: 451 to the public), the
owners' counter-notices (forwarded to the complainant), a recorded lawsuit, the daily restoration
of countered records after 10 full business days, and the repeat-infringer rule."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib import services
from chalicelib.auth import Principal
from chalicelib.domain import copyright as rules
from chalicelib.domain.copyright import Complainant, CounterNotice, NamedRecord, Notice
from chalicelib.domain.events import RECORD_CHANGED, Event, Subject
from chalicelib.domain.ids import is_id, new_id_with_time
from chalicelib.domain.moderation import COPYRIGHT_DISABLED, Moderation
from chalicelib.domain.records import READY
from chalicelib.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation

REPEAT_REASON = ("Three copyright notices within 365 days against which no counter-notice was filed: "
                 "the account is suspended under the repeat-infringer policy.")


@dataclass(frozen=True)
class NoticeDraft:
    complainant: Complainant
    signature: str
    work: str
    record_ids: tuple[str, ...]


@dataclass(frozen=True)
class CounterDraft:
    name: str
    address: str
    phone: str
    signature: str


def accept(draft: NoticeDraft, source_ip: str) -> Notice:
    """Stores the notice and disables every record it names (each ready and visible, else 422)."""
    from chalicelib.logic.rate_limits import quota

    found = services.records().get_many([i for i in draft.record_ids if is_id(i)], consistent=True)
    errors = [FieldError(f"record_ids.{n}", "no ready record has this id")
              for n, record_id in enumerate(draft.record_ids)
              if record_id not in found or found[record_id].status != READY or found[record_id].is_hidden]
    if errors:
        raise RuleViolation("A notice names ready records only.", errors=errors)
    notice_id, now = new_id_with_time()
    notice = Notice(id=notice_id, complainant=draft.complainant, signature=draft.signature, work=draft.work,
                    records=tuple(NamedRecord(i, found[i].owner_id, found[i].owner_sub) for i in draft.record_ids),
                    status=rules.ACCEPTED, created_at=now)
    services.copyright_notices().accept(notice, quota("notices", f"ip:{source_ip}"))
    _disable(notice, [found[i] for i in draft.record_ids])
    _repeat_infringers(notice)
    return notice


def _disable(notice: Notice, records) -> None:
    from chalicelib.logic.events import publish
    from chalicelib.logic.moderation import _moderate

    disabled = Moderation(COPYRIGHT_DISABLED, notice_id=notice.id)
    events = []
    for record in records:
        _moderate(record.id, disabled)
        events.append(Event(RECORD_CHANGED, f"record_changed:{notice.id}:{record.id}", notice.created_at,
                            Subject("record", record.id, record.title), data={"visible": False}))
    for owner_id in dict.fromkeys(r.owner_id for r in notice.records):
        events.append(Event("moderation", f"moderation:notice:{notice.id}:{owner_id}", notice.created_at,
                            Subject("copyright_notice", notice.id), recipients=(owner_id,),
                            data={"notice_id": notice.id, "state": COPYRIGHT_DISABLED,
                                  "record_ids": [r.record_id for r in notice.records if r.owner_id == owner_id],
                                  "reason": f"A copyright notice claims these records infringe: {notice.work}"}))
    publish(*events)


def _repeat_infringers(notice: Notice) -> None:
    from chalicelib.domain.clock import utcnow
    from chalicelib.domain.moderation import Concerned, is_repeat_infringer
    from chalicelib.logic.moderation import system_suspend

    repository = services.copyright_notices()
    for record in {r.owner_id: r for r in notice.records}.values():
        if is_repeat_infringer(repository.strikes(record.owner_id), utcnow()):
            member = services.moderation().member(record.owner_id)
            if member is not None and not services.members().suspended(member.sub, fresh=True):
                system_suspend(Concerned(member.member_id, member.sub, member.handle), REPEAT_REASON)


def find(notice_id: str) -> Notice:
    notice = services.copyright_notices().get(notice_id) if is_id(notice_id) else None
    if notice is None:
        raise NotFound(f"No copyright notice has the id '{notice_id}'.")
    return notice


def readable(principal: Principal, notice_id: str) -> tuple[Notice, bool]:
    """The notice and whether the caller sees all of it (moderators) or not (the owner of a named
    record: without the complainant's address and phone). 403 for anyone else."""
    notice = find(notice_id)
    if principal.is_moderator:
        return notice, True
    if notice.owned_by(principal.sub):
        return notice, False
    raise Forbidden("Only moderators and the owners of the records it names may read this notice.")


def countered_by(principal: Principal, notice_id: str) -> Notice:
    """The notice, if it names a record of the caller's: 404 unknown, 403 not theirs."""
    notice = find(notice_id)
    if not notice.owned_by(principal.sub):
        raise Forbidden("Only the owner of a record this notice names may counter it.")
    return notice


def notices(status: str | None, limit: int, after: str | None):
    return services.copyright_notices().notices(status, limit, after)


def counters(notice: Notice) -> list[CounterNotice]:
    return services.copyright_notices().counters(notice.id)


def counter(principal: Principal, notice: Notice, draft: CounterDraft) -> CounterNotice:
    """The owner of named records counters the notice for their records: stored, forwarded to
    the complainant, and due for restoration after 10 full business days."""
    from chalicelib.domain.clock import utcnow
    from chalicelib.domain.clock import to_rfc3339

    owned = notice.owned_by(principal.sub)
    if not owned:
        raise Forbidden("Only the owner of a record this notice names may counter it.")
    if notice.status in (rules.LAWSUIT, rules.RESTORED):
        raise Conflict("This notice can no longer be countered.")
    now = utcnow()
    made = CounterNotice(notice_id=notice.id, member_id=owned[0].owner_id, member_sub=principal.sub,
                         name=draft.name, address=draft.address, phone=draft.phone, signature=draft.signature,
                         record_ids=tuple(r.record_id for r in owned), created_at=to_rfc3339(now))
    services.copyright_notices().counter(made, rules.restore_on(now).isoformat())
    _forward(notice, made)
    return made


def _forward(notice: Notice, counter: CounterNotice) -> None:
    text = "\n".join([
        f"A counter-notice was filed to your copyright notice {notice.id} ({notice.work}).",
        f"Records: {', '.join(counter.record_ids)}",
        f"Name: {counter.name}", f"Address: {counter.address}", f"Phone: {counter.phone}",
        f"Signature: {counter.signature}",
        "The subscriber states under penalty of perjury a good-faith belief that the material was removed or "
        "disabled as a result of mistake or misidentification, consents to the jurisdiction of the Federal "
        "District Court for their address, and will accept service of process from you.",
        "The records will be restored in 10 to 14 business days unless you notify us that you have filed an "
        "action seeking a court order against the subscriber.",
    ])
    subject = f"Counter-notice to copyright notice {notice.id}"
    mailer = services.mail()
    if mailer.configured:
        try:
            mailer.send(notice.complainant.email, subject, text)
        except Exception:  # noqa: BLE001 - the counter-notice is stored; its forwarding is retried by hand
            from chalicelib.observability import count, get_logger

            get_logger().exception("counter-notice not forwarded", extra={"notice_id": notice.id})
            count("CounterNoticeNotForwarded")
    else:  # the local stage: the runner's log is the complainant's inbox
        from chalicelib.observability import get_logger

        get_logger().info("counter-notice forwarded (log only: REMIXERY_SES_SENDER is unset)",
                          extra={"to": notice.complainant.email, "subject": subject, "text": text})


def record_lawsuit(notice: Notice) -> Notice:
    from chalicelib.domain.clock import now_rfc3339

    if notice.status != rules.COUNTERED:
        raise Conflict("A lawsuit is recorded after a counter-notice and before the records are restored.")
    try:
        services.copyright_notices().record_lawsuit(notice, now_rfc3339())
    except Exception as e:  # the condition: its status moved meanwhile
        from chalicelib.storage.connection import condition_failed

        if condition_failed(e):
            raise Conflict("This notice's records were restored meanwhile.") from e
        raise
    return find(notice.id)


def restore_countered(now: datetime) -> int:
    """The daily run: restores the records of every counter-notice due by `now` (10 full business
    days after it, no lawsuit recorded); how many records it restored."""
    from chalicelib.domain.clock import to_rfc3339
    from chalicelib.logic.events import publish
    from chalicelib.logic.moderation import _unmoderate

    repository = services.copyright_notices()
    restored = 0
    for due in repository.due(now.date().isoformat()):
        notice = repository.get(due.notice_id)
        if notice is None or notice.lawsuit_at or not repository.mark_restored(due, to_rfc3339(now)):
            continue
        events = []
        for record_id in due.record_ids:
            record = services.records().get(record_id)
            if record is None or record.moderation is None or record.moderation.notice_id != notice.id:
                continue
            if _unmoderate(record_id) is not None:
                restored += 1
                events.append(Event(RECORD_CHANGED, f"record_changed:restored:{notice.id}:{record_id}",
                                    to_rfc3339(now), Subject("record", record_id, record.title),
                                    data={"visible": True}))
        events.append(Event("moderation", f"moderation:restored:{notice.id}:{due.member_id}", to_rfc3339(now),
                            Subject("copyright_notice", notice.id), recipients=(due.member_id,),
                            data={"notice_id": notice.id, "restored": list(due.record_ids),
                                  "reason": "Your counter-notice stood: no lawsuit was reported in 10 business days."}))
        if _all_restored(notice):
            repository.set_status(notice, rules.RESTORED)
        publish(*events)
    return restored


def _all_restored(notice: Notice) -> bool:
    found = services.records().get_many(notice.record_ids, consistent=True)
    return not any(r.moderation is not None and r.moderation.notice_id == notice.id for r in found.values())
