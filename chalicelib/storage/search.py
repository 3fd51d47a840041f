"""The tag and word-prefix index (see docs/search.md and domain/search.py).

Written only by the search subscriber (logic/search.py), asynchronously, from the subject's
current state: `SearchDocItem` remembers what the index holds for a record or a member, so a
change writes only the difference — one transaction for the document and the tag counts it
moves (exact: conditioned on what was read), then one BatchWriteItem run for the term and tag
items. Reads are Queries on partitions made for them, never a Scan; every hit is checked again
against the subject itself by the caller, so a stale item can only make a page shorter.
"""
from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from chalicelib.config import Settings
from chalicelib.domain.search import TAG_PREFIX_LENGTH, tag_order_key, tag_prefixes, terms
from chalicelib.storage.connection import LostRace, batch_get_raw, bind_models, write_or_lose
from chalicelib.storage.models import SearchDocItem, TagItem, TaggedItem, TermItem

ATTEMPTS = 12
READ_AHEAD = 200  # index items one page's Query reads at most (one request: they are small)


@dataclass(frozen=True)
class Indexed:
    """What the index should hold for a subject: the sort key of its items (`<created_at>#<id>`),
    its words, and for records the kind and tags, for members the handle."""

    sort_key: str
    words: tuple[str, ...]
    kind: str | None = None
    tags: tuple[str, ...] = ()
    handle: str | None = None


@dataclass(frozen=True)
class Hit:
    subject_id: str
    words: tuple[str, ...]
    handle: str | None
    position: str


@dataclass(frozen=True)
class WriteReport:
    """What one index update wrote (the budget bench prints it)."""

    items_put: int
    items_deleted: int
    tags_counted: int


class SearchIndex:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    # --- writes (the subscriber) -----------------------------------------------------------

    def update(self, subject_type: str, subject_id: str, wanted: Indexed | None, current) -> WriteReport:
        """Makes the index hold `wanted` for the subject (None: nothing). `current()` reads the
        subject's state again (an `Indexed` or None) if another writer of the same subject
        committed in between, so the last writer leaves the index as the subject is."""
        members = subject_type == "member"
        put = deleted = counted = 0
        also_old_terms: set[str] = set()
        also_old_tags: set[str] = set()
        force = False  # after another writer came in between, everything wanted is written again
        for _ in range(3):
            (old_terms, old_tags, old_sort, old_carried), version = self._write_doc(subject_type, subject_id, wanted)
            new_terms = terms(wanted.words) if wanted else set()
            new_tags = set(wanted.tags) if wanted else set()
            counted += len(old_tags ^ new_tags)
            same_place = wanted is not None and wanted.sort_key == old_sort
            unchanged = same_place and not force and old_carried == _carried(wanted)
            stale_terms = (old_terms | also_old_terms) - (new_terms if same_place else set())
            stale_tags = (old_tags | also_old_tags) - (new_tags if same_place else set())
            put_terms = new_terms - old_terms if unchanged else new_terms
            put_tags = new_tags - old_tags if unchanged else new_tags
            with TermItem.batch_write() as batch:
                for term in sorted(put_terms):
                    batch.save(_term_item(term, wanted, members))
                for tag in sorted(put_tags):
                    batch.save(_tagged_item(tag, wanted))
                for sort_key in {old_sort} - {None}:
                    for term in sorted(stale_terms):
                        batch.delete(TermItem(*TermItem.key(term, sort_key, members)))
                    for tag in sorted(stale_tags):
                        batch.delete(TaggedItem(*TaggedItem.key(tag, sort_key)))
            put += len(put_terms) + len(put_tags)
            deleted += len(stale_terms) + len(stale_tags)
            if self._version(subject_type, subject_id) == version:
                break
            also_old_terms, also_old_tags, force = new_terms, new_tags, True
            wanted = current()
        return WriteReport(put, deleted, counted)

    def _write_doc(self, subject_type: str, subject_id: str, wanted: Indexed | None):
        """Stores the document for `wanted` and moves the counts of the tags it adds and drops,
        in one transaction conditioned on the document's version (LostRace → read again);
        returns (what the old document held, the new version)."""
        key = SearchDocItem.key(subject_type, subject_id)

        def attempt():
            try:
                doc = SearchDocItem.get(*key, consistent_read=True)
            except DoesNotExist:
                doc = None
            old_terms = set(doc.terms or ()) if doc else set()
            old_tags = set(doc.tags or ()) if doc else set()
            old_sort = doc.sort_key if doc else None
            old_carried = doc.carried if doc else None
            new_tags = set(wanted.tags) if wanted else set()
            moved = sorted(old_tags ^ new_tags)
            counts = self._tag_counts(moved)
            version = int(doc.version) + 1 if doc else 1
            item = SearchDocItem(*key, terms=terms(wanted.words) if wanted else None, tags=new_tags or None,
                                 sort_key=wanted.sort_key if wanted else None,
                                 carried=_carried(wanted) if wanted else None, version=version)

            def fill(tx) -> None:
                tx.save(item, condition=(SearchDocItem.version == doc.version) if doc else SearchDocItem.pk.does_not_exist())
                for tag in moved:
                    before = counts.get(tag)
                    after = (before or 0) + (1 if tag in new_tags else -1)
                    condition = (TagItem.record_count == before) if before is not None else TagItem.pk.does_not_exist()
                    tx.update(TagItem(*TagItem.key(tag)), actions=_tag_actions(tag, max(after, 0)), condition=condition)

            write_or_lose(self._settings, fill)
            return (old_terms, old_tags, old_sort, old_carried), version

        import random
        import time

        for n in range(ATTEMPTS):
            try:
                return attempt()
            except LostRace:
                # Another record moved a shared tag's count (or this document) first: read again,
                # after a short random wait, so the writers of a popular tag take turns.
                time.sleep(random.uniform(0, 0.005 * 2 ** min(n, 6)))
        raise LostRace()  # still losing: the event is delivered again (SQS) and reads afresh

    def _tag_counts(self, tags: list[str]) -> dict[str, int]:
        if not tags:
            return {}
        found = batch_get_raw(self._settings, [TagItem.key(t) for t in tags])
        return {TagItem.from_raw_data(raw).tag: int(TagItem.from_raw_data(raw).record_count or 0)
                for raw in found.values()}

    def _version(self, subject_type: str, subject_id: str) -> int:
        try:
            return int(SearchDocItem.get(*SearchDocItem.key(subject_type, subject_id), consistent_read=True).version)
        except DoesNotExist:
            return 0

    # --- reads -----------------------------------------------------------------------------

    def hits(self, term: str, kind: str | None, after: str | None, members: bool = False) -> tuple[list[Hit], bool]:
        """Up to READ_AHEAD index items under `term` (of `kind`), newest first, after position
        `after` (one Query); and whether more may follow."""
        if kind:
            index, partition, sort_key = TermItem.gsi1, f"TERM#{kind}#{term}", TermItem.gsi1sk
        else:
            index, partition, sort_key = TermItem, TermItem.key(term, "", members)[0], TermItem.sk
        items = list(index.query(partition, range_key_condition=sort_key < after if after else None,
                                 scan_index_forward=False, limit=READ_AHEAD, page_size=READ_AHEAD))
        return [Hit(i.subject_id, tuple(i.words.split()), i.handle, i.sk) for i in items], len(items) == READ_AHEAD

    def tagged(self, tag: str, kind: str | None, limit: int, after: str | None) -> tuple[list[tuple[str, str]], str | None]:
        """(record id, position) of records carrying `tag` (of `kind`), newest first (one Query)."""
        if kind:
            index, partition, sort_key = TaggedItem.gsi1, f"TAGGED#{kind}#{tag}", TaggedItem.gsi1sk
        else:
            index, partition, sort_key = TaggedItem, TaggedItem.key(tag, "")[0], TaggedItem.sk
        items = list(index.query(partition, range_key_condition=sort_key < after if after else None,
                                 scan_index_forward=False, limit=limit + 1, page_size=limit + 1))
        page = items[:limit]
        return [(i.record_id, i.sk) for i in page], (page[-1].sk if len(items) > limit else None)

    def profiles(self, handles: list[str]) -> dict:
        """The member profiles of these handles that exist (one BatchGetItem), by handle."""
        from chalicelib.domain.members import MemberProfile
        from chalicelib.storage.models import MemberItem

        found = batch_get_raw(self._settings, [MemberItem.key(h) for h in dict.fromkeys(handles)], consistent=False)
        profiles = {}
        for raw in found.values():
            item = MemberItem.from_raw_data(raw)
            profiles[item.handle] = MemberProfile(id=item.member_id, handle=item.handle, display_name=item.display_name,
                                                  bio=item.bio, created_at=item.created_at, updated_at=item.updated_at)
        return profiles

    def tags(self, prefix: str, limit: int, after: str | None) -> tuple[list[tuple[str, int]], str | None]:
        """(tag, record count) most used first, ties by tag, of tags starting with `prefix`
        (one Query: a prefix of up to 4 characters names its partition; a longer one reads its
        first 4 characters' partition and keeps what starts with it, so a page may come short)."""
        n = min(len(prefix), TAG_PREFIX_LENGTH)
        index = [TagItem.gsi1, TagItem.gsi2, TagItem.gsi3, TagItem.gsi4, TagItem.gsi5][n]
        sort_key = getattr(TagItem, f"gsi{n + 1}sk")
        partition = "TAGS" if n == 0 else f"TAGS#{prefix[:n]}"
        exact = len(prefix) <= TAG_PREFIX_LENGTH
        read = limit + 1 if exact else READ_AHEAD
        items = list(index.query(partition, range_key_condition=sort_key > after if after else None,
                                 scan_index_forward=True, limit=read, page_size=read))
        if exact:
            page = items[:limit]
            return [(i.tag, int(i.record_count)) for i in page], (getattr(page[-1], sort_key.attr_name)
                                                                  if len(items) > limit else None)
        found, last, examined = [], None, 0
        for item in items:
            examined += 1
            if item.tag.startswith(prefix):
                found.append((item.tag, int(item.record_count)))
            last = getattr(item, sort_key.attr_name)
            if len(found) == limit:
                break
        more = examined < len(items) or len(items) == read
        return found, (last if more else None)


def _tag_actions(tag: str, count: int) -> list:
    actions = [TagItem.tag.set(tag), TagItem.record_count.set(count)]
    prefixes = tag_prefixes(tag) if count > 0 else []
    order = tag_order_key(count, tag)
    for n in range(1, TAG_PREFIX_LENGTH + 2):
        pk, sk = getattr(TagItem, f"gsi{n}pk"), getattr(TagItem, f"gsi{n}sk")
        if n - 1 < len(prefixes):
            prefix = prefixes[n - 1]
            actions += [pk.set("TAGS" if prefix == "" else f"TAGS#{prefix}"), sk.set(order)]
        else:
            actions += [pk.remove(), sk.remove()]
    return actions


def _carried(wanted: Indexed) -> str:
    return f"{' '.join(wanted.words)}|{wanted.kind or ''}|{wanted.handle or ''}"


def _term_item(term: str, wanted: Indexed, members: bool) -> TermItem:
    return TermItem(*TermItem.key(term, wanted.sort_key, members), subject_id=wanted.sort_key.rsplit("#", 1)[1],
                    words=" ".join(wanted.words), kind=wanted.kind, handle=wanted.handle,
                    gsi1pk=f"TERM#{wanted.kind}#{term}" if wanted.kind else None,
                    gsi1sk=wanted.sort_key if wanted.kind else None)


def _tagged_item(tag: str, wanted: Indexed) -> TaggedItem:
    return TaggedItem(*TaggedItem.key(tag, wanted.sort_key), record_id=wanted.sort_key.rsplit("#", 1)[1],
                      gsi1pk=f"TAGGED#{wanted.kind}#{tag}", gsi1sk=wanted.sort_key)
