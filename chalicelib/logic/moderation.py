"""Trust and safety use cases: report, act on reports (hide, restore, remove, suspend_member,
reinstate_member, dismiss), appeal an action and decide appeals.

Every action is stored with its statement of reasons (and closes the reports it names) before
its effect; its effect on a record is one transaction (storage.records `moderate`, `unmoderate`,
`remove`), so a record leaves every list and count at once. After the writes: `record_changed`
(search and feeds follow), `moderation` to the member concerned, `report_closed` to each signed-in
reporter. Moderation never touches money: a hidden or removed record keeps its royalty share.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from chalicelib import services
from chalicelib.auth import Principal
from chalicelib.domain import moderation as rules
from chalicelib.domain.events import RECORD_CHANGED, Event, Subject
from chalicelib.domain.ids import is_id, new_id_with_time
from chalicelib.domain.moderation import (
    Action, Appeal, Concerned, Moderation, Report, Reporter, SubjectRef,
)
from chalicelib.domain.comments import REMOVED as COMMENT_REMOVED, Comment
from chalicelib.domain.records import AWAITING_UPLOAD, READY, REJECTED, REMOVED, Record
from chalicelib.errors import (
    Conflict, FieldError, Forbidden, NotFound, NotRegistered, RuleViolation, UnavailableForLegalReasons,
    ValidationFailed,
)
from chalicelib.logic.paging import every_item
from chalicelib.storage.connection import retry

ATTEMPTS = 5
MAX_REPORT_IDS = 25  # an action closes at most this many reports (one transaction)


@dataclass(frozen=True)
class ReportDraft:
    subject: SubjectRef
    reason: str
    body: str | None
    email: str | None


# --- reports --------------------------------------------------------------------------------

def report(principal: Principal | None, draft: ReportDraft, source_ip: str) -> Report:
    """A report by a member (token) or anyone with an e-mail address, on a subject they can see."""
    from chalicelib.logic.rate_limits import quota

    reporter = _reporter(principal, draft.email)
    _check_visible(principal, draft.subject)
    limit = quota("reports", reporter.member_id) if reporter.member_id else quota("anonymous_reports", f"ip:{source_ip}")
    report_id, now = new_id_with_time()
    stored = Report(id=report_id, subject=draft.subject, reason=draft.reason, body=draft.body or None,
                    status=rules.OPEN, reporter=reporter, created_at=now)
    services.moderation().create_report(stored, limit)
    return stored


def _reporter(principal: Principal | None, email: str | None) -> Reporter:
    if principal is None:
        if not email:
            raise ValidationFailed("Without a token a report needs an e-mail address.",
                                   errors=[FieldError("email", "required without a token")])
        return Reporter(email=email)
    identity = services.members().identity(principal.sub)
    if identity is None:
        raise NotRegistered("Register a member profile with POST /members before you report, or send no token.")
    return Reporter(member_id=identity.member_id, handle=identity.handle, sub=principal.sub, email=email)


def _check_visible(principal: Principal | None, subject: SubjectRef) -> None:
    """404 for a subject the caller cannot see (a hidden record, a draft production)."""
    missing = NotFound(f"No {subject.type} has the id '{subject.id}'.")
    if subject.type == "record":
        from chalicelib.logic.records import visible

        try:
            visible(principal.sub if principal else None, subject.id)
        except UnavailableForLegalReasons:
            raise missing from None
    elif subject.type == "member":
        if not is_id(subject.id) or services.moderation().member(subject.id) is None:
            raise missing
    elif subject.type == "collaboration":
        from chalicelib.logic.collaborations import find

        find(subject.id)
    elif subject.type == "production":
        from chalicelib.logic.productions import visible as production

        production(principal, subject.id)
    else:  # a comment: visible (not removed) on a subject the caller can see
        from chalicelib.logic.comments import find, subject as comment_subject

        comment = find(subject.id)
        if comment.status != "visible" or comment.is_hidden:
            raise missing
        try:
            comment_subject(principal.sub if principal else None, comment.subject_type, comment.subject_id)
        except UnavailableForLegalReasons:
            raise missing from None


def reports(status: str, limit: int, after: str | None) -> tuple[list[Report], str | None]:
    return services.moderation().reports(status, limit, after)


# --- actions --------------------------------------------------------------------------------

def act(principal: Principal, subject: SubjectRef, action: str, report_ids: list[str], reason: str) -> Action:
    """Takes `action` on `subject` with its statement of reasons and closes the reports named."""
    repository = services.moderation()
    found = _open_reports(subject, report_ids)
    target = _target(subject, action)
    concerned = _concerned(subject, target)
    moderator = services.members().identity(principal.sub)
    action_id, now = new_id_with_time()
    taken = Action(id=action_id, subject=subject, action=action, reason=reason, report_ids=tuple(report_ids),
                   moderator_id=moderator.member_id if moderator else None,
                   moderator_handle=moderator.handle if moderator else None, created_at=now,
                   concerned=None if action == rules.DISMISS else concerned)
    repository.record_action(taken, found, now)
    _apply(taken, target)
    _announce(taken, found, target)
    return taken


def system_suspend(member: Concerned, reason: str) -> Action:
    """A suspension the service decides itself (the repeat-infringer rule), appealable like any other."""
    action_id, now = new_id_with_time()
    taken = Action(id=action_id, subject=SubjectRef("member", member.member_id), action=rules.SUSPEND,
                   reason=reason, report_ids=(), moderator_id=None, moderator_handle=rules.SYSTEM,
                   created_at=now, concerned=member)
    services.moderation().record_action(taken, [], now)
    _suspend(member, taken)
    _announce(taken, [], member)
    return taken


def _open_reports(subject: SubjectRef, report_ids: list[str]) -> list[Report]:
    if len(report_ids) > MAX_REPORT_IDS:
        raise ValidationFailed("Too many reports.", errors=[FieldError("report_ids", f"at most {MAX_REPORT_IDS}")])
    repeated = [n for n, i in enumerate(report_ids) if i in report_ids[:n]]
    if repeated:
        raise ValidationFailed("A report is named twice.",
                               errors=[FieldError(f"report_ids.{n}", "named twice") for n in repeated])
    found = services.moderation().reports_by_id(i for i in report_ids if is_id(i))
    errors = [FieldError(f"report_ids.{n}", "no such report") for n, i in enumerate(report_ids) if i not in found]
    errors += [FieldError(f"report_ids.{n}", "this report is about another subject")
               for n, i in enumerate(report_ids) if i in found and found[i].subject != subject]
    if errors:
        raise RuleViolation("The reports named must exist and be about this subject.", errors=errors)
    closed = [i for i in report_ids if found[i].status != rules.OPEN]
    if closed:
        raise Conflict(f"Report '{closed[0]}' is closed already.")
    return [found[i] for i in report_ids]


def _target(subject: SubjectRef, action: str):
    """What the action acts on, checked: a record, a member (Concerned), or None (dismiss)."""
    if action == rules.DISMISS:
        return _record_or_none(subject) if subject.type == "record" else None
    if action in (rules.SUSPEND, rules.REINSTATE):
        if subject.type != "member":
            raise RuleViolation(f"{action} acts on members.", errors=[FieldError("subject.type", "must be member")])
        member = services.moderation().member(subject.id) if is_id(subject.id) else None
        if member is None:
            raise NotFound(f"No member has the id '{subject.id}'.")
        suspended = services.members().suspended(member.sub, fresh=True)
        if action == rules.SUSPEND and suspended:
            raise Conflict("This member is suspended already.")
        if action == rules.REINSTATE and not suspended:
            raise Conflict("This member is not suspended.")
        return member
    if subject.type == "comment":
        return _comment_target(subject, action)
    if subject.type != "record":
        raise RuleViolation(f"{action} acts on records and comments (members: suspend_member).",
                            errors=[FieldError("subject.type", "must be record or comment")])
    record = _record_or_none(subject)
    if record is None or record.status in (AWAITING_UPLOAD, REJECTED):
        raise NotFound(f"No record has the id '{subject.id}'.")
    _check_record_action(record, action)
    return record


def _check_record_action(record: Record, action: str) -> None:
    if action == rules.HIDE and record.is_hidden:
        raise Conflict("This record is hidden already.")
    if action == rules.RESTORE and record.moderation is None:
        raise Conflict("This record is not moderated; there is nothing to restore.")
    if action == rules.REMOVE and record.status == REMOVED:
        raise Conflict("This record has been removed already.")


def _comment_target(subject: SubjectRef, action: str) -> Comment:
    comment = services.comments().get(subject.id, consistent=True) if is_id(subject.id) else None
    if comment is None:
        raise NotFound(f"No comment has the id '{subject.id}'.")
    if action == rules.HIDE and (comment.is_hidden or comment.status == COMMENT_REMOVED):
        raise Conflict("This comment is hidden or removed already.")
    if action == rules.RESTORE and comment.moderation is None:
        raise Conflict("This comment is not moderated; there is nothing to restore.")
    if action == rules.REMOVE and comment.status == COMMENT_REMOVED:
        raise Conflict("This comment has been removed already.")
    return comment


def _record_or_none(subject: SubjectRef) -> Record | None:
    return services.records().get(subject.id) if is_id(subject.id) else None


def _concerned(subject: SubjectRef, target) -> Concerned | None:
    if isinstance(target, Concerned):
        return target
    if isinstance(target, Record):
        return Concerned(member_id=target.owner_id, sub=target.owner_sub, handle=target.owner_handle)
    if isinstance(target, Comment):
        return services.moderation().member(target.author_id)  # None once the author deleted the account
    return None


def _apply(action: Action, target) -> None:
    kind = action.action
    if isinstance(target, Comment):
        if kind == rules.RESTORE:
            _unmoderate_comment(target.id)
        elif kind in (rules.HIDE, rules.REMOVE):
            state = rules.HIDDEN if kind == rules.HIDE else rules.MODERATOR_REMOVED
            _moderate_comment(target.id, Moderation(state, action.reason, action.id))
    elif kind == rules.HIDE:
        _moderate(target.id, Moderation(rules.HIDDEN, action.reason, action.id))
    elif kind == rules.RESTORE:
        _unmoderate(target.id)
    elif kind == rules.REMOVE:
        _remove(target.id, Moderation(rules.MODERATOR_REMOVED, action.reason, action.id))
    elif kind == rules.SUSPEND:
        _suspend(target, action)
    elif kind == rules.REINSTATE:
        _reinstate(target)


def _moderate(record_id: str, moderation: Moderation, only_listed: bool = False) -> Record | None:
    """Hides (or disables) the record, reading it again when it moved; None if it had nothing to hide."""
    repository = services.records()

    def attempt():
        record = repository.get(record_id)
        if record is None or record.status not in (READY, REMOVED) or (only_listed and record.moderation):
            return None
        repository.moderate(record, moderation)
        return record

    return retry(attempt, ATTEMPTS, _kept_changing)


def _unmoderate(record_id: str, action_id: str | None = None) -> Record | None:
    """Undoes a record's moderation (only that of `action_id`, if given)."""
    repository = services.records()

    def attempt():
        record = repository.get(record_id)
        if record is None or record.moderation is None:
            return None
        if action_id is not None and record.moderation.action_id != action_id:
            return None
        repository.unmoderate(record)
        return record

    return retry(attempt, ATTEMPTS, _kept_changing)


def _remove(record_id: str, moderation: Moderation) -> None:
    repository = services.records()

    def attempt():
        record = repository.get(record_id)
        if record is not None and record.status != REMOVED:
            repository.remove(record, moderation)

    retry(attempt, ATTEMPTS, _kept_changing)


def _kept_changing():
    raise Conflict("The record kept changing while it was moderated; try again.")


def _moderate_comment(comment_id: str, moderation: Moderation, only_listed: bool = False) -> bool:
    """Hides or removes the comment, reading it again when it moved; False if there was nothing
    to do (with `only_listed`: it is moderated or removed already)."""
    repository = services.comments()

    def attempt() -> bool:
        comment = repository.get(comment_id, consistent=True)
        if comment is None or (only_listed and not comment.is_counted):
            return False
        repository.moderate(comment, moderation)
        return True

    return retry(attempt, ATTEMPTS, _comment_kept_changing)


def _unmoderate_comment(comment_id: str, action_id: str | None = None) -> bool:
    """Undoes a comment's moderation (only that of `action_id`, if given)."""
    repository = services.comments()

    def attempt() -> bool:
        comment = repository.get(comment_id, consistent=True)
        if comment is None or comment.moderation is None:
            return False
        if action_id is not None and comment.moderation.action_id != action_id:
            return False
        repository.unmoderate(comment)
        return True

    return retry(attempt, ATTEMPTS, _comment_kept_changing)


def _comment_kept_changing():
    raise Conflict("The comment kept changing while it was moderated; try again.")


def _suspend(member: Concerned, action: Action) -> None:
    """Suspends the member and hides every listed record of theirs under this action."""
    services.members().suspend(member.sub, action.id)
    hidden = Moderation(rules.HIDDEN, action.reason, action.id)
    for record in services.records().listed_of(member.member_id):
        if _moderate(record.id, hidden, only_listed=True):
            _changed(record, visible=False)
    for comment in every_item(partial(services.comments().by_author, member.member_id)):
        if comment.is_counted:
            _moderate_comment(comment.id, hidden, only_listed=True)


def _reinstate(member: Concerned) -> None:
    """Lifts the suspension and restores the records its action hid."""
    suspended_by = services.members().suspended(member.sub, fresh=True)
    services.members().reinstate(member.sub)
    if suspended_by:
        for record in services.records().moderated_of(member.member_id, suspended_by):
            if _unmoderate(record.id, suspended_by):
                _changed(record, visible=True)
        for comment in every_item(partial(services.comments().by_author, member.member_id)):
            if comment.moderation is not None and comment.moderation.action_id == suspended_by:
                _unmoderate_comment(comment.id, suspended_by)


def _changed(record: Record, visible: bool) -> None:
    from chalicelib.domain.clock import now_rfc3339
    from chalicelib.logic.events import publish

    at = now_rfc3339()
    publish(Event(RECORD_CHANGED, f"record_changed:{record.id}:{at}", at, Subject("record", record.id, record.title),
                  data={"visible": visible}))


def _announce(action: Action, closed: list[Report], target) -> None:
    from chalicelib.logic.events import publish

    events = []
    if isinstance(target, Record) and action.action in (rules.HIDE, rules.RESTORE, rules.REMOVE):
        events.append(Event(RECORD_CHANGED, f"record_changed:{action.id}", action.created_at,
                            Subject("record", target.id, target.title),
                            data={"visible": action.action == rules.RESTORE}))
    if action.concerned is not None:
        events.append(_moderation_event(action, f"moderation:{action.id}", action.reason,
                                        {"action": action.action, "action_id": action.id}))
    reporters = tuple(dict.fromkeys(r.reporter.member_id for r in closed if r.reporter.member_id))
    if reporters:
        events.append(Event("report_closed", f"report_closed:{action.id}", action.created_at,
                            Subject(action.subject.type, action.subject.id), actor_id=action.moderator_id,
                            recipients=reporters, data={"action": action.action, "action_id": action.id,
                                                        "report_ids": list(action.report_ids)}))
    publish(*events)


def _moderation_event(action: Action, key: str, reason: str, data: dict) -> Event:
    from chalicelib.domain.clock import now_rfc3339

    subject = Subject(action.subject.type, action.subject.id)
    return Event("moderation", key, now_rfc3339(), subject, actor_id=None,
                 recipients=(action.concerned.member_id,), data={**data, "reason": reason})


# --- appeals --------------------------------------------------------------------------------

def appeal(principal: Principal, action_id: str, body: str) -> Appeal:
    """The member an action concerns appeals it: once, within six months."""
    from chalicelib.domain.clock import utcnow

    action = _action(action_id)
    if action.concerned is None or action.concerned.sub != principal.sub:
        raise Forbidden("Only the member this action concerns may appeal it.")
    if not rules.appeal_open(action.created_at, utcnow()):
        raise Conflict(f"Actions may be appealed for {rules.APPEAL_MONTHS} months; this one no longer can be.")
    if action.appeal_id is not None:
        raise Conflict("This action has been appealed already; an action is appealed once.")
    appeal_id, now = new_id_with_time()
    made = Appeal(id=appeal_id, action_id=action.id, body=body, status=rules.OPEN, created_at=now,
                  appellant_sub=principal.sub)
    services.moderation().appeal(made)
    return made


def _action(action_id: str) -> Action:
    action = services.moderation().action(action_id) if is_id(action_id) else None
    if action is None:
        raise NotFound(f"No moderation action has the id '{action_id}'.")
    return action


def appeals(status: str, limit: int, after: str | None) -> tuple[list[Appeal], str | None]:
    return services.moderation().appeals(status, limit, after)


def find_appeal(appeal_id: str) -> Appeal:
    found = services.moderation().get_appeal(appeal_id) if is_id(appeal_id) else None
    if found is None:
        raise NotFound(f"No appeal has the id '{appeal_id}'.")
    return found


def decide(found: Appeal, decision: str, reason: str) -> Appeal:
    """Upheld: the action stands (a removed record's media are deleted). Reversed: it is undone."""
    from chalicelib.domain.clock import now_rfc3339

    repository = services.moderation()
    if found.status == rules.DECIDED:
        raise Conflict("This appeal has been decided already.")
    action = _action(found.action_id)
    decided = repository.decide(found, decision, reason, now_rfc3339())
    if decision == rules.REVERSED:
        _undo(action)
    elif action.action == rules.REMOVE:
        _purge_kept(action)
    from chalicelib.logic.events import publish

    publish(_moderation_event(action, f"moderation:appeal:{found.id}", reason,
                              {"action": action.action, "action_id": action.id, "appeal_id": found.id,
                               "decision": decision}))
    return decided


def _undo(action: Action) -> None:
    if action.subject.type == "comment":
        _unmoderate_comment(action.subject.id, action.id)
    elif action.action in (rules.HIDE, rules.REMOVE):
        record = _unmoderate(action.subject.id, action.id)
        if record is not None:
            _changed(record, visible=True)
    elif action.action == rules.SUSPEND and action.concerned is not None:
        if services.members().suspended(action.concerned.sub, fresh=True) == action.id:
            _reinstate(action.concerned)
    services.moderation().mark_undone(action.id)


def _purge_kept(action: Action) -> bool:
    """A removal that stands: the media and text it kept go, as an owner's takedown's do, and it
    leaves the purge's index. False if the record is no longer removed by it (restored, or a
    reversed appeal): nothing is deleted."""
    if action.subject.type == "comment":
        purged = services.comments().drop_kept(action.subject.id, action.id)
        services.moderation().forget_kept(action.id)
        return purged
    records, record_id = services.records(), action.subject.id
    record = records.get(record_id)
    standing = (record is not None and record.status == REMOVED and record.moderation is not None
                and record.moderation.action_id == action.id)
    if standing and record.kind != "text":
        services.media().delete_media(record_id)
        services.media().delete_upload(record_id)
    purged = standing and records.drop_kept(record_id, action.id)
    services.moderation().forget_kept(action.id)
    return purged


def purge_removed_media(at) -> list[str]:
    """The daily purge, as of `at` (a datetime): what every removal kept (a record's media and
    text, a comment's body) goes once its appeal period has ended, unless an appeal is still open
    (its decision purges or restores). Returns the ids of the records and comments purged."""
    from chalicelib.domain.clock import to_rfc3339

    repository = services.moderation()
    purged = []
    for action in repository.kept_before(to_rfc3339(rules.add_months(at, -rules.APPEAL_MONTHS))):
        if rules.appeal_open(action.created_at, at):
            continue  # the months' ends: taken on a later day
        appeal = repository.get_appeal(action.appeal_id) if action.appeal_id else None
        if appeal is not None and appeal.status == rules.OPEN:
            continue
        if _purge_kept(action):
            purged.append(action.subject.id)
    return purged


def concerned_by(action_id: str) -> Action:
    return _action(action_id)
