"""Licences: the eight a record may carry, the rules a remix's licence must meet against its
sources' licences, and which changes of a licence grant at least as much as before.

The citation rules, given the remix's licence, hold source by source: "all share-alike sources
have the same licence and the remix has exactly it" is "every share-alike source has the
remix's licence". So sources already cited (which met the rules with the remix's licence) never
need reading again when more are added.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

REMIXERY, CC0, CC_BY, CC_BY_SA, CC_BY_NC = "remixery", "cc0", "cc-by", "cc-by-sa", "cc-by-nc"
CC_BY_NC_SA, CC_BY_ND, CC_BY_NC_ND = "cc-by-nc-sa", "cc-by-nd", "cc-by-nc-nd"
DEFAULT_LICENCE = REMIXERY


@dataclass(frozen=True)
class Licence:
    id: str
    name: str
    url: str
    derivatives: bool
    share_alike: bool
    non_commercial: bool
    attribution: bool

    def restrictions(self) -> tuple[bool, bool, bool, bool]:
        """What it forbids or asks: derivatives forbidden, share-alike, non-commercial, attribution."""
        return (not self.derivatives, self.share_alike, self.non_commercial, self.attribution)


def _cc(id_: str, name: str, path: str, derivatives=True, share_alike=False, non_commercial=False) -> Licence:
    return Licence(id_, name, f"https://creativecommons.org/{path}/", derivatives, share_alike, non_commercial, True)


LICENCES: dict[str, Licence] = {licence.id: licence for licence in (
    Licence(REMIXERY, "Remixery community licence", "https://remixery.org/licence", derivatives=True,
            share_alike=False, non_commercial=True, attribution=True),
    Licence(CC0, "CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/", derivatives=True,
            share_alike=False, non_commercial=False, attribution=False),
    _cc(CC_BY, "CC BY 4.0", "licenses/by/4.0"),
    _cc(CC_BY_SA, "CC BY-SA 4.0", "licenses/by-sa/4.0", share_alike=True),
    _cc(CC_BY_NC, "CC BY-NC 4.0", "licenses/by-nc/4.0", non_commercial=True),
    _cc(CC_BY_NC_SA, "CC BY-NC-SA 4.0", "licenses/by-nc-sa/4.0", share_alike=True, non_commercial=True),
    _cc(CC_BY_ND, "CC BY-ND 4.0", "licenses/by-nd/4.0", derivatives=False),
    _cc(CC_BY_NC_ND, "CC BY-NC-ND 4.0", "licenses/by-nc-nd/4.0", derivatives=False, non_commercial=True),
)}
LICENCE_IDS = tuple(LICENCES)

NO_DERIVATIVES, SHARE_ALIKE, NON_COMMERCIAL, ATTRIBUTION = "no_derivatives", "share_alike", "non_commercial", "attribution"
RULES = (NO_DERIVATIVES, SHARE_ALIKE, NON_COMMERCIAL, ATTRIBUTION, REMIXERY)  # the contract's order


def _no_derivatives(remix: Licence, source: Licence) -> bool:
    return source.derivatives


def _share_alike(remix: Licence, source: Licence) -> bool:
    return not source.share_alike or source.id == remix.id


def _non_commercial(remix: Licence, source: Licence) -> bool:
    return not source.non_commercial or remix.non_commercial


def _attribution(remix: Licence, source: Licence) -> bool:
    return not source.attribution or remix.id != CC0


def _remixery(remix: Licence, source: Licence) -> bool:
    return source.id != REMIXERY or remix.id == REMIXERY


_CHECKS: tuple[tuple[str, Callable[[Licence, Licence], bool]], ...] = (
    (NO_DERIVATIVES, _no_derivatives), (SHARE_ALIKE, _share_alike), (NON_COMMERCIAL, _non_commercial),
    (ATTRIBUTION, _attribution), (REMIXERY, _remixery),
)

EXPLANATIONS = {
    NO_DERIVATIVES: "its licence ({source}) forbids derivatives",
    SHARE_ALIKE: "its licence ({source}) is share-alike: a remix of it must carry {source} too, not {remix}",
    NON_COMMERCIAL: "its licence ({source}) is non-commercial, and {remix} is not",
    ATTRIBUTION: "its licence ({source}) asks for attribution, which {remix} does not",
    REMIXERY: "work under the Remixery community licence stays under it, and {remix} is another licence",
}


class Breach(NamedTuple):
    """The first rule a citation breaks: which, the source it names, and where that source
    stands in the list checked (the request's order)."""

    rule: str
    source_id: str
    position: int
    message: str


def first_breach(remix_licence: str, sources: Sequence[tuple[str, str]]) -> Breach | None:
    """The first rule, in the contract's order, that a remix under `remix_licence` citing
    `sources` ((record id, licence id), in the request's order) breaks, naming the first source
    that breaks it; None if it may cite them all."""
    remix = LICENCES[remix_licence]
    for rule, allows in _CHECKS:
        for position, (source_id, licence_id) in enumerate(sources):
            source = LICENCES[licence_id]
            if not allows(remix, source):
                return Breach(rule, source_id, position,
                              EXPLANATIONS[rule].format(source=source.id, remix=remix.id))
    return None


def grants_at_least(new: str, old: str) -> bool:
    """Whether licence `new` grants at least what `old` did: forbids and asks no more. The
    community licence is granted as much by `cc-by-nc` or anything more open, and grants less
    than every other licence (remixing is limited to Remixery)."""
    if new == old:
        return True
    if new == REMIXERY:
        return False
    baseline = LICENCES[CC_BY_NC if old == REMIXERY else old].restrictions()
    return all(n <= o for n, o in zip(LICENCES[new].restrictions(), baseline))


def allows_derivatives(licence_id: str) -> bool:
    return LICENCES[licence_id].derivatives
