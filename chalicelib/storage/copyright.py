"""Copyright notices, counter-notices and the strikes of the repeat-infringer rule.

Key layout: `NOTICE#<id>`/`NOTICE` (gsi1 `NOTICES#<status>`, gsi2 `NOTICES`, oldest first),
`NOTICE#<id>`/`COUNTER#<member id>` (gsi1 `COUNTERS#PENDING`, sk `<restore on>#<notice>#<member>`
until restored or sued over: the daily schedule's Query), `STRIKES#<member id>`/`NOTICE#<id>`.
"""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.config import Settings
from chalicelib.domain.copyright import (
    COUNTERED, LAWSUIT, RESTORED, Complainant, CounterNotice, NamedRecord, Notice,
)
from chalicelib.errors import Conflict
from chalicelib.storage.connection import applied, bind_models, condition_failed, write_transaction
from chalicelib.storage.models import ComplainantAttribute, CounterNoticeItem, NoticeItem, StrikeItem

PENDING = "COUNTERS#PENDING"


class NoticeRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    def accept(self, notice: Notice, quota=None) -> None:
        """Stores the notice and a strike per named record's owner, with the sender's rate-limit
        counter, in one transaction (TooManyRequests: over the limit, nothing stored)."""
        from chalicelib.storage.rate_limits import Charge

        charge = Charge(quota) if quota is not None else None
        c = notice.complainant
        item = NoticeItem(
            *NoticeItem.key(notice.id), notice_id=notice.id,
            complainant=ComplainantAttribute(name=c.name, email=c.email, address=c.address, phone=c.phone),
            signature=notice.signature, work=notice.work, record_ids=notice.record_ids,
            owner_subs=[f"{r.record_id}#{r.owner_id}#{r.owner_sub}" for r in notice.records],
            status=notice.status, created_at=notice.created_at,
            gsi1pk=f"NOTICES#{notice.status}", gsi1sk=_sk(notice), gsi2pk="NOTICES", gsi2sk=_sk(notice))

        def fill(tx) -> None:
            tx.save(item, condition=NoticeItem.pk.does_not_exist())
            for owner_id in dict.fromkeys(r.owner_id for r in notice.records):
                tx.save(StrikeItem(*StrikeItem.key(owner_id, notice.id), at=notice.created_at, countered=False))
            if charge is not None:
                charge.add_to(tx)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if charge is not None:
                charge.raise_if_over(e)
            raise

    def get(self, notice_id: str) -> Notice | None:
        try:
            return _notice(NoticeItem.get(*NoticeItem.key(notice_id), consistent_read=True))
        except DoesNotExist:
            return None

    def notices(self, status: str | None, limit: int, after: str | None) -> tuple[list[Notice], str | None]:
        index, partition, sort_key = ((NoticeItem.gsi1, f"NOTICES#{status}", NoticeItem.gsi1sk) if status
                                      else (NoticeItem.gsi2, "NOTICES", NoticeItem.gsi2sk))
        items = list(index.query(partition, range_key_condition=sort_key > after if after else None,
                                 scan_index_forward=True, limit=limit + 1, page_size=limit + 1))
        page = items[:limit]
        return [_notice(i) for i in page], (getattr(page[-1], sort_key.attr_name) if len(items) > limit else None)

    def set_status(self, notice: Notice, status: str, lawsuit_at: str | None = None) -> None:
        actions = [NoticeItem.status.set(status), NoticeItem.gsi1pk.set(f"NOTICES#{status}")]
        if lawsuit_at:
            actions.append(NoticeItem.lawsuit_at.set(lawsuit_at))
        NoticeItem(*NoticeItem.key(notice.id)).update(actions=actions)

    def strikes(self, member_id: str) -> list[str]:
        """When the notices against this member were accepted, of those they did not counter."""
        return [s.at for s in StrikeItem.query(f"STRIKES#{member_id}", StrikeItem.sk.startswith("NOTICE#"))
                if not s.countered]

    # --- counter-notices -----------------------------------------------------------------

    def counter(self, counter: CounterNotice, restore_on: str) -> None:
        """Stores the owner's counter-notice (Conflict: they countered this notice already), marks
        their strike countered, and the notice countered."""
        item = CounterNoticeItem(
            *CounterNoticeItem.key(counter.notice_id, counter.member_id), notice_id=counter.notice_id,
            member_id=counter.member_id, member_sub=counter.member_sub, name=counter.name, address=counter.address,
            phone=counter.phone, signature=counter.signature, record_ids=list(counter.record_ids),
            created_at=counter.created_at, gsi1pk=PENDING,
            gsi1sk=f"{restore_on}#{counter.notice_id}#{counter.member_id}")

        def fill(tx) -> None:
            tx.save(item, condition=CounterNoticeItem.sk.does_not_exist())
            tx.update(StrikeItem(*StrikeItem.key(counter.member_id, counter.notice_id)),
                      actions=[StrikeItem.countered.set(True)])
            tx.update(NoticeItem(*NoticeItem.key(counter.notice_id)),
                      actions=[NoticeItem.status.set(COUNTERED), NoticeItem.gsi1pk.set(f"NOTICES#{COUNTERED}")],
                      condition=NoticeItem.lawsuit_at.does_not_exist() & (NoticeItem.status != RESTORED))

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e, 0):
                raise Conflict("You have filed a counter-notice to this notice already.") from e
            if condition_failed(e):
                raise Conflict("This notice can no longer be countered (a lawsuit was recorded).") from e
            raise

    def counters(self, notice_id: str) -> list[CounterNotice]:
        return [_counter(i) for i in CounterNoticeItem.query(f"NOTICE#{notice_id}",
                                                             CounterNoticeItem.sk.startswith("COUNTER#"))]

    def record_lawsuit(self, notice: Notice, at: str) -> None:
        """The complainant sued: no counter-notice of this notice restores anything any more."""
        NoticeItem(*NoticeItem.key(notice.id)).update(
            actions=[NoticeItem.status.set(LAWSUIT), NoticeItem.gsi1pk.set(f"NOTICES#{LAWSUIT}"),
                     NoticeItem.lawsuit_at.set(at)],
            condition=NoticeItem.status == COUNTERED)
        for counter in CounterNoticeItem.query(f"NOTICE#{notice.id}", CounterNoticeItem.sk.startswith("COUNTER#")):
            counter.update(actions=[CounterNoticeItem.gsi1pk.remove(), CounterNoticeItem.gsi1sk.remove()])

    def due(self, today: str) -> list[CounterNotice]:
        """Pending counter-notices whose restoration day is `today` (YYYY-MM-DD) or earlier."""
        return [_counter(i) for i in CounterNoticeItem.gsi1.query(
            PENDING, range_key_condition=CounterNoticeItem.gsi1sk < f"{today}#~")]

    def mark_restored(self, counter: CounterNotice, at: str) -> bool:
        """False if it was restored already or a lawsuit was recorded meanwhile."""
        return applied(lambda: CounterNoticeItem(*CounterNoticeItem.key(counter.notice_id, counter.member_id)).update(
            actions=[CounterNoticeItem.restored_at.set(at), CounterNoticeItem.gsi1pk.remove(),
                     CounterNoticeItem.gsi1sk.remove()],
            condition=CounterNoticeItem.gsi1pk == PENDING))


def _sk(notice: Notice) -> str:
    return f"{notice.created_at}#{notice.id}"


def _notice(item: NoticeItem) -> Notice:
    c = item.complainant
    records = []
    for entry in item.owner_subs or ():
        record_id, owner_id, sub = entry.split("#", 2)
        records.append(NamedRecord(record_id, owner_id, sub))
    return Notice(id=item.notice_id, complainant=Complainant(c.name, c.email, c.address, c.phone),
                  signature=item.signature, work=item.work, records=tuple(records), status=item.status,
                  created_at=item.created_at, lawsuit_at=item.lawsuit_at)


def _counter(item: CounterNoticeItem) -> CounterNotice:
    return CounterNotice(notice_id=item.notice_id, member_id=item.member_id, member_sub=item.member_sub,
                         name=item.name, address=item.address, phone=item.phone, signature=item.signature,
                         record_ids=tuple(item.record_ids or ()), created_at=item.created_at,
                         restored_at=item.restored_at)
