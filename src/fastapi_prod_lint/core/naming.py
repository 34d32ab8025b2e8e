"""Identifiers as words: `hashedPassword`, `hashed_password` and `HASHED_PASSWORD` are all
["hashed", "password"]. Rules that judge a name by its vocabulary (FPL304, FPL402) use these."""

from __future__ import annotations

import functools
import re

WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def words(name: str) -> list[str]:
    """`hashedPassword` and `hashed_password` -> ["hashed", "password"]."""
    return [word.lower() for word in WORD.findall(name)]


@functools.lru_cache(maxsize=16)
def term_words(terms: tuple[str, ...]) -> tuple[list[str], ...]:
    """Each vocabulary entry as its words (`api_key` -> ["api", "key"])."""
    return tuple(words(term) for term in terms)


@functools.lru_cache(maxsize=8192)
def names_term(name: str, terms: tuple[str, ...], trailing: frozenset[str] | None) -> bool:
    """Some entry's words appear whole and in a row among the name's words, followed only by
    `trailing` words (any words when `trailing` is None): with no trailing words allowed the
    entry is the name's head noun (`user` in `current_user`; in `user_id` when `id` may
    trail; `user_agent` is about an agent). Whole words only: `users`, `tokenizer` and
    `_session_factory` hold no `user`, `token` or `session`."""
    found = words(name)
    for wanted in term_words(terms):
        size = len(wanted)
        for start in range(len(found) - size + 1):
            if found[start : start + size] == wanted and all(
                trailing is None or word in trailing for word in found[start + size :]
            ):
                return True
    return False
