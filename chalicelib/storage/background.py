"""Writes that go out while the caller goes on computing.

A royalty run's close writes its payouts (transactions of 100 conditional puts) while it encodes
and writes the statements and balances they come from: the store works on the one while the
function builds the other, instead of each waiting for the other in turn. botocore clients
are safe to share between threads.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")


def start(call: Callable[..., T], *args, **kwargs) -> Future[T]:
    """Runs `call(*args, **kwargs)` on a storage thread; `.result()` gives its value or raises its error."""
    return _threads().submit(call, *args, **kwargs)


@lru_cache(maxsize=1)
def _threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="storage")
