"""Your data: export everything a member made (a ZIP streamed to S3 by the export function), and
delete the account while every lineage, split, credit and statement stays as it was.

See docs/your-data.md for what is kept after a deletion and why.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import partial

from chalicelib import services
from chalicelib.domain.clock import now_rfc3339, to_rfc3339, utcnow
from chalicelib.domain.ids import is_id
from chalicelib.domain.members import Identity, normalize_handle
from chalicelib.domain.records import REMOVED
from chalicelib.domain.your_data import (
    EXPORT_URL_SECONDS, FAILED, ORPHAN_HANDLE, READY, RUNNING, Erasure, Export, kept_until, media_extension,
)
from chalicelib.errors import Conflict, FieldError, NotFound, NotRegistered, ValidationFailed
from chalicelib.logic.paging import every_item
from chalicelib.observability import count, get_logger

STATEMENT_CSV_FIELDS = ("production_id", "production_title", "record_id", "record_title", "via", "amount")
RECORDS_PER_READ = 100
ATTEMPTS = 5
PAGE = 100


# --- exports -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportView:
    export: Export
    url: str | None
    expires_at: str | None
    kept_until: str | None


def request_export(identity: Identity) -> Export:
    """Starts an export (409 while another runs) and hands it to the export function."""
    export = services.exports().start(identity.member_id, identity.handle, utcnow())
    try:
        services.export_queue().send(export.id)
    except Exception:
        services.exports().finish(export, FAILED)  # frees the lock: the member may ask again
        raise
    count("ExportRequested")
    return export


def export_view(identity: Identity, export_id: str) -> ExportView:
    """The caller's export; another member's (or an unknown id) is 404. A ready one gets a
    freshly signed URL, valid an hour."""
    export = services.exports().get(export_id) if is_id(export_id) else None
    if export is None or export.member_id != identity.member_id:
        raise NotFound(f"You have no export with the id '{export_id}'.")
    if export.status != READY:
        return ExportView(export, None, None, None)
    expires = utcnow() + timedelta(seconds=EXPORT_URL_SECONDS)
    filename = f"remixery-{identity.handle}-{export.created_at[:10]}.zip"
    url = services.archives().url(export.key, filename, EXPORT_URL_SECONDS)
    return ExportView(export, url, to_rfc3339(expires), kept_until(export.ready_at))


def build_export(export_id: str, last_attempt: bool = False) -> Export | None:
    """The export function: streams the member's archive to S3, then marks it ready and tells
    the member (`export_ready`). A failure is raised for SQS to deliver again; on the last
    attempt the export is marked failed instead. Redeliveries of a finished export do nothing."""
    repository = services.exports()
    export = repository.get(export_id)
    if export is None or export.status != RUNNING:
        return None
    try:
        size = write_archive(export)
    except Exception:
        if not last_attempt:
            raise
        get_logger().exception("export failed for good", extra={"export_id": export_id})
        return repository.finish(export, FAILED)
    finished = repository.finish(export, READY, size)
    if finished is not None:
        from chalicelib.domain.events import Event, Subject
        from chalicelib.logic.events import publish

        publish(Event("export_ready", f"export_ready:{export.id}", finished.ready_at or now_rfc3339(),
                      Subject("export", export.id, "Your data"), recipients=(export.member_id,),
                      data={"size": size}))
        count("ExportReady")
    return finished


def write_archive(export: Export) -> int:
    """Writes the ZIP as a stream into an S3 multipart upload: one part in memory at a time,
    each media file read in 1 MiB chunks. Returns the archive's size in bytes."""
    writer = services.archives().writer(export.key)
    try:
        with zipfile.ZipFile(writer, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            _fill(archive, export)
        return writer.complete()
    except BaseException:
        writer.abort()
        raise


def _fill(archive: zipfile.ZipFile, export: Export) -> None:
    member_id = export.member_id
    profile = services.members().by_handle(export.handle)
    _json(archive, "profile.json", {
        "id": profile.id, "handle": profile.handle, "display_name": profile.display_name, "bio": profile.bio,
        "created_at": profile.created_at, "updated_at": profile.updated_at, "record_count": profile.record_count,
        "heart_count_received": profile.heart_count_received,
    })
    ids = services.accounts().owned_record_ids(member_id)
    for start in range(0, len(ids), RECORDS_PER_READ):
        found = services.records().get_many(ids[start:start + RECORDS_PER_READ], consistent=True)
        records = services.records().with_bodies([found[i] for i in ids[start:start + RECORDS_PER_READ]
                                                  if i in found and found[i].owner_id == member_id])
        for record in records:
            _json(archive, f"records/{record.id}.json", _record_json(record))
            if record.media is not None and record.status != REMOVED:
                _media(archive, record)
    _json(archive, "hearts.json", _hearts_given(profile.sub))
    _json(archive, "comments.json", [_comment_json(c) for c in _all(services.comments().by_author, member_id)])
    _json(archive, "follows.json", {
        "following": [{"member_id": f.followee_id, "handle": f.followee_handle, "followed_at": f.followed_at}
                      for f in _all(services.follows().following, member_id)],
        "followers": [{"member_id": f.follower_id, "handle": f.follower_handle, "followed_at": f.followed_at}
                      for f in _all(services.follows().followers, member_id)]})
    _json(archive, "payouts.json", [_payout_json(p) for p in _all(services.payouts().of_member, member_id)])
    for period, rows in _statements_by_period(member_id):
        statements = [_statement_json(row) for row in rows]
        _json(archive, f"statements/{period}.json", {"period": period, "statements": statements})
        archive.writestr(f"statements/{period}.csv", _statements_csv(statements))


def _json(archive: zipfile.ZipFile, name: str, value) -> None:
    archive.writestr(name, json.dumps(value, ensure_ascii=False, indent=1))


def _media(archive: zipfile.ZipFile, record) -> None:
    store = services.archives()
    size = store.media_size(record.id)
    if size is None:  # gone meanwhile (a takedown racing the export)
        return
    info = zipfile.ZipInfo(f"media/{record.id}.{media_extension(record.media.content_type)}",
                           date_time=_zip_time(record.created_at))
    info.compress_type = zipfile.ZIP_STORED  # media formats are compressed already
    info.file_size = size
    info.external_attr = 0o644 << 16
    with archive.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as out:
        for chunk in store.media_chunks(record.id):
            out.write(chunk)


def _zip_time(rfc3339: str) -> tuple[int, int, int, int, int, int]:
    moment = datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _record_json(record) -> dict:
    return {
        "id": record.id, "kind": record.kind, "title": record.title, "description": record.description,
        "tags": list(record.tags), "status": record.status, "rejection_reason": record.rejection_reason,
        "licence": record.licence, "remixable": record.remixable, "sources": list(record.sources),
        "collaboration_id": record.collaboration_id, "heart_count": record.heart_count,
        "remix_count": record.remix_count, "created_at": record.created_at, "updated_at": record.updated_at,
        "body": record.body, "media": asdict(record.media) if record.media else None,
        "media_file": (f"media/{record.id}.{media_extension(record.media.content_type)}"
                       if record.media and record.status != REMOVED else None),
    }


def _all(read_page, key: str, trips=None) -> list:
    """Every item of a paged repository list (`read_page(key, limit, after)`)."""
    items, after = [], None
    while True:
        page, after = read_page(key, PAGE, after)
        items += page
        if trips is not None:
            trips.queries += 1
        if after is None:
            return items


def _payout_json(payout) -> dict:
    """A payout as `GET /me/payouts` answers it, newest first."""
    def money(amount: int) -> dict:
        return {"amount": amount, "currency": payout.currency}

    return {"id": payout.id, "member_id": payout.member_id, "period": payout.period, "amount": money(payout.amount),
            "sent": money(payout.sent), "status": payout.status, "transfer_id": payout.transfer_id,
            "transfers": [{"id": t.id, "amount": t.amount, "amount_reversed": t.amount_reversed}
                          for t in payout.transfers],
            "failure_reason": payout.failure_reason, "created_at": payout.created_at, "updated_at": payout.updated_at}


def _comment_json(comment) -> dict:
    return {"id": comment.id, "subject": {"type": comment.subject_type, "id": comment.subject_id},
            "parent_id": comment.parent_id, "body": comment.body, "status": comment.status,
            "at_seconds": comment.at_seconds, "created_at": comment.created_at, "edited_at": comment.edited_at}


def _hearts_given(sub: str) -> list[dict]:
    return [{"record_id": record_id, "hearted_at": position.split("#", 1)[0]}
            for record_id, position in every_item(partial(services.hearts().hearts_by, sub))]


def _statements_by_period(member_id: str):
    periods = dict.fromkeys(r.period for r in every_item(partial(services.royalties().statements, member_id)))
    for period in periods:
        yield period, services.royalties().statements_of(member_id, period)


def _statement_json(row) -> dict:
    return {"currency": row.currency, "opening": row.opening, "credits": row.credits, "closing": row.closing,
            "payable": row.payable, "payout": row.payout, "lines": [line._asdict() for line in row.lines]}


def _statements_csv(statements: list[dict]) -> str:
    """As `GET /me/statements/{period}` with `Accept: text/csv`: a text cell that a spreadsheet
    would run as a formula is prefixed with a quote."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["currency", *STATEMENT_CSV_FIELDS])
    for statement in statements:
        for line in statement["lines"]:
            writer.writerow([_cell(statement["currency"]), *(_cell(line[f]) for f in STATEMENT_CSV_FIELDS)])
    return out.getvalue()


def _cell(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


# --- deletion ------------------------------------------------------------------------------

def delete_account(identity: Identity, confirm_handle: str, remove_works: bool) -> Erasure:
    """Erases the profile's personal data and orphans (or, with `remove_works`, takes down) its
    records; money stays owed to its member id. 400 and nothing changes unless `confirm_handle`
    names the caller's handle. Each of the member's items is touched once, in batches."""
    from chalicelib.storage.your_data import RoundTrips

    if normalize_handle(confirm_handle) != identity.handle:
        raise ValidationFailed("confirm_handle must be your handle.", errors=[
            FieldError("confirm_handle", "type your own handle to confirm")])
    trips = RoundTrips()
    accounts = services.accounts()
    records = _owned_records(identity.member_id, trips)
    removed = _take_down(records) if remove_works else 0
    if removed:
        records = _owned_records(identity.member_id, trips)
    orphaned = accounts.orphan_records(records, trips)
    hearts = accounts.erase_hearts(identity.sub, trips)
    follows = _unfollow_both_ways(identity, trips)
    comments = accounts.orphan_comments(_all(services.comments().by_author, identity.member_id, trips), trips)
    accounts.close_profile(identity, trips)
    services.members().forget(identity.sub)
    # A record created while this ran (by another request of the same member) is orphaned too.
    late = [r for r in _owned_records(identity.member_id, trips) if r.owner_handle != ORPHAN_HANDLE]
    orphaned += accounts.orphan_records(late, trips)
    _announce_deletion(identity, orphaned)
    count("MemberDeleted")
    return Erasure(records=orphaned, hearts=hearts, removed=removed, follows=follows, comments=comments,
                   round_trips=trips.total)


def _unfollow_both_ways(identity: Identity, trips) -> int:
    """Every follow of and by the member undone, 50 a transaction, each moving the other
    member's count as an unfollow does (their counts stay exact)."""
    repository = services.follows()
    edges = (_all(repository.following, identity.member_id, trips)
             + _all(repository.followers, identity.member_id, trips))
    return services.accounts().undo_follows(identity.handle, edges, trips)


def _owned_records(member_id: str, trips) -> list:
    ids = services.accounts().owned_record_ids(member_id, trips)
    found = services.records().get_many(ids, consistent=True)
    trips.batch_gets += -(-len(ids) // 100)
    return [found[i] for i in ids if i in found and found[i].owner_id == member_id]


def _take_down(records: list) -> int:
    """`remove_works`: each record becomes a tombstone, as the owner's takedown makes it."""
    from chalicelib.storage.connection import retry

    repository, media = services.records(), services.media()
    removed = 0
    for record in records:
        if record.status == REMOVED:
            continue
        unread = [record]

        def attempt(record_id=record.id, unread=unread) -> bool:
            current = unread.pop() if unread else repository.get(record_id)
            if current is None or current.status == REMOVED:
                return False
            repository.remove(current)
            return True

        def kept_changing():
            raise Conflict("A record kept changing while it was being taken down; try again.")

        if retry(attempt, ATTEMPTS, kept_changing):
            removed += 1
        if record.kind != "text":
            media.delete_media(record.id)
            media.delete_upload(record.id)
    return removed


def _announce_deletion(identity: Identity, records: int) -> None:
    from chalicelib.domain.events import RECORD_CHANGED, Event, Subject
    from chalicelib.logic.events import publish

    # Subscribers (search, feeds) re-read the member's records through `owned_record_ids`.
    publish(Event(RECORD_CHANGED, f"member_deleted:{identity.member_id}", now_rfc3339(),
                  Subject("member", identity.member_id, ORPHAN_HANDLE), actor_id=identity.member_id,
                  data={"change": "owner_deleted", "records": records}))


# --- what a deleted identity still reads ---------------------------------------------------

def member_ids(sub: str) -> list[str]:
    """Every profile this identity has had (its live one first): what it is owed is theirs.
    403 "register first" for an identity that never registered."""
    live = services.members().identity(sub)
    ids = [live.member_id] if live else []
    ids += [p.member_id for p in services.accounts().past_profiles(sub) if p.member_id not in ids]
    if not ids:
        raise NotRegistered("Register a member profile with POST /members before you create content.")
    return ids


def statements_page(sub: str, limit: int, after: str | None) -> tuple[list[tuple[str, object]], str | None]:
    """(member id, statement row) of every profile of the identity, newest period first, then
    member id, then currency; `after` is the `<period>#<member id>#<currency>` of the last listed."""
    ids = sorted(member_ids(sub))
    period, member, currency = (after.split("#") + ["", "", ""])[:3] if after else ("", "", "")
    rows = []
    for member_id in ids:
        if not after:
            start = None
        elif member_id < member:
            start = f"{period}#~"  # that period is listed for this member already
        elif member_id == member:
            start = f"{period}#{currency}"
        else:
            start = f"{period}#"
        found, _ = services.royalties().statements(member_id, limit + 1, start)
        rows += [(member_id, row) for row in found]
    rows.sort(key=lambda mr: (_desc(mr[1].period), mr[0], mr[1].currency))
    page = rows[:limit]
    last = page[-1] if page else None
    return page, (f"{last[1].period}#{last[0]}#{last[1].currency}" if len(rows) > limit else None)


def _desc(period: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in period)


def statements_of(sub: str, period: str) -> list[tuple[str, object]]:
    """(member id, statement row) of the period, for every profile of the identity."""
    return [(member_id, row) for member_id in member_ids(sub)
            for row in services.royalties().statements_of(member_id, period)]


def orphan_shares(records: list, members: list, gone: set[str]) -> tuple[list, list]:
    """A split's record and member shares (`logic.splits`' named tuples) with the owners that
    were deleted (their handles `gone`) reading `orphan`: a frozen lineage keeps the handles it
    was frozen with, and the amounts stay theirs (royalties keep crediting the member id)."""
    if not gone:
        return records, members
    return ([r._replace(owner_handle=ORPHAN_HANDLE) if r.owner_handle in gone else r for r in records],
            [m._replace(handle=ORPHAN_HANDLE) if m.handle in gone else m for m in members])


def payout_member_id(sub: str) -> str:
    """Whose payout account `/me/payout-account` is: the live profile's, else the last deleted
    one's (its payouts keep being sent there). 403 "register first" for an identity with none."""
    live = services.members().identity(sub)
    if live is not None:
        return live.member_id
    past = services.accounts().past_profiles(sub)
    if not past:
        raise NotRegistered("Register a member profile with POST /members before you create content.")
    return max(past, key=lambda p: p.deleted_at).member_id


def payouts_page(sub: str, limit: int, after: str | None) -> tuple[list, str | None]:
    """The payouts of every profile the identity has had: the live profile's first, then each
    deleted one's, each newest first; `after` is `<profile index>|<that profile's cursor>`."""
    from chalicelib.logic import payouts

    ids = member_ids(sub)
    index, _, inner = (after or "0|").partition("|")
    position, inner = (int(index) if index.isdigit() else 0), (inner or None)
    page: list = []
    while position < len(ids) and len(page) < limit:
        items, following = payouts.payouts_of(ids[position], limit - len(page), inner)
        page += items
        if following is not None:
            return page, f"{position}|{following}"
        position, inner = position + 1, None
    return page, (f"{position}|" if position < len(ids) else None)
