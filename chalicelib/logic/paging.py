"""Reading a paged repository list to its end."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

PAGE = 100


def every_item(read_page: Callable[[int, str | None], tuple[list, str | None]]) -> Iterator[Any]:
    """Every item of a list that `read_page(limit, after)` answers a page at a time, in its order,
    read as it goes (a page of PAGE in memory at once)."""
    after = None
    while True:
        page, after = read_page(PAGE, after)
        yield from page
        if after is None:
            return
