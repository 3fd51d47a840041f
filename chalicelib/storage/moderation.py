"""Reports, moderation actions, appeals and suspensions (see domain.moderation).

A report is written with its "one open report per reporter and subject" marker (and the
reporter's rate-limit counter) in one transaction; an action with the closing of every report it
names; an appeal with the action's `appeal_id`, set once (a second appeal fails its condition).
Lists are Queries on gsi1: `REPORTS#<status>` and `APPEALS#<status>`, oldest first, and
`KEPT_MEDIA` (the removals whose media are kept, for the daily purge).
"""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.config import Settings
from chalicelib.domain.moderation import (
    CLOSED, DECIDED, OPEN, REMOVE, Action, Appeal, Concerned, Report, Reporter, SubjectRef,
)
from chalicelib.errors import Conflict
from chalicelib.storage.connection import bind_models, condition_failed, write_transaction
from chalicelib.storage.models import (
    ActionItem, AppealItem, MemberIdItem, MemberItem, OpenReportItem, ReportItem,
)


# Removals are a moderator's hand work, a few a day: one partition holds them all.
KEPT_MEDIA = "KEPT_MEDIA"


class ModerationRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    # --- members ---------------------------------------------------------------------------

    def member(self, member_id: str) -> Concerned | None:
        """The live member a member id names, or None."""
        try:
            ref = MemberIdItem.get(*MemberIdItem.key(member_id))
            profile = MemberItem.get(*MemberItem.key(ref.handle))
        except DoesNotExist:
            return None
        if getattr(profile, "deleted_at", None) or profile.member_id != member_id:
            return None
        return Concerned(member_id=member_id, sub=ref.sub, handle=ref.handle)

    def create_report(self, report: Report, quota=None) -> None:
        """Stores an open report; Conflict if this reporter has one open on this subject already,
        TooManyRequests if the reporter is over the hour's limit (`quota`, counted in the same
        transaction)."""
        from chalicelib.storage.rate_limits import Charge

        charge = Charge(quota) if quota is not None else None
        item = _report_item(report)
        marker = OpenReportItem(*OpenReportItem.key(report.reporter.key, report.subject.type, report.subject.id),
                                report_id=report.id)

        def fill(tx) -> None:
            tx.save(marker, condition=OpenReportItem.pk.does_not_exist())
            tx.save(item, condition=ReportItem.pk.does_not_exist())
            if charge is not None:
                charge.add_to(tx)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e, 0):
                raise Conflict("You have already reported this; it is still open.",
                               extensions={"report_id": _open_report(marker)}) from e
            if charge is not None:
                charge.raise_if_over(e)
            raise

    def reports(self, status: str, limit: int, after: str | None) -> tuple[list[Report], str | None]:
        return _oldest_first(ReportItem, f"REPORTS#{status}", limit, after, _report)

    def reports_by_id(self, report_ids) -> dict[str, Report]:
        keys = [ReportItem.key(i) for i in dict.fromkeys(report_ids)]
        return {i.report_id: _report(i) for i in ReportItem.batch_get(keys, consistent_read=True)} if keys else {}

    # --- actions ---------------------------------------------------------------------------

    def record_action(self, action: Action, reports: list[Report], closed_at: str) -> None:
        """Stores the action and closes the open reports it names (Conflict if one was closed
        meanwhile), in one transaction."""
        item = ActionItem(
            *ActionItem.key(action.id), action_id=action.id, subject_type=action.subject.type,
            subject_id=action.subject.id, action=action.action, reason=action.reason,
            report_ids=list(action.report_ids), moderator_id=action.moderator_id,
            moderator_handle=action.moderator_handle, created_at=action.created_at,
            member_id=action.concerned.member_id if action.concerned else None,
            member_sub=action.concerned.sub if action.concerned else None,
            member_handle=action.concerned.handle if action.concerned else None)
        if action.action == REMOVE:
            item.gsi1pk, item.gsi1sk = KEPT_MEDIA, f"{action.created_at}#{action.id}"

        def fill(tx) -> None:
            tx.save(item, condition=ActionItem.pk.does_not_exist())
            for report in reports:
                tx.update(ReportItem(*ReportItem.key(report.id)), actions=[
                    ReportItem.status.set(CLOSED), ReportItem.closed_at.set(closed_at),
                    ReportItem.action_id.set(action.id), ReportItem.gsi1pk.set(f"REPORTS#{CLOSED}")],
                    condition=ReportItem.status == OPEN)
                tx.delete(OpenReportItem(*OpenReportItem.key(report.reporter.key, report.subject.type,
                                                             report.subject.id)))

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e):
                raise Conflict("A report it names was closed meanwhile; send the action again.") from e
            raise

    def action(self, action_id: str) -> Action | None:
        try:
            return _action(ActionItem.get(*ActionItem.key(action_id), consistent_read=True))
        except DoesNotExist:
            return None

    def kept_before(self, cutoff: str):
        """The removals taken before `cutoff` (RFC 3339) whose media are still kept, oldest first
        (one Query on gsi1 `KEPT_MEDIA`, paged by PynamoDB)."""
        return (_action(i) for i in ActionItem.gsi1.query(KEPT_MEDIA, range_key_condition=ActionItem.gsi1sk < cutoff,
                                                          scan_index_forward=True))

    def forget_kept(self, action_id: str) -> None:
        """The removal keeps nothing any more: it leaves the purge's index."""
        ActionItem(*ActionItem.key(action_id)).update(actions=[ActionItem.gsi1pk.remove(), ActionItem.gsi1sk.remove()],
                                                      condition=ActionItem.pk.exists())

    def mark_undone(self, action_id: str) -> None:
        ActionItem(*ActionItem.key(action_id)).update(actions=[ActionItem.undone.set(True)])

    # --- appeals ---------------------------------------------------------------------------

    def appeal(self, appeal: Appeal) -> None:
        """Stores an appeal and marks its action appealed; Conflict if it was appealed already."""
        item = AppealItem(*AppealItem.key(appeal.id), appeal_id=appeal.id, action_id=appeal.action_id,
                          body=appeal.body, status=OPEN, appellant_sub=appeal.appellant_sub,
                          created_at=appeal.created_at, gsi1pk=f"APPEALS#{OPEN}",
                          gsi1sk=f"{appeal.created_at}#{appeal.id}")

        def fill(tx) -> None:
            tx.save(item, condition=AppealItem.pk.does_not_exist())
            tx.update(ActionItem(*ActionItem.key(appeal.action_id)), actions=[ActionItem.appeal_id.set(appeal.id)],
                      condition=ActionItem.pk.exists() & ActionItem.appeal_id.does_not_exist())

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e):
                raise Conflict("This action has been appealed already; an action is appealed once.") from e
            raise

    def appeals(self, status: str, limit: int, after: str | None) -> tuple[list[Appeal], str | None]:
        return _oldest_first(AppealItem, f"APPEALS#{status}", limit, after, _appeal)

    def get_appeal(self, appeal_id: str) -> Appeal | None:
        try:
            return _appeal(AppealItem.get(*AppealItem.key(appeal_id), consistent_read=True))
        except DoesNotExist:
            return None

    def decide(self, appeal: Appeal, decision: str, reason: str, decided_at: str) -> Appeal:
        """Conflict if it was decided already (by a concurrent decision too)."""
        item = AppealItem(*AppealItem.key(appeal.id))
        try:
            item.update(actions=[AppealItem.status.set(DECIDED), AppealItem.decision.set(decision),
                                 AppealItem.decision_reason.set(reason), AppealItem.decided_at.set(decided_at),
                                 AppealItem.gsi1pk.set(f"APPEALS#{DECIDED}")],
                        condition=AppealItem.status == OPEN)
        except UpdateError as e:
            if condition_failed(e):
                raise Conflict("This appeal has been decided already.") from e
            raise
        return _appeal(item)


def _oldest_first(model, partition: str, limit: int, after: str | None, convert):
    items = list(model.gsi1.query(partition, range_key_condition=model.gsi1sk > after if after else None,
                                  scan_index_forward=True, limit=limit + 1, page_size=limit + 1))
    page = items[:limit]
    return [convert(i) for i in page], (page[-1].gsi1sk if len(items) > limit else None)


def _open_report(marker: OpenReportItem) -> str | None:
    try:
        return OpenReportItem.get(marker.pk, marker.sk).report_id
    except DoesNotExist:
        return None


def _report_item(report: Report) -> ReportItem:
    r = report.reporter
    return ReportItem(
        *ReportItem.key(report.id), report_id=report.id, subject_type=report.subject.type,
        subject_id=report.subject.id, reason=report.reason, body=report.body, status=report.status,
        reporter_id=r.member_id, reporter_handle=r.handle, reporter_sub=r.sub, email=r.email,
        created_at=report.created_at, gsi1pk=f"REPORTS#{report.status}", gsi1sk=f"{report.created_at}#{report.id}")


def _report(item: ReportItem) -> Report:
    return Report(
        id=item.report_id, subject=SubjectRef(item.subject_type, item.subject_id), reason=item.reason,
        body=item.body, status=item.status,
        reporter=Reporter(item.reporter_id, item.reporter_handle, item.reporter_sub, item.email),
        created_at=item.created_at, closed_at=item.closed_at, action_id=item.action_id)


def _action(item: ActionItem) -> Action:
    concerned = Concerned(item.member_id, item.member_sub, item.member_handle) if item.member_id else None
    return Action(
        id=item.action_id, subject=SubjectRef(item.subject_type, item.subject_id), action=item.action,
        reason=item.reason, report_ids=tuple(item.report_ids or ()), moderator_id=item.moderator_id,
        moderator_handle=item.moderator_handle, created_at=item.created_at, concerned=concerned,
        appeal_id=item.appeal_id, undone=bool(item.undone))


def _appeal(item: AppealItem) -> Appeal:
    return Appeal(
        id=item.appeal_id, action_id=item.action_id, body=item.body, status=item.status,
        created_at=item.created_at, appellant_sub=item.appellant_sub, decision=item.decision,
        decision_reason=item.decision_reason, decided_at=item.decided_at)
