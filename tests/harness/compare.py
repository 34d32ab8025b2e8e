"""Findings against markers, and one front end against another, as readable differences."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from harness.frontends import Reported
from harness.markers import Expected, Marker


def _describe_expected(marker: Marker, expected: Expected) -> str:
    details = []
    if expected.column is not None:
        details.append(f"column {expected.column}")
    if marker.message is not None:
        details.append(f'message containing "{marker.message}"')
    suffix = f" ({', '.join(details)})" if details else ""
    return f"{marker.path}:{marker.line}: {expected.code}{suffix}"


def _satisfies(found: Reported, marker: Marker, expected: Expected) -> bool:
    return (
        (found.path, found.line, found.code) == (marker.path, marker.line, expected.code)
        and (expected.column is None or found.col + 1 == expected.column)
        and (marker.message is None or marker.message in found.message)
    )


def marker_differences(markers: Iterable[Marker], findings: Sequence[Reported]) -> list[str]:
    """What is missing and what is extra; empty when the findings are exactly the markers'."""
    wanted = [(marker, expected) for marker in markers for expected in marker.expected]
    # expectations with a column first, so one without cannot take the finding they need
    wanted.sort(key=lambda pair: pair[1].column is None)
    unmatched = sorted(findings)
    missing = []
    for marker, expected in wanted:
        match = next((f for f in unmatched if _satisfies(f, marker, expected)), None)
        if match is None:
            missing.append((marker.path, marker.line, _describe_expected(marker, expected)))
        else:
            unmatched.remove(match)
    lines = [f"  missing: {text}" for *_, text in sorted(missing)]
    lines += [f"  extra:   {found}" for found in unmatched]
    return lines


def front_end_differences(
    reference_name: str,
    reference: Sequence[Reported],
    other_name: str,
    other: Sequence[Reported],
) -> list[str]:
    """Findings one front end has and the other lacks (duplicates count)."""
    only_reference = Counter(reference) - Counter(other)
    only_other = Counter(other) - Counter(reference)
    lines = [f"  only {reference_name}: {f}" for f in sorted(only_reference.elements())]
    lines += [f"  only {other_name}: {f}" for f in sorted(only_other.elements())]
    return lines
