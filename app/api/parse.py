"""Check FieldAgent responses against the query documents and build `app.domain` records.

Every selected field must be present with its JSON type; `null` is accepted only
where the domain record allows None (a nullable list for `failed`, so `null` and `[]`
both mean "no failures"). Fields the server adds beyond the selection are ignored.
A response that breaks this raises `ProtocolError` naming the field, e.g.
`sync_mosaics.upserted[12].images.total_count`; the envelope's `errors` list becomes
a `GraphQLError` (or an `AuthError` when its code says the token was refused).
The per-record work lives in `app.api.records`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from app.api.errors import (
    AuthError,
    Forbidden,
    GraphQLError,
    MissingField,
    NotJson,
    ProtocolError,
    TokenRejected,
    TruncatedResponse,
    WrongType,
)
from app.api.records import (
    DELETED_SPEC,
    FIELD_SPEC,
    MOSAIC_SPEC,
    ORGANIZATION_SPEC,
    SURVEY_SPEC,
    SYNC_ERROR_SPEC,
    Invalid,
    Spec,
    build_deleted,
    build_field,
    build_mosaic,
    build_organization,
    build_survey,
    build_sync_error,
)
from app.domain import Field, Mosaic, OrganizationPage, Survey, SyncPage

T = TypeVar("T")

PAGE_SPEC: Spec = (
    (("remaining_count",), "int"),
    (("upserted",), "list"),
    (("deleted",), "list"),
    (("failed",), "list?"),
)
ORGANIZATIONS_PAGE_SPEC: Spec = (
    (("page",), "int"),
    (("page_size",), "int"),
    (("total_count",), "int"),
    (("results",), "list"),
)
USER_SPEC: Spec = ((("sentera_id",), "str"), (("email",), "str?"))

_AUTH_CODES = {"UNAUTHENTICATED", "UNAUTHORIZED", "INVALID_TOKEN"}
_FORBIDDEN_CODES = {"FORBIDDEN"}


# -- the envelope --------------------------------------------------------------------


def decode_envelope(content: bytes, *, scrub: str | None = None) -> dict[str, Any]:
    """The `data` object of a GraphQL response body, or the error it amounts to.

    `scrub` is a secret (the access token) to blank out of any server-provided text.
    """
    try:
        doc = json.loads(content)
    except ValueError as exc:
        raise _undecodable(exc) from None
    if type(doc) is not dict:
        raise WrongType("response is not a JSON object", field="(root)")
    errors = doc.get("errors")
    if errors:
        raise graphql_error(errors, scrub=scrub)
    data = doc.get("data")
    if type(data) is not dict:
        kind = MissingField if data is None else WrongType
        raise kind("response has no data object", field="data")
    return data


def _undecodable(exc: ValueError) -> ProtocolError:
    if isinstance(exc, json.JSONDecodeError):
        text = exc.doc.rstrip()
        # A document that was fine up to where it stopped was cut short, not garbage.
        ends_early = exc.pos >= len(text) or exc.msg.startswith("Unterminated string")
        if not text or (text[0] in "{[" and ends_early):
            return TruncatedResponse("response body ends early")
    return NotJson(f"response is not JSON: {type(exc).__name__}")


def graphql_error(errors: Any, *, scrub: str | None = None) -> AuthError | GraphQLError:
    """The exception a GraphQL `errors` list stands for (auth errors are not GraphQLError)."""
    items = errors if isinstance(errors, list) else [errors]
    first = items[0] if items else None
    message = "unknown error"
    code = None
    if isinstance(first, dict):
        if isinstance(first.get("message"), str):
            message = first["message"]
        extensions = first.get("extensions")
        if isinstance(extensions, dict) and isinstance(extensions.get("code"), str):
            code = extensions["code"].upper()
    if scrub:
        message = message.replace(scrub, "[redacted]")
        if scrub in json.dumps(items):
            items = json.loads(json.dumps(items).replace(scrub, "[redacted]"))
    message = message[:300]
    if code in _AUTH_CODES:
        return TokenRejected(f"token rejected: {message}")
    if code in _FORBIDDEN_CODES:
        return Forbidden(f"forbidden: {message}")
    return GraphQLError(items, message=message)


# -- the slow walk that names the bad field ------------------------------------------

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "float": (float, int),
    "int": (int,),
    "bool": (bool,),
    "obj": (dict,),
    "list": (list,),
}
_JSON_NAMES = {str: "string", float: "number", int: "integer", bool: "boolean"}
_JSON_NAMES.update({dict: "object", list: "array", type(None): "null"})


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "any":
        return True
    if value is None:
        return kind.endswith("?")
    return type(value) in _PY_TYPES[kind.rstrip("?")]


def locate(obj: Any, spec: Spec, where: str) -> ProtocolError | None:
    """The error naming the first field of `obj` that breaks `spec`, or None if none does."""
    if type(obj) is not dict:
        return WrongType(f"expected an object, got {_json_name(obj)}", field=where)
    for path, kind in spec:
        parent: Any = obj
        for key in path[:-1]:  # parents come earlier in the spec, so they are checked
            parent = parent[key]
            if parent is None:
                break
        else:
            name = f"{where}.{'.'.join(path)}"
            if path[-1] not in parent:
                return MissingField("required field is missing", field=name)
            value = parent[path[-1]]
            if not _type_ok(value, kind):
                return WrongType(f"expected {kind}, got {_json_name(value)}", field=name)
    return None


def _json_name(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _items(raw: list[Any], build: Callable[[Any], T], spec: Spec, where: str) -> tuple[T, ...]:
    try:
        return tuple(map(build, raw))
    except (KeyError, TypeError, Invalid) as exc:
        failure = exc
    for index, obj in enumerate(raw):
        error = locate(obj, spec, f"{where}[{index}]")
        if error is not None:
            raise error from None
    # The builder refused what the spec accepts: a bug here, not a server problem.
    raise RuntimeError(f"builder and spec disagree on {where}") from failure


def _root(data: dict[str, Any], name: str, spec: Spec) -> dict[str, Any]:
    if name not in data:
        raise MissingField("required field is missing", field=name)
    error = locate(data[name], spec, name)
    if error is not None:
        raise error
    result: dict[str, Any] = data[name]
    return result


# -- pages ----------------------------------------------------------------------------


def _sync_page(
    data: dict[str, Any], root: str, build: Callable[[Any], T], spec: Spec, response_bytes: int
) -> SyncPage[T]:
    result = _root(data, root, PAGE_SPEC)
    remaining = result["remaining_count"]
    if remaining < 0:
        raise WrongType("negative count", field=f"{root}.remaining_count")
    failed = result["failed"]
    return SyncPage(
        upserted=_items(result["upserted"], build, spec, f"{root}.upserted"),
        deleted=_items(result["deleted"], build_deleted, DELETED_SPEC, f"{root}.deleted"),
        failed=()
        if not failed
        else _items(failed, build_sync_error, SYNC_ERROR_SPEC, f"{root}.failed"),
        remaining_count=remaining,
        response_bytes=response_bytes,
    )


def parse_sync_fields(data: dict[str, Any], response_bytes: int = 0) -> SyncPage[Field]:
    return _sync_page(data, "sync_fields", build_field, FIELD_SPEC, response_bytes)


def parse_sync_surveys(data: dict[str, Any], response_bytes: int = 0) -> SyncPage[Survey]:
    return _sync_page(data, "sync_surveys", build_survey, SURVEY_SPEC, response_bytes)


def parse_sync_mosaics(data: dict[str, Any], response_bytes: int = 0) -> SyncPage[Mosaic]:
    return _sync_page(data, "sync_mosaics", build_mosaic, MOSAIC_SPEC, response_bytes)


def parse_organizations(data: dict[str, Any], response_bytes: int = 0) -> OrganizationPage:
    result = _root(data, "organizations", ORGANIZATIONS_PAGE_SPEC)
    return OrganizationPage(
        results=_items(
            result["results"], build_organization, ORGANIZATION_SPEC, "organizations.results"
        ),
        total_count=result["total_count"],
        page=result["page"],
        page_size=result["page_size"],
        response_bytes=response_bytes,
    )


def parse_user(data: dict[str, Any]) -> dict[str, str | None]:
    user = _root(data, "user", USER_SPEC)
    return {"sentera_id": user["sentera_id"], "email": user["email"]}
