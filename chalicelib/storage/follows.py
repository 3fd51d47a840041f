"""Follows (an edge per pair, two lists, the counts on both profiles) and the following feed.

A follow is one transaction: the edge (on the condition it does not exist), the followee's
`follower_count` and the follower's `following_count`; an unfollow deletes the edge on the
condition that it exists and moves both counts back. So N members following at once count N, and
a repeat changes nothing. Each profile item takes ~1,000 writes/s (500 transactional), which is
what one member can gain in followers per second.
"""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.config import Settings
from chalicelib.domain.follows import FeedEntry, Follow
from chalicelib.domain.members import MemberProfile
from chalicelib.storage.connection import batch_get_raw, bind_models, newest_first_page, write_unless
from chalicelib.storage.models import FeedEntryItem, FollowItem, MemberItem


class FollowRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    # --- the edge and the counts ------------------------------------------------------------

    def follow(self, follow: Follow, quota=None) -> bool:
        """Stores the follow; False if it existed already (nothing changes). `quota`: the rate
        limit, counted in the same transaction (TooManyRequests when over; a repeat never counts)."""
        from chalicelib.storage.rate_limits import Charge

        charge = Charge(quota) if quota is not None else None
        item = FollowItem(*FollowItem.key(follow.follower_id, follow.followee_id), follower_id=follow.follower_id,
                          follower_handle=follow.follower_handle, followee_id=follow.followee_id,
                          followee_handle=follow.followee_handle, followed_at=follow.followed_at,
                          gsi1pk=f"FOLLOWING#{follow.follower_id}", gsi1sk=f"{follow.followed_at}#{follow.followee_id}",
                          gsi2pk=f"FOLLOWERS#{follow.followee_id}", gsi2sk=f"{follow.followed_at}#{follow.follower_id}")

        def fill(tx) -> None:
            tx.save(item, condition=FollowItem.pk.does_not_exist())
            tx.update(MemberItem(*MemberItem.key(follow.followee_handle)), actions=[MemberItem.follower_count.add(1)],
                      condition=MemberItem.pk.exists())
            tx.update(MemberItem(*MemberItem.key(follow.follower_handle)), actions=[MemberItem.following_count.add(1)],
                      condition=MemberItem.pk.exists())
            if charge is not None:
                charge.add_to(tx)  # the last update (storage.rate_limits)

        try:
            return write_unless(self._settings, fill, attempts=8)
        except TransactWriteError as e:
            if charge is not None:
                charge.raise_if_over(e)
            raise

    def unfollow(self, follower_id: str, follower_handle: str, followee_id: str, followee_handle: str) -> bool:
        """Deletes the follow; False if there was none."""

        def fill(tx) -> None:
            tx.delete(FollowItem(*FollowItem.key(follower_id, followee_id)), condition=FollowItem.pk.exists())
            tx.update(MemberItem(*MemberItem.key(followee_handle)), actions=[MemberItem.follower_count.add(-1)])
            tx.update(MemberItem(*MemberItem.key(follower_handle)), actions=[MemberItem.following_count.add(-1)])

        return write_unless(self._settings, fill, attempts=8)

    def follower_count(self, handle: str) -> int:
        """The exact count now (a consistent read of the profile)."""
        try:
            return int(MemberItem.get(*MemberItem.key(handle), consistent_read=True).follower_count or 0)
        except DoesNotExist:
            return 0

    def follows(self, follower_id: str, followee_id: str, consistent: bool = False) -> bool:
        try:
            FollowItem.get(*FollowItem.key(follower_id, followee_id), consistent_read=consistent,
                           attributes_to_get=["pk"])
        except DoesNotExist:
            return False
        return True

    # --- lists ------------------------------------------------------------------------------

    def following(self, member_id: str, limit: int, after: str | None) -> tuple[list[Follow], str | None]:
        page, last = newest_first_page(FollowItem.gsi1, f"FOLLOWING#{member_id}", FollowItem.gsi1sk, limit, after)
        return [_follow(i) for i in page], last

    def followers(self, member_id: str, limit: int, after: str | None) -> tuple[list[Follow], str | None]:
        page, last = newest_first_page(FollowItem.gsi2, f"FOLLOWERS#{member_id}", FollowItem.gsi2sk, limit, after)
        return [_follow(i) for i in page], last

    def profiles(self, handles: list[str]) -> dict[str, MemberProfile]:
        """Profiles by handle, in one BatchGetItem (a page of followers or followees)."""
        from chalicelib.storage.members import _profile

        raw = batch_get_raw(self._settings, [MemberItem.key(h) for h in handles], consistent=False)
        return {item.handle: _profile(item) for item in map(MemberItem.from_raw_data, raw.values())}

    # --- the feed ---------------------------------------------------------------------------

    def feed(self, member_id: str, limit: int, after: str | None) -> tuple[list[FeedEntry], str | None]:
        """A member's feed entries, newest first (one Query)."""
        page, last = newest_first_page(FeedEntryItem, f"HOMEFEED#{member_id}", FeedEntryItem.sk, limit, after)
        return [FeedEntry(i.record_id, i.owner_id, i.sk.rsplit("#", 1)[0]) for i in page], last

    def add_to_feeds(self, member_ids: list[str], entry: FeedEntry) -> None:
        """One record into many members' feeds (BatchWriteItem, 25 a call; repeats overwrite)."""
        with FeedEntryItem.batch_write() as batch:
            for member_id in member_ids:
                batch.save(FeedEntryItem(*FeedEntryItem.key(member_id, entry.created_at, entry.record_id),
                                         record_id=entry.record_id, owner_id=entry.owner_id))

    def add_to_feed(self, member_id: str, entries: list[FeedEntry]) -> None:
        with FeedEntryItem.batch_write() as batch:
            for entry in entries:
                batch.save(FeedEntryItem(*FeedEntryItem.key(member_id, entry.created_at, entry.record_id),
                                         record_id=entry.record_id, owner_id=entry.owner_id))

    def remove_from_feed(self, member_id: str, entries: list[FeedEntry]) -> None:
        with FeedEntryItem.batch_write() as batch:
            for entry in entries:
                batch.delete(FeedEntryItem(*FeedEntryItem.key(member_id, entry.created_at, entry.record_id)))

    def owner_entries(self, owner_id: str, limit: int) -> list[FeedEntry]:
        """A member's newest ready records as feed entries (their records' own list, gsi5)."""
        from chalicelib.storage.models import RecordItem

        items = RecordItem.gsi5.query(f"OWNER#{owner_id}", scan_index_forward=False, limit=limit, page_size=limit)
        return [FeedEntry(i.record_id, i.owner_id, i.created_at) for i in items]

    def feed_entries_of(self, member_id: str, owner_id: str) -> list[FeedEntry]:
        """The entries of one owner's records in a member's feed (the whole partition is read: a
        background job's price, paid once per unfollow)."""
        items = FeedEntryItem.query(f"HOMEFEED#{member_id}", filter_condition=FeedEntryItem.owner_id == owner_id)
        return [FeedEntry(i.record_id, i.owner_id, i.sk.rsplit("#", 1)[0]) for i in items]

    def follower_ids(self, member_id: str, limit: int, after: str | None) -> tuple[list[str], str | None]:
        """Who follows a member, by id, a chunk at a time (the fan-out walks these)."""
        page, last = newest_first_page(FollowItem.gsi2, f"FOLLOWERS#{member_id}", FollowItem.gsi2sk, limit, after)
        return [i.follower_id for i in page], last


def _follow(item: FollowItem) -> Follow:
    return Follow(item.follower_id, item.follower_handle, item.followee_id, item.followee_handle, item.followed_at)
