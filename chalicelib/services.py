"""Lazy, cached factories for repositories and stores (one of each per warm container)."""
from __future__ import annotations

from functools import lru_cache

from chalicelib.config import get_settings


@lru_cache(maxsize=1)
def members():
    from chalicelib.storage.members import MemberRepository

    return MemberRepository(get_settings())


@lru_cache(maxsize=1)
def records():
    from chalicelib.storage.records import RecordRepository

    return RecordRepository(get_settings())


@lru_cache(maxsize=1)
def media():
    from chalicelib.storage.media import MediaStore

    return MediaStore(get_settings())


@lru_cache(maxsize=1)
def collaborations():
    from chalicelib.storage.collaborations import CollaborationRepository

    return CollaborationRepository(get_settings())


@lru_cache(maxsize=1)
def hearts():
    from chalicelib.storage.hearts import HeartRepository

    return HeartRepository(get_settings())


@lru_cache(maxsize=1)
def heart_events():
    from chalicelib.storage.hearts import HeartEvents

    return HeartEvents(get_settings())


@lru_cache(maxsize=1)
def productions():
    from chalicelib.storage.productions import ProductionRepository

    return ProductionRepository(get_settings())


@lru_cache(maxsize=1)
def sales():
    from chalicelib.storage.sales import SalesBook

    return SalesBook(get_settings())


@lru_cache(maxsize=1)
def royalties():
    from chalicelib.storage.royalties import RoyaltyBook

    return RoyaltyBook(get_settings())


@lru_cache(maxsize=1)
def royalty_queue():
    from chalicelib.storage.queues import RoyaltyQueue

    return RoyaltyQueue(get_settings())


@lru_cache(maxsize=1)
def royalty_batch_queue():
    from chalicelib.storage.queues import RoyaltyBatchQueue

    return RoyaltyBatchQueue(get_settings())


@lru_cache(maxsize=1)
def event_queue():
    from chalicelib.storage.queues import EventQueue

    return EventQueue(get_settings())


@lru_cache(maxsize=1)
def previews():
    from chalicelib.storage.previews import PreviewStore

    return PreviewStore(get_settings())


@lru_cache(maxsize=1)
def exports():
    from chalicelib.storage.your_data import ExportRepository

    return ExportRepository(get_settings())


@lru_cache(maxsize=1)
def export_queue():
    from chalicelib.storage.your_data import ExportQueue

    return ExportQueue(get_settings())


@lru_cache(maxsize=1)
def archives():
    from chalicelib.storage.your_data import ArchiveStore

    return ArchiveStore(get_settings())


@lru_cache(maxsize=1)
def hidden():
    from chalicelib.storage.hidden import HiddenRepository

    return HiddenRepository(get_settings())


@lru_cache(maxsize=1)
def accounts():
    from chalicelib.storage.your_data import AccountRepository

    return AccountRepository(get_settings())


FACTORIES = (members, records, media, collaborations, hearts, heart_events, productions, sales, royalties,
             royalty_queue, royalty_batch_queue, event_queue)
FACTORIES += (exports, export_queue, archives, accounts)
FACTORIES += (previews,)


@lru_cache(maxsize=1)
def inbox():
    from chalicelib.storage.notifications import Inbox

    return Inbox(get_settings())


@lru_cache(maxsize=1)
def search_index():
    from chalicelib.storage.search import SearchIndex

    return SearchIndex(get_settings())


FACTORIES += (inbox, search_index)


@lru_cache(maxsize=1)
def comments():
    from chalicelib.storage.comments import CommentRepository

    return CommentRepository(get_settings())


@lru_cache(maxsize=1)
def follows():
    from chalicelib.storage.follows import FollowRepository

    return FollowRepository(get_settings())


FACTORIES += (comments, follows)



@lru_cache(maxsize=1)
def payouts():
    from chalicelib.storage.payouts import PayoutBook

    return PayoutBook(get_settings())


@lru_cache(maxsize=1)
def payout_queue():
    from chalicelib.storage.queues import PayoutQueue

    return PayoutQueue(get_settings())


@lru_cache(maxsize=1)
def connect():
    """Stripe Connect, or the local bank on the local stage without a secret key."""
    settings = get_settings()
    if settings.uses_local_bank:
        from chalicelib.storage.local_bank import LocalBank

        return LocalBank(settings)
    from chalicelib.storage.stripe_connect import StripeConnect

    return StripeConnect(settings)


FACTORIES += (payouts, payout_queue, connect)


@lru_cache(maxsize=1)
def moderation():
    from chalicelib.storage.moderation import ModerationRepository

    return ModerationRepository(get_settings())


@lru_cache(maxsize=1)
def copyright_notices():
    from chalicelib.storage.copyright import NoticeRepository

    return NoticeRepository(get_settings())


@lru_cache(maxsize=1)
def mail():
    from chalicelib.storage.mail import Mailer

    return Mailer(get_settings())


FACTORIES += (moderation, copyright_notices, mail)


@lru_cache(maxsize=1)
def proposal_queue():
    from chalicelib.storage.queues import ProposalQueue

    return ProposalQueue(get_settings())


FACTORIES += (proposal_queue,)
