"""Which pydantic 2 models pydantic can finish building, decided for a set of models together.

A model that uses another model whose schema is not complete builds that model's schema inline,
with itself on pydantic's type stack: the inner model's names are looked up in the inner
model's module, the caller's namespace of a rebuild of the outer model, and the outer model's
own name (pydantic's `NsResolver` puts the first type of the stack in every type's locals). So
`Team` (with `heroes: list[Hero]`) is complete while `Hero` (`team: "Team"`, `Team` imported only
under `TYPE_CHECKING`) is not.

Models that use each other must be decided together: a verdict reached for one of them while
another is still being decided would depend on which one was asked first, and flake8 (one file
at a time) and the command line (every file) ask in different orders. Verdicts are the least
fixed point over each strongly connected part of the graph of models using models: a model is
complete only when what it needs is found without assuming it complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from fastapi_prod_lint.core.models import short

if TYPE_CHECKING:
    from fastapi_prod_lint.core.forward_refs import ForwardRefs, Need


def strongly_connected(start: str, edges: Callable[[str], Iterable[str]]) -> list[list[str]]:
    """The strongly connected parts of the graph reachable from `start`, each part after every
    part it reaches (Tarjan's algorithm, without recursion: model graphs can be deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    parts: list[list[str]] = []
    work: list[tuple[str, list[str]]] = [(start, list(edges(start)))]
    index[start] = low[start] = 0
    stack.append(start)
    on_stack.add(start)
    while work:
        node, pending = work[-1]
        if pending:
            nxt = pending.pop()
            if nxt not in index:
                index[nxt] = low[nxt] = len(index)
                stack.append(nxt)
                on_stack.add(nxt)
                work.append((nxt, list(edges(nxt))))
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
            continue
        work.pop()
        if work:
            parent = work[-1][0]
            low[parent] = min(low[parent], low[node])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == node:
                    break
            parts.append(part)
    return parts


def settle(refs: ForwardRefs, start: str, decided: dict[str, list[Need]]) -> None:
    """Decide `start` and every model it reaches that `decided` does not hold yet: the names
    each still misses once the rebuilds that work have run (empty: complete)."""

    def edges(model: str) -> list[str]:
        return [used for used in refs.uses(model) if used not in decided]

    for part in strongly_connected(start, edges):
        if all(model in decided for model in part):
            continue  # decided meanwhile (a base model's verdict, asked for by `missing`)
        refs.active.update(part)
        try:
            complete: set[str] = set()
            changed = True
            while changed:  # least fixed point: nobody is complete on its own say-so
                changed = False
                for model in part:
                    if model not in complete and not wanted(refs, model, complete, decided):
                        complete.add(model)
                        changed = True
            verdicts = {
                model: [] if model in complete else wanted(refs, model, complete, decided)
                for model in part
            }
        finally:
            refs.active.difference_update(part)
        decided.update(verdicts)


def wanted(
    refs: ForwardRefs, model: str, complete: set[str], decided: dict[str, list[Need]]
) -> list[Need]:
    """What `model` misses when pydantic builds it: its own missing names and those of every
    incomplete model it reaches (but its own name); none when a rebuild that runs finds them.
    Under pydantic 1 a model is never built inline: what it uses must be complete itself, and
    a rebuild of it fixes only its own fields."""

    def is_complete(other: str) -> bool:
        return other in complete or (other in decided and not decided[other])

    major = refs.major(model)
    found = own_missing(refs, model) if major == 1 else list(refs.missing(model))
    outer = short(model)
    seen = {model}
    stack = [model]
    while stack:
        current = stack.pop()
        for used in refs.uses(current):
            if used in seen or is_complete(used):
                continue
            seen.add(used)
            stack.append(used)
            if major == 1:
                found += own_missing(refs, used)
            else:
                found += [need for need in refs.missing(used) if need.name != outer]
    if (
        major == 2
        and found
        and any(
            refs.works(model, rebuild) and all(refs.available(need, rebuild) for need in found)
            for rebuild in refs.rebuilds(model)
        )
    ):
        return []
    return found


def own_missing(refs: ForwardRefs, model: str) -> list[Need]:
    """pydantic 1: the names a model's own fields miss once its `update_forward_refs()` calls
    that run have run (one that finds them all fixes them)."""
    found = refs.missing(model)
    if found and any(
        refs.works(model, rebuild) and all(refs.available(need, rebuild, 1) for need in found)
        for rebuild in refs.rebuilds(model)
    ):
        return []
    return found
