"""The mosaics table: a lazy model over the store that follows a sync page by page.

It holds only the ordered sentera_ids of the current query; rows are read in blocks when
the view first paints them and kept in a bounded LRU cache, so a million mosaics cost one
id list, not a million objects. Sorting and filtering are new store queries (a reset).

During a sync it never resets: after each coalesced batch of ChangeSets the id list is
re-read on a background thread, diffed against the current one (`listdiff`) and applied
as the smallest remove/insert/dataChanged runs, so selection and scrolling survive. The
runs are applied in time slices, none spanning more than EDIT_CHUNK_ROWS rows amid the
list; an edit of very many runs (a page scattered over a sorted list) is one layout
change instead, the selection moved by id. The same background step formats the rows
the view will show after the edit and re-reads updated rows it had loaded, so the paints
during a sync read nothing from the store on the UI thread. (Row texts are formatted
with QLocale, which is reentrant.)
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtCore import Signal as QtSignal

from app.domain import ChangeSet, Level, Scope, ScopeKind
from app.store import MosaicQuery, MosaicSnapshot
from app.ui.common import listdiff
from app.ui.common.formatting import time_zone_name
from app.ui.common.tasks import TaskManager
from app.ui.mosaics.columns import (
    COLUMNS,
    ID_ROLE,
    IS_NEW_ROLE,
    OFFLINE_COLUMN,
    RowView,
    cell_data,
)

if TYPE_CHECKING:
    from app.store import Store

log = logging.getLogger(__name__)

# Rows read and formatted per cache miss: about two screenfuls. Formatting a row's cells
# is most of a miss's cost, and a miss happens while the view paints (on the UI thread),
# so a block stays near what the view shows rather than several screens ahead.
BLOCK = 64
# Ids read on the UI thread when a query opens: a few screenfuls; the rest in the background.
HEAD_ROWS = 1000
# Longest stretch of row edits applied in one go before the event loop runs again.
EDIT_SLICE_S = 0.008
# Most rows one beginInsertRows/beginRemoveRows may span: a long run is split, so the
# view's bookkeeping for any one of them stays short.
EDIT_CHUNK_ROWS = 200
# An edit of more runs than this is applied as one layout change: a page scattered over a
# sorted list is thousands of one-row runs, and the view redoes its bookkeeping for each
# (ten thousand of them cost seconds of UI time, spread over hundreds of slices). One
# layout change costs the view a single pass; the persistent indexes (the selection)
# follow their mosaics by id.
LAYOUT_EDIT_RUNS = 32
CACHE_LIMIT = 6000
AnyIndex = QModelIndex | QPersistentModelIndex
_MISSING = object()
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class MosaicTableModel(QAbstractTableModel):
    # Emitted around a live edit so the view can keep its scroll anchor.
    live_edit_started = QtSignal()
    live_edit_finished = QtSignal()
    # Mosaics were marked viewed in the store (the tree's "new" counts changed).
    mosaics_viewed = QtSignal()

    def __init__(self, store: Store, tasks: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self._query = MosaicQuery()
        self._ids: list[str] = []
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._viewed: set[str] = set()  # marked viewed here; the cache may not know yet
        self._generation = 0
        self._refreshing = False
        self._dirty = False
        self._pending_updated: set[str] = set()
        # Whether a mosaic of survey `id` can belong to the current query's scope; the
        # window answers from the catalogue tree. Unknown = yes (a harmless refresh).
        self.survey_in_scope: Callable[[str, Scope], bool] = lambda _survey, _scope: True
        # (mosaic id, role) -> what the "Offline" column shows; set by the window from the
        # imagery library (app/ui/downloads). None: the column stays empty.
        self.offline: Callable[[str, int], Any] | None = None
        # The rows the view shows (first, last); set by the pane. A live edit formats the
        # rows that will be there in the background, so painting them reads nothing.
        self.visible_rows: Callable[[], tuple[int, int]] | None = None

    def offline_changed(self, mosaic_ids: Iterable[str] | None) -> None:
        """Repaint the "Offline" cells of these mosaics (None: every loaded row)."""
        if not self._ids:
            return
        ids = None if mosaic_ids is None else list(mosaic_ids)
        if ids is None or len(ids) > 64:  # one repaint of the column beats many lookups
            last = len(self._ids) - 1
            self.dataChanged.emit(self.index(0, OFFLINE_COLUMN), self.index(last, OFFLINE_COLUMN))
            return
        for mosaic_id in ids:
            row = self.row_of(mosaic_id)
            if row is not None:
                cell = self.index(row, OFFLINE_COLUMN)
                self.dataChanged.emit(cell, cell)

    # -- the query --------------------------------------------------------------
    @property
    def query(self) -> MosaicQuery:
        return self._query

    def set_query(self, query: MosaicQuery) -> None:
        """Load a new query: the one place this model resets.

        Only the first HEAD_ROWS ids are read here, so the table paints its first
        screenful at once (in the default order they come straight off the covering
        index); when there are more, the whole list is read in the background and the
        rest is appended like any live edit (`refresh_pending` until then).
        """
        ids = self._store.mosaic_ids(query, limit=HEAD_ROWS)
        self.beginResetModel()
        self._query = query
        self._ids = ids
        self._cache.clear()
        self._generation += 1
        self._dirty = len(ids) >= HEAD_ROWS  # more may follow
        self._pending_updated.clear()
        self.endResetModel()
        self._start_refresh()

    def preset(self, query: MosaicQuery) -> None:
        """Set the query used by the next load without loading (restoring settings)."""
        self._query = query

    def reload(self) -> None:
        self.set_query(self._query)

    # -- Qt model API --------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.key in ("captured_at", "updated_at"):  # say which zone "your" is
                return f"{column.tooltip}: {time_zone_name()}"
            return column.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        try:
            sentera_id = self._ids[index.row()]
            if role == ID_ROLE:
                return sentera_id
            view = self._row(index.row())
            if view is None:
                return None
            if role == IS_NEW_ROLE:
                return view.mosaic.is_new
            if index.column() == OFFLINE_COLUMN and self.offline is not None:
                return self.offline(sentera_id, role)
            return cell_data(index.column(), view, role)
        except Exception:
            # A view must never see an exception from data().
            log.exception("mosaic row %d could not be shown", index.row())
            return None

    def multiData(self, index: AnyIndex, roleDataSpan: Any) -> None:
        """All the roles a delegate asks for, in one call instead of one call per role.

        Painting a screenful of rows asks ~7 roles of ~400 cells; answering them in one
        Python call per cell roughly halves the cost of a repaint during a sync.
        """
        if not index.isValid() or index.row() >= len(self._ids):
            for entry in roleDataSpan:
                entry.clearData()
            return
        try:
            view = self._row(index.row())
            number = index.column()
            for entry in roleDataSpan:
                role = entry.role()
                if role == ID_ROLE:
                    value: Any = self._ids[index.row()]
                elif view is None:
                    value = None
                elif role == IS_NEW_ROLE:
                    value = view.mosaic.is_new
                elif number == OFFLINE_COLUMN and self.offline is not None:
                    value = self.offline(self._ids[index.row()], role)
                else:
                    value = cell_data(number, view, role)
                if value is None:
                    entry.clearData()
                else:
                    entry.setData(value)
        except Exception:
            log.exception("mosaic row %d could not be shown", index.row())

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or COLUMNS[column].sort is None:
            return
        sort = COLUMNS[column].sort
        descending = order == Qt.SortOrder.DescendingOrder
        if sort == self._query.sort and descending == self._query.descending:
            return
        assert sort is not None
        self.set_query(replace(self._query, sort=sort, descending=descending))

    # -- rows -----------------------------------------------------------------------
    def sentera_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, sentera_id: str) -> int | None:
        try:
            return self._ids.index(sentera_id)
        except ValueError:
            return None

    def snapshot(self, row: int) -> MosaicSnapshot | None:
        view = self._row(row) if 0 <= row < len(self._ids) else None
        return None if view is None else view.mosaic

    def ids(self) -> Sequence[str]:
        return self._ids

    @property
    def cached_rows(self) -> int:
        return len(self._cache)

    def _row(self, row: int) -> RowView | None:
        sentera_id = self._ids[row]
        cached = self._cache.get(sentera_id, _MISSING)
        if cached is _MISSING:
            self._load_block(row)
            cached = self._cache.get(sentera_id)
        else:
            self._cache.move_to_end(sentera_id)
        return cached if isinstance(cached, RowView) else None

    def _load_block(self, row: int) -> None:
        start = max(0, row - BLOCK // 8)  # a little above too: scrolling goes both ways
        wanted = [i for i in self._ids[start : start + BLOCK] if i not in self._cache]
        found = {m.sentera_id: m for m in self._store.mosaics_by_id(wanted)}
        for sentera_id in wanted:
            mosaic = found.get(sentera_id)
            if mosaic is None:
                # Gone from the store; the live update that removes the row is on its way.
                self._cache[sentera_id] = None
                continue
            if mosaic.is_new and sentera_id in self._viewed:  # the store write is pending
                mosaic = replace(mosaic, is_new=False)
            self._cache[sentera_id] = RowView.of(mosaic)
        while len(self._cache) > CACHE_LIMIT:
            self._cache.popitem(last=False)

    # -- viewed / new -------------------------------------------------------------------
    def mark_viewed(self, sentera_id: str) -> None:
        """Clear the "new" mark now on screen and, in the background, in the store."""
        row = self.row_of_cached_new(sentera_id)
        if row is None:
            return
        self._viewed.add(sentera_id)
        view = self._cache[sentera_id]
        assert isinstance(view, RowView)
        self._cache[sentera_id] = RowView(replace(view.mosaic, is_new=False), view.texts)
        self._emit_row_changed(row)
        store = self._store
        self._tasks.run_in_background(
            lambda: store.mark_viewed([sentera_id]), lambda _n: self.mosaics_viewed.emit()
        )

    def row_of_cached_new(self, sentera_id: str) -> int | None:
        cached = self._cache.get(sentera_id)
        if not isinstance(cached, RowView) or not cached.mosaic.is_new:
            return None
        if sentera_id in self._viewed:
            return None
        return self.row_of(sentera_id)

    def _emit_row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # -- live updates -----------------------------------------------------------------
    def apply_changes(self, changesets: Iterable[ChangeSet]) -> None:
        """Take in a coalesced batch; schedule one background refresh if it matters here."""
        relevant = False
        for change in changesets:
            touched = change.updated | change.deleted | change.cascaded_mosaics
            if change.level is Level.MOSAICS:
                touched = touched | change.inserted
                for sentera_id in change.deleted:
                    self._cache.pop(sentera_id, None)
                if self._scope_may_hold(change.scope_id):
                    # The refresh re-reads the shown ones off the UI thread: dropping
                    # them here would make the next paint read them on it.
                    self._pending_updated |= change.updated
                    relevant = True
                else:
                    for sentera_id in change.updated:
                        self._cache.pop(sentera_id, None)
            for sentera_id in change.cascaded_mosaics:
                self._cache.pop(sentera_id, None)
            if change.cascaded_mosaics:
                relevant = True
        if relevant:
            self._dirty = True
            self._start_refresh()

    def _scope_may_hold(self, survey_id: str | None) -> bool:
        scope = self._query.scope
        if scope is None or scope.kind is ScopeKind.ALL or survey_id is None:
            return True
        if scope.kind is ScopeKind.SURVEY:
            return survey_id == scope.sentera_id
        return self.survey_in_scope(survey_id, scope)

    @property
    def refresh_pending(self) -> bool:
        return self._refreshing or self._dirty

    def _start_refresh(self) -> None:
        if self._refreshing or not self._dirty:
            return
        self._refreshing = True
        self._dirty = False
        generation = self._generation
        query = self._query
        old = tuple(self._ids)
        updated = frozenset(self._pending_updated)
        self._pending_updated.clear()
        store = self._store
        cached = frozenset(self._cache)
        # The mosaics persistent indexes point at (the selection): a layout change moves
        # them to their new rows, found here off the UI thread.
        held = {old[i.row()] for i in self.persistentIndexList() if 0 <= i.row() < len(old)}
        # No view (None): nothing is formatted ahead.
        first, last = self.visible_rows() if self.visible_rows is not None else (0, -BLOCK)
        anchor = old[first] if 0 < first < len(old) else None  # at the top: stays there
        span = max(0, last - first + BLOCK // 2)

        def job() -> Refreshed:
            new = store.mosaic_ids(query)
            edit = _appended(old, new, updated) or listdiff.diff(old, new, updated)
            top = _position(new, anchor)
            shown = new[max(0, top - BLOCK // 8) : top + span] if span else []
            wanted = [i for i in shown if i not in cached]
            wanted += [i for i in updated if i in cached]
            views = {m.sentera_id: RowView.of(m) for m in store.mosaics_by_id(wanted)}
            rows = _rows_of(new, held) if _is_layout_edit(edit) else {}
            return Refreshed(generation, new, edit, views, rows)

        self._tasks.run_in_background(job, self._finish_refresh, on_error=self._refresh_failed)

    def _refresh_failed(self, error: Exception) -> None:
        self._refreshing = False
        log.warning("could not refresh the mosaic list: %s", error)

    def _finish_refresh(self, result: Refreshed) -> None:
        generation, new, edit = result.generation, result.ids, result.edit
        if generation == self._generation:
            self._take_views(result.views)
        if generation != self._generation or edit.empty:
            self._refreshing = False
            self._start_refresh()  # changes that arrived meanwhile
            return
        if _is_layout_edit(edit):
            self._apply_as_layout_change(new, edit, result.rows)
            self._refreshing = False
            self._start_refresh()
            return
        steps = [(True, *run) for run in edit.removals]
        steps += [(False, *run) for run in edit.insertions]
        self._continue_edit(generation, new, edit, steps, 0)

    def _apply_as_layout_change(
        self, new: list[str], edit: listdiff.ListEdit, rows: dict[str, int]
    ) -> None:
        """Turn the list into `new` in one layout change (see LAYOUT_EDIT_RUNS).

        Views keep persistent indexes through it: each moves to its mosaic's new row (by
        id; `rows` has those known when the refresh started), or goes if the mosaic did.
        """
        old = self._ids
        removed = {i for first, last in edit.removals for i in old[first : last + 1]}
        removed.difference_update(
            i for first, last in edit.insertions for i in new[first : last + 1]
        )
        self.live_edit_started.emit()
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        held = [old[index.row()] if 0 <= index.row() < len(old) else None for index in before]
        self._ids = new
        for sentera_id in removed:
            self._cache.pop(sentera_id, None)
        after = [self._moved_index(sentera_id, index.column(), rows)
                 for sentera_id, index in zip(held, before, strict=True)]  # fmt: skip
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()
        self._emit_changed(edit.changed)
        self.live_edit_finished.emit()

    def _moved_index(
        self, sentera_id: str | None, column: int, rows: dict[str, int]
    ) -> QModelIndex:
        if sentera_id is None:
            return QModelIndex()
        row = rows.get(sentera_id)
        if row is None:  # an index made after the refresh started: look it up
            row = self.row_of(sentera_id)
        return QModelIndex() if row is None or row < 0 else self.index(row, column)

    def _take_views(self, views: dict[str, RowView]) -> None:
        """Rows formatted in the background go into the cache (fresher than what it held)."""
        for sentera_id, view in views.items():
            if view.mosaic.is_new and sentera_id in self._viewed:  # the store write is pending
                view = RowView.of(replace(view.mosaic, is_new=False))
            self._cache[sentera_id] = view
            self._cache.move_to_end(sentera_id)
        while len(self._cache) > CACHE_LIMIT:
            self._cache.popitem(last=False)

    def _continue_edit(
        self,
        generation: int,
        new: list[str],
        edit: listdiff.ListEdit,
        steps: list[tuple[bool, int, int]],
        position: int,
    ) -> None:
        """Apply the edit's runs for at most EDIT_SLICE_S, then let the loop breathe.

        Each remove/insert makes the view update its header and persistent indexes; a
        page scattered over a sorted list can be two thousand runs, so they are applied
        in time slices. Every intermediate list is a consistent state (the kept rows in
        their new order plus some of the new ones), so views may paint in between.
        """
        if generation != self._generation:  # a new query replaced the list meanwhile
            self._refreshing = False
            self._start_refresh()
            return
        deadline = time.perf_counter() + EDIT_SLICE_S
        root = QModelIndex()
        self.live_edit_started.emit()
        while position < len(steps):
            removal, first, last = steps[position]
            at_end = (last if removal else first) >= len(self._ids) - (1 if removal else 0)
            if last - first >= EDIT_CHUNK_ROWS and not at_end:
                # A long run amid the rows goes in chunks (an edit at the end moves no
                # row after it, so it stays whole): a removal from its end (its front
                # rows keep their places), an insertion from its front (final positions).
                if removal:
                    steps[position] = (removal, first, last - EDIT_CHUNK_ROWS)
                    first = last - EDIT_CHUNK_ROWS + 1
                else:
                    steps[position] = (removal, first + EDIT_CHUNK_ROWS, last)
                    last = first + EDIT_CHUNK_ROWS - 1
            else:
                position += 1
            if removal:
                self.beginRemoveRows(root, first, last)
                for sentera_id in self._ids[first : last + 1]:
                    self._cache.pop(sentera_id, None)
                del self._ids[first : last + 1]
                self.endRemoveRows()
            else:
                self.beginInsertRows(root, first, last)
                self._ids[first:first] = new[first : last + 1]
                self.endInsertRows()
            if time.perf_counter() >= deadline:
                break
        finished = position >= len(steps)
        if finished:
            self._emit_changed(edit.changed)
        self.live_edit_finished.emit()
        if finished:
            self._refreshing = False
            self._start_refresh()
        else:
            QTimer.singleShot(
                0, self, lambda: self._continue_edit(generation, new, edit, steps, position)
            )

    def _emit_changed(self, changed: tuple[listdiff.Run, ...]) -> None:
        last_column = len(COLUMNS) - 1
        if len(changed) > 64:  # one repaint over the span beats hundreds of signals
            changed = ((changed[0][0], changed[-1][1]),)
        for first, last in changed:
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column))


@dataclass(frozen=True)
class Refreshed:
    """A background refresh's result: the query's ids, the edit from the shown list, and
    rows formatted ahead (those the view will show, and updated ones it had loaded)."""

    generation: int
    ids: list[str]
    edit: listdiff.ListEdit
    views: dict[str, RowView] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # held mosaics' new rows (-1: gone)


def _is_layout_edit(edit: listdiff.ListEdit) -> bool:
    return len(edit.removals) + len(edit.insertions) > LAYOUT_EDIT_RUNS


def _rows_of(ids: list[str], wanted: set[str]) -> dict[str, int]:
    """Where each of `wanted` is in `ids` (-1: gone)."""
    rows = dict.fromkeys(wanted, -1)
    if wanted:
        rows.update((i, row) for row, i in enumerate(ids) if i in wanted)
    return rows


def _position(ids: list[str], anchor: str | None) -> int:
    """Where `anchor` (the top row shown) is in `ids`; 0 at the top or when it is gone."""
    if anchor is None:
        return 0
    try:
        return ids.index(anchor)
    except ValueError:
        return 0


def _appended(
    old: Sequence[str], new: Sequence[str], updated: frozenset[str]
) -> listdiff.ListEdit | None:
    """The edit when `new` only adds rows after all of `old` (the rest of a query whose
    first rows are shown), else None.

    A full diff of a thousand shown ids against a million read ones would build
    million-entry maps for what one comparison of the prefix settles.
    """
    if len(new) < len(old) or new[: len(old)] != list(old):
        return None
    insertions = ((len(old), len(new) - 1),) if len(new) > len(old) else ()
    changed = listdiff.runs(row for row, item in enumerate(old) if item in updated)
    return listdiff.ListEdit(removals=(), insertions=insertions, changed=tuple(changed))
