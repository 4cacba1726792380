"""One sync scope (a parent's children of one kind) and the documented page algorithm.

A scope keeps its current items in creation order and a tombstone for every version that
left it (updated, deleted or moved elsewhere): content hash -> that old version. That is
all the server needs to answer the documented loop:

- `upserted`: current items whose hash the client did not send, in stable (creation)
  order, at most `cap` of them;
- `deleted`: for each hash the client sent that is not current, the tombstoned version,
  unless its item still lives in the scope (then it was merely updated and is upserted);
- `remaining_count`: changed items left after this page.

CHOICE: `deleted` is not capped. Deletions are cheap to send (two strings each) and a
client that applies them on the first page converges in ceil(changed / cap) calls; hashes
the server has never seen are ignored (they may belong to another scope).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Item = dict[str, Any]


class Scope:
    """The items of one kind under one parent, plus tombstones of their old versions."""

    __slots__ = ("items", "tombstones")

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.tombstones: dict[str, Item] = {}

    def put(self, item: Item) -> None:
        """Insert or replace an item, keeping its position; remember the old version."""
        old = self.items.get(item["sentera_id"])
        if old is not None and old["content_hash"] != item["content_hash"]:
            self.tombstones[old["content_hash"]] = old
        self.items[item["sentera_id"]] = item

    def remove(self, sentera_id: str) -> Item:
        old = self.items.pop(sentera_id)
        self.tombstones[old["content_hash"]] = old
        return old


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """One computed page, before GraphQL shapes it; the items are never mutated."""

    upserted: list[Item]
    deleted: list[Item]
    remaining_count: int
    failed: list[Item] | None = None


def compute_page(
    scopes: Sequence[Scope], client_hashes: Iterable[str], cap: int, *, stuck: bool = False
) -> PageOutcome:
    """Answer one call of the documented sync loop for the union of `scopes`.

    `stuck` simulates a buggy server: it always answers with the first page of the
    scope as if the client held nothing, and a `remaining_count` that never shrinks.
    """
    if stuck:
        everything = [item for scope in scopes for item in scope.items.values()]
        page = everything[:cap]
        return PageOutcome(page, [], max(1, len(everything) - len(page)))
    held = dict.fromkeys(client_hashes)  # ordered and de-duplicated
    changed = [
        item
        for scope in scopes
        for item in scope.items.values()
        if item["content_hash"] not in held
    ]
    current: Any = (
        scopes[0].items if len(scopes) == 1 else {i for scope in scopes for i in scope.items}
    )
    deleted: list[Item] = []
    for content_hash in held:
        for scope in scopes:
            old = scope.tombstones.get(content_hash)
            if old is not None:
                if old["sentera_id"] not in current:  # else it was updated: upserted
                    deleted.append(old)
                break
    upserted = changed[:cap]
    return PageOutcome(upserted, deleted, len(changed) - len(upserted))
