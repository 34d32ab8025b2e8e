"""Version specifiers, parsed without `packaging` (the linter's only run-time dependency is
`tomli` on 3.10): PEP 440 (`==`, `===`, `~=`, `>=`, `<=`, `<`, `>`, `!=`, `==0.88.*`), PEP 508
requirements (`fastapi[all]>=0.85; python_version >= "3.8"`: extras and markers read past) and
Poetry's constraints (`^0.85`, `~0.88`, `0.85.1`, `>=0.80 <0.90`, `||`). What a specifier
allows is a `Range` of versions; `!=` holes are not kept (they bound nothing).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

LAST = sys.maxsize

# (epoch, release without trailing zeros, pre-release phase, its number, post, dev): sorts as
# PEP 440 orders versions (1.0.dev0 < 1.0a1 < 1.0rc1 < 1.0 < 1.0.post1)
VersionKey = tuple[int, tuple[int, ...], int, int, int, int]
VERSION = re.compile(
    r"v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre>a|alpha|b|beta|c|rc|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:-(?P<post_implicit>\d+)|[-_.]?(?:post|rev|r)[-_.]?(?P<post>\d*))?"
    r"(?:[-_.]?(?P<dev>dev)[-_.]?(?P<dev_n>\d*))?"
    r"(?:\+[a-z0-9.]*)?",
    re.IGNORECASE,
)
PRE_PHASES = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
FINAL = 3  # the phase of a release that is not a pre-release
# one constraint: an operator (PEP 440 or Poetry's `^`, `~`, bare `=`) and a version or `*`
CONSTRAINT = re.compile(r"(===|==|~=|!=|<=|>=|<|>|\^|~|=)?\s*(\*|[0-9vV][0-9A-Za-z.*+!_-]*)")
# `name[extras] specifiers ; marker` (PEP 508), `name @ url`, or Pipfile's/Poetry's bare name
REQUIREMENT = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?(.*)")


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them: `FastAPI`, `fast_api` -> `fastapi`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _strip_zeros(release: tuple[int, ...]) -> tuple[int, ...]:
    end = len(release)
    while end and release[end - 1] == 0:
        end -= 1
    return release[:end]


def version_key(text: str) -> VersionKey | None:
    """The sort key of a PEP 440 version (None when `text` is not one)."""
    match = VERSION.fullmatch(text.strip())
    if match is None:
        return None
    release = _strip_zeros(tuple(int(part) for part in match["release"].split(".")))
    post_text = match["post_implicit"] or match["post"]
    post = int(post_text or 0) if post_text is not None else -1
    dev = int(match["dev_n"] or 0) if match["dev"] else LAST
    if match["pre"]:
        phase, number = PRE_PHASES[match["pre"].lower()], int(match["pre_n"] or 0)
    else:  # `1.0.dev0` comes before every pre-release of 1.0
        phase, number = (-1 if dev != LAST and post < 0 else FINAL), 0
    return (int(match["epoch"] or 0), release, phase, number, post, dev)


def release_key(release: tuple[int, ...]) -> VersionKey:
    """The key of a final release given as numbers: (0, 89) is 0.89.0."""
    return (0, _strip_zeros(release), FINAL, 0, -1, LAST)


def _floor(release: tuple[int, ...]) -> VersionKey:
    """The first version of a release, its first dev release: where `<X` and `X.*` start."""
    return (0, _strip_zeros(release), -1, 0, -1, 0)


def version_text(key: VersionKey) -> str:
    """A key as a version again, in three parts at least (`0.89.0` for `<0.89`'s bound)."""
    epoch, release, phase, number, post, dev = key
    text = f"{epoch}!" if epoch else ""
    text += ".".join(str(part) for part in (*release, 0, 0, 0)[: max(len(release), 3)])
    if 0 <= phase < FINAL:
        text += ("a", "b", "rc")[phase] + str(number)
    if post >= 0:
        text += f".post{post}"
    if dev != LAST and (phase, post, dev) != (-1, -1, 0):
        text += f".dev{dev}"
    return text


@dataclass(frozen=True)
class Bound:
    key: VersionKey
    inclusive: bool


@dataclass(frozen=True)
class Range:
    """The versions between two bounds (None: unbounded on that side)."""

    low: Bound | None = None
    high: Bound | None = None

    def intersect(self, other: Range) -> Range:
        low = max((b for b in (self.low, other.low) if b), key=_low_order, default=None)
        high = min((b for b in (self.high, other.high) if b), key=_high_order, default=None)
        return Range(low, high)

    def hull(self, other: Range) -> Range:
        """The smallest range holding both (Poetry's `||`, a list of alternatives)."""
        low = None if not (self.low and other.low) else min(self.low, other.low, key=_low_order)
        high = None
        if self.high and other.high:
            high = max(self.high, other.high, key=_high_order)
        return Range(low, high)

    def describe(self) -> str:
        """`==0.88.0`, `>=0.80,<0.89`, `*`."""
        low, high = self.low, self.high
        if low and high and low.key == high.key and low.inclusive and high.inclusive:
            return f"=={version_text(low.key)}"
        found = []
        if low:
            found.append(f"{'>=' if low.inclusive else '>'}{version_text(low.key)}")
        if high:
            found.append(f"{'<=' if high.inclusive else '<'}{version_text(high.key)}")
        return ",".join(found) or "*"

    @property
    def empty(self) -> bool:
        if self.low is None or self.high is None:
            return False
        if self.low.key == self.high.key:
            return not (self.low.inclusive and self.high.inclusive)
        return self.low.key > self.high.key


def _low_order(bound: Bound) -> tuple[VersionKey, bool]:
    return bound.key, not bound.inclusive  # an exclusive low bound is the tighter one


def _high_order(bound: Bound) -> tuple[VersionKey, bool]:
    return bound.key, bound.inclusive  # an exclusive high bound is the tighter one


EVERYTHING = Range()


def _bump(parts: list[int], position: int) -> tuple[int, ...]:
    """`0.88.1` bumped at 1 -> `0.89`: the first release past a prefix."""
    return (*parts[:position], parts[position] + 1)


def _release_parts(text: str) -> list[int]:
    """The release numbers as written: `0.88.0rc1` -> [0, 88, 0]."""
    match = VERSION.fullmatch(text.strip())
    return [int(part) for part in match["release"].split(".")] if match else []


def _one(operator: str, text: str) -> Range:
    """The range of one constraint; an unreadable one allows everything."""
    if text == "*":
        return EVERYTHING
    if text.endswith(".*"):
        parts = [int(p) for p in text[:-2].split(".") if p.isdigit()]
        if not parts or operator not in ("", "=", "=="):  # `!=0.88.*`: nothing to bound
            return EVERYTHING
        return Range(Bound(_floor(tuple(parts)), True), Bound(_floor(_bump(parts, -1)), False))
    key = version_key(text)
    if key is None:
        return EVERYTHING
    if operator in ("", "=", "==", "==="):
        return Range(Bound(key, True), Bound(key, True))
    if operator in (">=", ">"):
        return Range(low=Bound(key, operator == ">="))
    if operator == "<=":
        return Range(high=Bound(key, True))
    if operator == "<":  # `<0.89` leaves out 0.89's pre-releases too (PEP 440)
        final = key[2:] == (FINAL, 0, -1, LAST)
        return Range(high=Bound(_floor(key[1]) if final else key, False))
    parts = _release_parts(text)
    if operator == "~=":  # `~=0.88.1`: >=0.88.1, ==0.88.*
        position = len(parts) - 2
    elif operator == "~":  # Poetry: `~1.2.3` and `~1.2` stay below 1.3, `~1` below 2
        position = 1 if len(parts) > 1 else 0
    elif operator == "^":  # Poetry: below the next bump of the first non-zero part
        position = next((i for i, p in enumerate(parts) if p), len(parts) - 1)
    else:  # `!=`: a hole in the range, no bound
        return EVERYTHING
    if not 0 <= position < len(parts):
        return EVERYTHING
    return Range(Bound(key, True), Bound(_floor(_bump(parts, position)), False))


def parse_specifiers(text: str) -> Range:
    """The versions a specifier string allows: `>=0.80,<0.89`, `==0.88.*`, `^0.85`, `~0.88`,
    `0.85.1`, `*`, `>=1.0 <2.0 || ^3.0`; an empty string allows everything."""
    found: Range | None = None
    for alternative in text.split("||"):
        allowed = EVERYTHING
        for match in CONSTRAINT.finditer(alternative):
            allowed = allowed.intersect(_one(match[1] or "", match[2]))
        found = allowed if found is None else found.hull(allowed)
    return found or EVERYTHING


def parse_requirement(line: str) -> tuple[str, Range] | None:
    """(normalised name, allowed versions) of a PEP 508 requirement: `fastapi[all]>=0.85;
    python_version >= "3.8"`, `fastapi (>=0.85)`, `fastapi @ https://...` (any version)."""
    match = REQUIREMENT.match(line)
    if match is None:
        return None
    rest = match[2].partition(";")[0].strip()
    if rest.startswith("@"):
        return normalise(match[1]), EVERYTHING
    if rest and rest[0] not in "=<>!~(":
        return None  # not a requirement: `-e ./x`, `git+https://...`, prose
    return normalise(match[1]), parse_specifiers(rest.strip("()"))
