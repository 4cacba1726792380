"""The smallest row edits that turn one ordered id list into another.

Item models must announce changes as remove/insert ranges (and the views keep selection
and scroll position only if they do); re-reading a query after a sync page gives the new
order, and this module works out which contiguous runs to remove from the old list and
insert into it so it becomes the new one. Pure Python, no Qt: it runs on a background
thread for big lists.

An item present in both lists whose relative order changed (a renamed mosaic under a
name sort) is moved as a remove plus an insert; the fewest such moves are found with a
longest increasing subsequence, so a single rename moves one row, not half the table.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

Run = tuple[int, int]  # first and last row, inclusive


@dataclass(frozen=True, slots=True)
class ListEdit:
    """Apply `removals` (old-list rows, already in descending order) one by one, then
    `insertions` (new-list rows, ascending); `changed` are new-list rows of kept items
    that were reported updated and need a repaint."""

    removals: tuple[Run, ...]
    insertions: tuple[Run, ...]
    changed: tuple[Run, ...]

    @property
    def empty(self) -> bool:
        return not (self.removals or self.insertions or self.changed)


def runs(rows: Iterable[int]) -> list[Run]:
    """Sorted row numbers grouped into inclusive (first, last) runs of consecutive rows."""
    result: list[Run] = []
    for row in rows:
        if result and row == result[-1][1] + 1:
            result[-1] = (result[-1][0], row)
        else:
            result.append((row, row))
    return result


def _moved(kept_old: Sequence[Hashable], new_pos: dict[Hashable, int]) -> set[Hashable]:
    """Items outside a longest run whose new positions keep their old order."""
    positions = [new_pos[item] for item in kept_old]
    tails: list[int] = []  # smallest tail position of an increasing run of each length
    tail_index: list[int] = []
    previous = [-1] * len(positions)
    for i, value in enumerate(positions):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[k] = value
            tail_index[k] = i
        previous[i] = tail_index[k - 1] if k else -1
    keep: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        keep.add(i)
        i = previous[i]
    return {item for j, item in enumerate(kept_old) if j not in keep}


def diff(
    old: Sequence[Hashable], new: Sequence[Hashable], updated: Iterable[Hashable] = ()
) -> ListEdit:
    """The edit turning `old` into `new` (both duplicate-free)."""
    new_pos = {item: j for j, item in enumerate(new)}
    old_set = set(old)
    kept_old = [item for item in old if item in new_pos]
    kept_new = [item for item in new if item in old_set]
    moved: set[Hashable] = set() if kept_old == kept_new else _moved(kept_old, new_pos)
    removed_rows = [i for i, item in enumerate(old) if item not in new_pos or item in moved]
    inserted_rows = [j for j, item in enumerate(new) if item not in old_set or item in moved]
    changed_rows = sorted(
        new_pos[item] for item in set(updated) if item in new_pos and item in old_set
        and item not in moved
    )  # fmt: skip
    return ListEdit(
        removals=tuple(reversed(runs(removed_rows))),
        insertions=tuple(runs(inserted_rows)),
        changed=tuple(runs(changed_rows)),
    )


def apply(old: list[Hashable], new: Sequence[Hashable], edit: ListEdit) -> None:
    """Apply `edit` to `old` in place (what a model does between its begin/end calls)."""
    for first, last in edit.removals:
        del old[first : last + 1]
    for first, last in edit.insertions:
        old[first:first] = new[first : last + 1]
