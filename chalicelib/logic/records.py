"""Records: publish (text inline, media through a presigned upload), cite more sources, edit,
take down; read one, the feeds, a record's remixes and lineage; and how a caller sees records
(`RecordView`: the media URL, and whether the caller hearts each one of a page).

Reads take `viewer`, the caller's identity (`sub`), or None without a token.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib import services
from chalicelib.domain.ids import is_id
from chalicelib.domain.licences import allows_derivatives
from chalicelib.domain.members import Identity
from chalicelib.domain.records import (
    AWAITING_UPLOAD, MEDIA_URL_TTL_SECONDS, READY, REMOVED, UPLOAD_CLEANUP_MARGIN_SECONDS, UPLOAD_URL_TTL_SECONDS, Draft,
    Feed, PresignedUpload, Record, SourceLink,
)
from chalicelib.domain.search import normalize_tags
from chalicelib.domain.moderation import COPYRIGHT_DISABLED, Moderation
from chalicelib.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation, ValidationFailed
from chalicelib.logic.previews import PreviewLinks, links
from chalicelib.logic import announcements
from chalicelib.storage.connection import LostRace, retry

ATTEMPTS = 5  # reads and writes of one change, when what it read keeps changing under it


@dataclass(frozen=True)
class RecordView:
    """A record as its caller sees it: `media_url` a presigned GET (ready media records),
    `hearted_by_me` whether the caller hearts it (None without a caller)."""

    record: Record
    media_url: str | None = None
    hearted_by_me: bool | None = None
    previews: PreviewLinks | None = None
    moderation: Moderation | None = None  # its owner's and moderators' view of a moderated record


def views(viewer: str | None, records: list[Record]) -> list[RecordView]:
    """Records as served: with media URLs and, for a caller, `hearted_by_me` from one
    BatchGetItem for the whole page."""
    hearted = services.hearts().hearted(viewer, [r.id for r in records]) if viewer and records else set()
    return [RecordView(r, _media_url(r), (r.id in hearted) if viewer else None, links(r)) for r in records]


def _media_url(record: Record) -> str | None:
    if record.status != READY or record.media is None:
        return None
    return services.media().media_url(record.id, record.media.content_type, MEDIA_URL_TTL_SECONDS)


# --- one record ---------------------------------------------------------------------------

def visible(viewer: str | None, record_id: str, moderator: bool = False) -> Record:
    """The record, if the caller may see it (see `Record.visible_to`); 404 otherwise. A hidden
    record is 404 and a copyright-disabled one 451 to all but its owner and moderators."""
    record = services.records().get(record_id) if is_id(record_id) else None
    if record is None or not record.visible_to(viewer, int(time.time())):
        raise NotFound(f"No record has the id '{record_id}'.")
    if record.is_hidden and not (moderator or record.is_owned_by(viewer)):
        if record.moderation.state == COPYRIGHT_DISABLED:
            from chalicelib.errors import UnavailableForLegalReasons

            raise UnavailableForLegalReasons("This record has been disabled in response to a copyright notice.",
                                             extensions={"notice_id": record.moderation.notice_id})
        raise NotFound(f"No record has the id '{record_id}'.")
    return record


def owned(sub: str, record_id: str) -> Record:
    """The record, if the caller owns it: 404 if they cannot see it, 403 if it is not theirs."""
    record = visible(sub, record_id)
    if not record.is_owned_by(sub):
        raise Forbidden("Only the record's owner may change it.")
    return record


def view(viewer: str | None, record_id: str, moderator: bool = False) -> RecordView:
    """One record as its caller sees it: its owner and moderators see why it is moderated."""
    from dataclasses import replace

    record = visible(viewer, record_id, moderator)
    shown = views(viewer, [record])[0]
    if record.moderation is not None and (moderator or record.is_owned_by(viewer)):
        shown = replace(shown, moderation=record.moderation)
    return shown


# --- changes ------------------------------------------------------------------------------

def publish(identity: Identity, draft: Draft) -> tuple[RecordView, PresignedUpload | None]:
    """Stores a record citing its sources: a text record is ready at once; a media record awaits
    its upload, and the answer says where to send it."""
    from chalicelib.domain.ids import new_id_with_time
    from chalicelib.domain.media import MAX_BYTES
    from chalicelib.observability import count

    errors = _draft_errors(draft)
    if errors:
        raise ValidationFailed(f"The body has {len(errors)} invalid field(s).", errors=errors)
    _check_remixable(draft.licence, draft.remixable)
    if draft.collaboration_id is not None:
        _check_collaboration(draft.collaboration_id, draft.kind)

    record_id, now = new_id_with_time()
    is_text = draft.kind == "text"
    record = Record(
        id=record_id, kind=draft.kind, title=draft.title, owner_id=identity.member_id,
        owner_handle=identity.handle, owner_sub=identity.sub, status=READY if is_text else AWAITING_UPLOAD,
        created_at=now, updated_at=now, description=draft.description, tags=normalize_tags(draft.tags),
        licence=draft.licence, remixable=allows_derivatives(draft.licence) if draft.remixable is None else draft.remixable,
        collaboration_id=draft.collaboration_id, body=draft.body,
        declared_file=draft.file, sources=tuple(s.record_id for s in draft.sources),
        expires_at=None if is_text else int(time.time()) + UPLOAD_URL_TTL_SECONDS + UPLOAD_CLEANUP_MARGIN_SECONDS,
    )
    links = list(draft.sources)
    from chalicelib.logic.rate_limits import quota

    limit = quota("records", identity.member_id)  # counted in the record's own transaction
    _link_sources(record.id, lambda: record.licence, links,
                  lambda found: services.records().create(record, links, found, limit))
    count("RecordCreated")
    if is_text:
        announcements.record_ready(record)  # remixed notifications, the search index
    upload = None if is_text else services.media().presigned_upload(
        record.id, draft.file.content_type, MAX_BYTES[record.kind], UPLOAD_URL_TTL_SECONDS)
    return views(None, [record])[0], upload


def _draft_errors(draft: Draft) -> list[FieldError]:
    return _media_errors(draft) + _repeated_sources(draft.sources)


def _check_remixable(licence: str, remixable: bool | None) -> None:
    if remixable and not allows_derivatives(licence):
        raise RuleViolation(f"A record under {licence} cannot be remixable: the licence forbids derivatives.",
                            errors=[FieldError("remixable", f"{licence} forbids derivatives")])


def _media_errors(draft: Draft) -> list[FieldError]:
    from chalicelib.domain.media import MAX_BYTES, allowed_content_types

    if draft.kind == "text":
        errors = [] if draft.body is not None else [FieldError("body", "text records need a body")]
        if draft.file is not None:
            errors.append(FieldError("file", "text records have no upload"))
        return errors
    errors = [] if draft.file is not None else [FieldError("file", f"{draft.kind} records need a file")]
    if draft.body is not None:
        errors.append(FieldError("body", "only text records have a body"))
    if draft.file is not None:
        allowed = allowed_content_types(draft.kind)
        if draft.file.content_type not in allowed:
            errors.append(FieldError("file.content_type", f"{draft.kind} accepts {', '.join(sorted(allowed))}"))
        if draft.file.size > MAX_BYTES[draft.kind]:
            errors.append(FieldError("file.size", f"{draft.kind} uploads are at most {MAX_BYTES[draft.kind]} bytes"))
    return errors


def _repeated_sources(links) -> list[FieldError]:
    seen, errors = set(), []
    for n, link in enumerate(links):
        if link.record_id in seen:
            errors.append(FieldError(f"sources.{n}.record_id", "this source is already cited"))
        seen.add(link.record_id)
    return errors


def _check_collaboration(collaboration_id: str, kind: str) -> None:
    from chalicelib.logic.collaborations import find

    collaboration = find(collaboration_id)
    if collaboration.kinds and kind not in collaboration.kinds:
        raise RuleViolation(f"This collaboration invites {', '.join(collaboration.kinds)} records, not {kind}.")


def cite(record: Record, links: list[SourceLink]) -> RecordView:
    """Adds sources to an owned record (422 if that would close a cycle)."""
    from chalicelib.domain.lineage import MAX_SOURCES, find_cycle

    errors = _repeated_sources(links)
    already = set(record.sources)
    errors += [FieldError(f"sources.{n}.record_id", "this source is already cited")
               for n, link in enumerate(links) if link.record_id in already]
    if len(record.sources) + len(links) > MAX_SOURCES:
        errors.append(FieldError("sources", f"a record cites at most {MAX_SOURCES} sources"))
    if errors:
        raise ValidationFailed(f"The body has {len(errors)} invalid field(s).", errors=errors)
    if record.status == REMOVED:
        raise Conflict("This record has been removed; it can no longer be changed.")

    repository = services.records()
    checked = [record]  # the record whose licence the sources were checked against

    def write(found: dict[str, Record]) -> Record:
        # Read under the lineage version the write is conditioned on: if another addition or a
        # licence change commits first, the write fails and this runs again against the new lineage.
        version = repository.lineage_version()
        current = repository.get(record.id)
        if current.licence != checked[0].licence:
            checked[0] = current
            raise LostRace()  # its licence changed since the sources were checked: check again
        if any(link.record_id in current.sources for link in links):
            raise ValidationFailed("A source is already cited.", errors=[FieldError("sources", "already cited")])
        cycle = find_cycle(current.id, [link.record_id for link in links],
                           lambda ids: repository.get_many(ids, consistent=True))
        if cycle:
            raise RuleViolation("Citing these sources would make the record build on itself: "
                                + " builds on ".join(cycle) + ".", extensions={"cycle": cycle})
        return repository.add_sources(current, links, found, version)

    cited = _link_sources(record.id, lambda: checked[0].licence, links, write)
    if cited.status == READY:  # a ready record cites more: their owners hear of it (once per owner)
        announcements.record_ready(cited)
    return views(None, [cited])[0]


def _link_sources(remix_id: str, licence, links: list[SourceLink], write):
    """Reads the cited records, applies the source rules for a remix under `licence()`, then
    `write(found)`s; a source that changed between the read and the write (made unremixable,
    relicensed, taken down) is read again."""
    from chalicelib.domain.lineage import check_sources

    ids = [link.record_id for link in links]

    def attempt():
        found = services.records().get_many(i for i in ids if is_id(i)) if ids else {}
        check_sources(remix_id, licence(), ids, found)
        return write(found)

    def kept_changing():
        raise Conflict("The cited records kept changing while this record was saved; try again.")

    return retry(attempt, ATTEMPTS, kept_changing)


def edit(record: Record, changes: dict) -> RecordView:
    """`changes`: title, description (None clears it), tags, remixable, licence; others are
    kept. A record under a no-derivatives licence is never remixable; a change of licence must
    keep the rules with the record's sources and with the remixes citing it (`_relicense`)."""
    repository = services.records()
    if "tags" in changes:
        changes = {**changes, "tags": list(normalize_tags(changes["tags"]))}
    unread = [record]  # the first attempt changes the record as the owner check read it

    def attempt() -> Record:
        current = unread.pop() if unread else repository.get(record.id)
        if current is None:  # an upload that never came, expired by its TTL meanwhile
            raise NotFound(f"No record has the id '{record.id}'.")
        licence = changes.get("licence", current.licence)
        _check_remixable(licence, changes.get("remixable"))
        if licence == current.licence:
            return repository.update_details(current, {k: v for k, v in changes.items() if k != "licence"})
        return _relicense(current, licence, changes)

    def kept_changing():
        raise Conflict("The record kept changing while it was edited; try again.")

    edited = retry(attempt, ATTEMPTS, kept_changing) if changes else record
    if changes:
        announcements.record_changed(edited.id, edited.title)
    return views(None, [edited])[0]


def _relicense(record: Record, licence: str, changes: dict) -> Record:
    """The record under `licence`, if its own sources still allow it (422) and so does every
    remix citing it that is awaiting upload or ready (409), and, once such a remix cites it, if
    `licence` grants at least what the old one did (409): what was granted stays granted. The
    same holds once a proposed or released production froze it in its lineage."""
    from chalicelib.domain.licences import first_breach, grants_at_least
    from chalicelib.storage.records import MAX_CITING

    repository = services.records()
    version = repository.lineage_version()  # everything below is read under it (see `relicense`)
    sources = repository.get_many(record.sources, consistent=True)
    breach = first_breach(licence, [(s, sources[s].licence) for s in record.sources if s in sources])
    if breach:
        raise RuleViolation(f"Under {licence} this record could not cite '{breach.source_id}': {breach.message}.",
                            errors=[FieldError("licence", breach.message)],
                            extensions={"rule": breach.rule, "source_id": breach.source_id})
    citing = repository.citing(record.id)
    if citing is None:
        raise Conflict(f"More than {MAX_CITING} records cite this record; its licence can no longer be changed.")
    live = sorted((r for r in citing if r.status in (AWAITING_UPLOAD, READY)), key=lambda r: r.id)
    for remix in live:
        breach = first_breach(remix.licence, [(record.id, licence)])
        if breach:
            raise Conflict(f"Remix '{remix.id}' ({remix.licence}) cites this record, and under {licence} it could "
                           f"not ({breach.rule}): {breach.message}.",
                           extensions={"rule": breach.rule, "remix_id": remix.id})
    if live and not grants_at_least(licence, record.licence):
        raise Conflict(f"Remix '{live[0].id}' cites this record under {record.licence}; {licence} would take back "
                       f"some of what it granted, so only a licence that grants at least as much is possible.",
                       extensions={"remix_id": live[0].id})
    if not grants_at_least(licence, record.licence):
        frozen = _frozen_by(record.id)  # read under the lineage version too: proposals freeze under it
        if frozen:
            raise Conflict(f"Production '{frozen[0].id}' ({frozen[0].status}) froze this record under "
                           f"{record.licence} in its payment proposal; {licence} would take back some of what was "
                           f"granted, so only a licence that grants at least as much is possible.",
                           extensions={"production_id": frozen[0].id})
    if not allows_derivatives(licence):
        changes = {**changes, "remixable": False}
    return repository.relicense(record, changes, version)


def _frozen_by(record_id: str) -> list:
    """Proposed and released productions whose current revision froze `record_id` in its lineage
    (the frozen-lineage index says which revisions did; each production says which is current)."""
    from chalicelib.config import get_settings
    from chalicelib.storage.proposals import ProposalRepository

    found = ProposalRepository(get_settings()).frozen_in(record_id)
    productions = [services.productions().get(production_id) for production_id, _ in found]
    return [p for p, (_, version) in zip(productions, found)
            if p is not None and not p.is_draft and p.contributions_version == version]


def take_down(sub: str, record_id: str) -> None:
    """The owner takes a record down: status `removed`, a tombstone that stays in lineage; its
    media are deleted."""
    record = owned(sub, record_id)
    repository = services.records()
    unread = [record]  # the first attempt takes down the record as the owner check read it

    def attempt() -> None:
        current = unread.pop() if unread else repository.get(record.id)
        if current is None:  # an upload that never came, expired by its TTL meanwhile
            raise NotFound(f"No record has the id '{record_id}'.")
        if current.status != REMOVED:
            repository.remove(current)  # LostRace: it or a source moved meanwhile (e.g. became ready)

    def kept_changing():
        raise Conflict("The record kept changing while it was being taken down; try again.")

    retry(attempt, ATTEMPTS, kept_changing)
    announcements.record_changed(record.id, record.title)
    if record.kind != "text":
        services.media().delete_media(record.id)
        services.media().delete_upload(record.id)
        services.previews().delete(record.id)


# --- lists --------------------------------------------------------------------------------

def feed_page(viewer: str | None, feed: Feed, limit: int, after: str | None) -> tuple[list[RecordView], str | None]:
    """Ready records of a feed, newest first, after position `after`; and the position after
    the page (None: no more)."""
    if feed.collaboration_id is not None and not is_id(feed.collaboration_id):
        return [], None
    records, last = services.records().list(feed, limit, after)
    return views(viewer, records), last


def remixes(viewer: str | None, record: Record, limit: int,
            after: str | None) -> tuple[list[RecordView], str | None]:
    """Direct remixes of `record` that are ready, newest first."""
    found, last = services.records().remixes(record.id, limit, after)
    return views(viewer, found), last


def lineage(start: Record, direction: str, depth: int):
    """What `start` builds on (`ancestors`) or what builds on it (`descendants`), `depth` levels."""
    from chalicelib.domain.lineage import walk

    return walk(start, direction, depth, services.records().get_many)
