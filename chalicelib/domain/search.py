"""Tags and search: how text becomes words, words become index terms, and a query matches.

Words are split at anything that is not a letter or a digit, after Unicode compatibility
decomposition with the combining marks dropped and case folded: "Café" → cafe, "rock'n'roll" →
rock, n, roll, "ＡＢＣ" → abc. A query matches a document when every query word is the start
of one of the document's words (AND across words, word-prefix matching).

The index (storage/search.py) keeps one item per *term*: every prefix of 1 to TERM_LENGTH
characters of each distinct word. A query reads the partition of its most selective word (the
longest, cut to TERM_LENGTH) and checks the other words, and the rest of a longer word, against
the words the item carries. See docs/search.md for the numbers.
"""
from __future__ import annotations

import re
import unicodedata

TERM_LENGTH = 6  # index prefixes of 1..6 characters; longer query words are checked in memory
TAG_PREFIX_LENGTH = 4  # GET /tags?prefix= reads a partition of the prefix's first 1..4 characters
MAX_QUERY = 100
MAX_TAG = 30

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Case-, accent- and compatibility-insensitive form of `text`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The words of `text`, folded, in order (repeats kept)."""
    return _WORD.findall(fold(text))


def normalize_tag(tag: str) -> str:
    """How tags are stored and looked up: surrounding blanks trimmed, lowercased."""
    return tag.strip().lower()


def normalize_tags(tags) -> tuple[str, ...]:
    """Tags as stored: normalised, repeats (after normalising) dropped, order kept."""
    return tuple(dict.fromkeys(t for t in (normalize_tag(tag) for tag in tags) if t))


def record_words(title: str, tags) -> tuple[str, ...]:
    """The distinct words a record is found by: its title's and its tags'."""
    found = words(title)
    for tag in tags:
        found += words(tag)
    return tuple(sorted(set(found)))


def member_words(handle: str, display_name: str) -> tuple[str, ...]:
    """The distinct words a member is found by: the handle's (split at `_`) and the display name's."""
    return tuple(sorted(set(words(handle)) | set(words(display_name))))


def terms(document_words) -> set[str]:
    """The index terms of a document: each word's prefixes of 1..TERM_LENGTH characters."""
    return {word[:n] for word in document_words for n in range(1, min(len(word), TERM_LENGTH) + 1)}


def query_words(q: str) -> tuple[str, ...]:
    """The distinct words of a query, longest first; none when it has no letter or digit (such a
    query finds nothing: a schema-valid `q` is never refused)."""
    return tuple(sorted(set(words(q)), key=lambda w: (-len(w), w)))


def lookup_term(wanted: tuple[str, ...]) -> str:
    """The index partition a query reads: its longest word, cut to TERM_LENGTH."""
    return wanted[0][:TERM_LENGTH]


def matches(wanted, document_words) -> bool:
    """Every query word starts one of the document's words."""
    return all(any(word.startswith(w) for word in document_words) for w in wanted)


def tag_prefixes(tag: str) -> list[str]:
    """The tag-list partitions a tag is listed in: '' (all tags) and its first 1..4 characters."""
    return [""] + [tag[:n] for n in range(1, min(len(tag), TAG_PREFIX_LENGTH) + 1)]


COUNT_ORDER = 10**12


def tag_order_key(count: int, tag: str) -> str:
    """Ascending order on this is most used first, ties by tag."""
    return f"{COUNT_ORDER - count:013d}#{tag}"
