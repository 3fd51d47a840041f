"""Trust and safety: reports, moderation actions with their statement of reasons, appeals, and
the state a moderated record is in. Pure values and rules; storage keeps them, logic applies them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

# What can be reported, why, and what a moderator can do about it.
SUBJECT_TYPES = ("record", "comment", "member", "collaboration", "production")
REASONS = ("spam", "harassment", "hate", "sexual", "violence", "copyright", "privacy", "other")
HIDE, RESTORE, REMOVE, SUSPEND, REINSTATE, DISMISS = (
    "hide", "restore", "remove", "suspend_member", "reinstate_member", "dismiss")
ACTIONS = (HIDE, RESTORE, REMOVE, SUSPEND, REINSTATE, DISMISS)
OPEN, CLOSED, DECIDED = "open", "closed", "decided"
UPHELD, REVERSED = "upheld", "reversed"
DECISIONS = (UPHELD, REVERSED)

# A moderated record's state. `hidden` and `copyright_disabled` take it out of every list and
# count; `removed` marks a moderator's takedown (the record is a tombstone, its reasons shown to
# its owner, its media kept until the appeal period ends).
HIDDEN, COPYRIGHT_DISABLED, MODERATOR_REMOVED = "hidden", "copyright_disabled", "removed"
INVISIBLE_STATES = frozenset({HIDDEN, COPYRIGHT_DISABLED})

APPEAL_MONTHS = 6  # the Digital Services Act's complaint window
REPEAT_INFRINGER_NOTICES = 3
REPEAT_INFRINGER_DAYS = 365
SYSTEM = "system"  # the moderator of actions the service takes itself (repeat infringers)


@dataclass(frozen=True)
class Moderation:
    """Why a record is moderated: the action (or the copyright notice) that put it there."""

    state: str
    reason: str | None = None
    action_id: str | None = None
    notice_id: str | None = None

    @property
    def hides(self) -> bool:
        return self.state in INVISIBLE_STATES


@dataclass(frozen=True)
class SubjectRef:
    type: str
    id: str


@dataclass(frozen=True)
class Reporter:
    """Who reported: a member (id, handle, sub) or an anonymous e-mail address."""

    member_id: str | None = None
    handle: str | None = None
    sub: str | None = None
    email: str | None = None

    @property
    def key(self) -> str:
        """One open report per reporter and subject: members by identity, others by address."""
        return f"sub:{self.sub}" if self.sub else f"email:{(self.email or '').lower()}"


@dataclass(frozen=True)
class Report:
    id: str
    subject: SubjectRef
    reason: str
    body: str | None
    status: str
    reporter: Reporter
    created_at: str
    closed_at: str | None = None
    action_id: str | None = None


@dataclass(frozen=True)
class Concerned:
    """The member an action concerns (told of it, the one who may appeal), if any."""

    member_id: str
    sub: str
    handle: str


@dataclass(frozen=True)
class Action:
    id: str
    subject: SubjectRef
    action: str
    reason: str
    report_ids: tuple[str, ...]
    moderator_id: str | None
    moderator_handle: str | None
    created_at: str
    concerned: Concerned | None = None
    appeal_id: str | None = None
    undone: bool = False


@dataclass(frozen=True)
class Appeal:
    id: str
    action_id: str
    body: str
    status: str
    created_at: str
    appellant_sub: str
    decision: str | None = None
    decision_reason: str | None = None
    decided_at: str | None = None


def parse_time(rfc3339: str) -> datetime:
    return datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; a day the month lacks becomes its last day."""
    import calendar

    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def appeal_open(action_created_at: str, now: datetime) -> bool:
    """An action may be appealed for six months after it was taken."""
    return now <= add_months(parse_time(action_created_at), APPEAL_MONTHS)


def undoing(action: str) -> str | None:
    """The action a reversed appeal (or a restore) takes to undo `action`; None: nothing to undo."""
    return {HIDE: RESTORE, REMOVE: RESTORE, SUSPEND: REINSTATE, RESTORE: HIDE, REINSTATE: SUSPEND}.get(action)


def is_repeat_infringer(notice_times: list[str], now: datetime) -> bool:
    """Three notices or more within 365 days against which the member filed no counter-notice."""
    from datetime import timedelta

    since = now - timedelta(days=REPEAT_INFRINGER_DAYS)
    return sum(1 for t in notice_times if parse_time(t) >= since) >= REPEAT_INFRINGER_NOTICES
