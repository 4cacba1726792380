"""The row-edit calculation behind every live table update."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.ui.common import listdiff


def _check(old: list[str], new: list[str], updated: set[str] | frozenset[str] = frozenset()):
    edit = listdiff.diff(old, new, updated)
    work = list(old)
    listdiff.apply(work, new, edit)
    assert work == new
    return edit


def test_inserts_and_removes_are_grouped_into_runs() -> None:
    edit = _check(list("abcdef"), list("xabdyzf"))
    assert edit.removals == ((4, 4), (2, 2))  # e, then c: descending, so rows stay valid
    assert edit.insertions == ((0, 0), (4, 5))


def test_a_moved_item_is_one_remove_and_one_insert() -> None:
    edit = _check(list("abcdefgh"), list("abdefghc"))
    assert edit.removals == ((2, 2),)
    assert edit.insertions == ((7, 7),)


def test_updated_rows_are_reported_at_their_new_position() -> None:
    edit = _check(list("abcd"), list("zabcd"), {"c", "q"})
    assert edit.changed == ((3, 3),)


def test_no_change_is_empty() -> None:
    assert _check(list("abc"), list("abc")).empty


# No deadline: a busy CI machine can make one example slow, which is not a failure.
@settings(deadline=None)
@given(
    st.lists(st.integers(0, 40), unique=True),
    st.lists(st.integers(0, 40), unique=True),
)
def test_any_two_lists(old: list[int], new: list[int]) -> None:
    edit = listdiff.diff(old, new)
    work = list(old)
    listdiff.apply(work, new, edit)
    assert work == new
    moved_or_gone = sum(last - first + 1 for first, last in edit.removals)
    assert moved_or_gone <= len(old)
    # Items kept in the same relative order are never touched.
    if [x for x in old if x in new] == [x for x in new if x in old]:
        assert moved_or_gone == len(set(old) - set(new))
