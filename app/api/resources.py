"""The client's GraphQL documents, read from `resources/queries` (see `app.resources`)."""

from __future__ import annotations

from functools import cache

from app.resources import resource_path

__all__ = ["load_query"]


@cache
def load_query(name: str) -> str:
    """The text of `resources/queries/<name>.graphql`, read once per process."""
    return resource_path("queries", f"{name}.graphql").read_text(encoding="utf-8")
