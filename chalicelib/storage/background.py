"""Writes that go out while the caller goes on computing.

A royalty run's close writes its payouts (transactions of 100 conditional puts) while it encodes
and writes the statements and balances they come from: the store works on the one while the
function builds the other, instead of each waiting for the other in turn. botocore clients
are safe to share between threads.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_pool: ThreadPoolExecutor | None = None
_pool_made = threading.Lock()


def start(call: Callable[..., T], *args, **kwargs) -> Future[T]:
    """Runs `call(*args, **kwargs)` on a storage thread; `.result()` gives its value or raises its error."""
    global _pool
    with _pool_made:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="storage")
    return _pool.submit(call, *args, **kwargs)
