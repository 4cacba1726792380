"""Turn a FieldAgent response body into `app.domain` records, or into the error it is.

The body is decoded once: the envelope first (`data` kept raw, `errors` looked at),
then `data` straight into the Structs of `app.api.records`, which check every selected
field. A body that breaks them raises a `ProtocolError` subclass naming the field,
e.g. `sync_mosaics.upserted[12].images.total_count`; the envelope's `errors` list
becomes a `GraphQLError` (or an `AuthError` subclass when its code says the token was
refused). Fields the server adds beyond the selection are ignored. JSON nested too
deeply to decode (msgspec raises RecursionError) is a `NotJson`, like any body that
cannot be read.

Sync pages are also held to the documented contract, one policy per breach:
- the same `sentera_id` twice in one page (upserted and deleted together): the page
  is rejected with `BrokenPage`, since which copy is right cannot be known. Nothing of
  the page is committed; that scope fails, the others go on.
- an empty `content_hash`, or one longer than 256 characters (real ones are 16):
  rejected with `BrokenPage` for the same reason; such a hash would be sent back on
  every later call.
- more items than the query's documented page cap: accepted with a logged warning;
  every item is still valid, only the server's paging is off.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, TypeVar

import msgspec

from app.api.errors import (
    AuthError,
    BrokenPage,
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
    OrganizationsData,
    SyncFieldsData,
    SyncMosaicsData,
    SyncPageRecord,
    SyncSurveysData,
    UserData,
)
from app.domain import Field, Mosaic, OrganizationPage, Survey, SyncPage

D = TypeVar("D")

log = logging.getLogger(__name__)

# Items per page the API documents for each sync query; more is logged, not refused.
PAGE_CAPS = {"sync_fields": 300, "sync_surveys": 2000, "sync_mosaics": 2000, "sync_files": 2000}
MAX_HASH_LENGTH = 256

_AUTH_CODES = {"UNAUTHENTICATED", "UNAUTHORIZED", "INVALID_TOKEN"}
_FORBIDDEN_CODES = {"FORBIDDEN"}


_NULL = msgspec.Raw(b"null")


class _Envelope(msgspec.Struct):
    data: msgspec.Raw = _NULL  # decoded only once `errors` has been looked at
    errors: Any = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def decode(content: bytes, kind: type[D], *, scrub: str | None = None) -> D:
    """The `data` of a GraphQL response body as `kind`, or the error the body amounts to.

    `scrub` is a secret (the access token) to blank out of any server-provided text.
    """
    try:
        envelope = _ENVELOPE.decode(content)
    except RecursionError:
        raise _too_deep() from None
    except msgspec.ValidationError:
        raise WrongType("response is not a JSON object", field="(root)") from None
    except msgspec.DecodeError as exc:
        raise _undecodable(content, exc) from None
    if envelope.errors:
        raise graphql_error(envelope.errors, scrub=scrub)
    if envelope.data is _NULL or bytes(envelope.data).strip() == b"null":
        raise MissingField("response has no data object", field="data")
    decoder = _DECODERS.get(kind)
    if decoder is None:
        decoder = _DECODERS[kind] = msgspec.json.Decoder(kind)
    try:
        return decoder.decode(envelope.data)  # type: ignore[no-any-return]
    except RecursionError:
        raise _too_deep() from None
    except msgspec.ValidationError as exc:
        raise _invalid(str(exc)) from None


def _too_deep() -> NotJson:
    return NotJson("response is JSON nested too deeply to read")


def _undecodable(content: bytes, exc: msgspec.DecodeError) -> ProtocolError:
    text = content.strip()
    # A document that was fine up to where it stopped was cut short, not garbage.
    if not text or (text[:1] in (b"{", b"[") and "truncated" in str(exc)):
        return TruncatedResponse("response body ends early")
    return NotJson(f"response is not JSON: {exc}")


# msgspec says "Expected `int`, got `str` - at `$.sync_mosaics.upserted[3].images`" or
# "Object missing required field `name` - at `$...`" (no "at" part at the top level).
_VALIDATION = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]+)`$")


def _invalid(message: str) -> ProtocolError:
    """The ProtocolError for a msgspec validation message, naming the field as a path."""
    match = _VALIDATION.match(message)
    what, path = (match["what"], match["path"] or "") if match else (message, "")
    path = path.lstrip(".")
    missing = _MISSING.match(what)
    if missing:
        field = f"{path}.{missing['name']}" if path else missing["name"]
        return MissingField("required field is missing", field=field)
    return WrongType(what.replace("`", ""), field=path or "data")


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


# -- pages ----------------------------------------------------------------------------


def check_page(page: SyncPageRecord[Any], query: str) -> None:
    """Apply the module's page policy: BrokenPage for a breach, a warning past the cap."""
    seen: set[str] = set()
    for part in ("upserted", "deleted"):
        for index, item in enumerate(getattr(page, part)):
            where = f"{query}.{part}[{index}]"
            if item.sentera_id in seen:
                raise BrokenPage("the same id appears twice in one page", field=where)
            seen.add(item.sentera_id)
            if not 0 < len(item.content_hash) <= MAX_HASH_LENGTH:
                raise BrokenPage(
                    f"content hash of {len(item.content_hash)} characters",
                    field=f"{where}.content_hash",
                )
    cap = PAGE_CAPS.get(query)
    if cap is not None and len(page.upserted) + len(page.deleted) > cap:
        log.warning(
            "%s: %d items in one page, more than the documented %d; accepted",
            query,
            len(page.upserted) + len(page.deleted),
            cap,
        )


def sync_page(page: SyncPageRecord[Any], response_bytes: int, query: str = "sync") -> SyncPage[Any]:
    check_page(page, query)
    return SyncPage(
        upserted=tuple([item.to_domain() for item in page.upserted]),
        deleted=tuple([item.to_domain() for item in page.deleted]),
        failed=tuple([item.to_domain() for item in page.failed or ()]),
        remaining_count=page.remaining_count,
        response_bytes=response_bytes,
    )


def parse_sync_fields(
    content: bytes, response_bytes: int = 0, *, scrub: str | None = None
) -> SyncPage[Field]:
    data = decode(content, SyncFieldsData, scrub=scrub)
    return sync_page(data.sync_fields, response_bytes, "sync_fields")


def parse_sync_surveys(
    content: bytes, response_bytes: int = 0, *, scrub: str | None = None
) -> SyncPage[Survey]:
    data = decode(content, SyncSurveysData, scrub=scrub)
    return sync_page(data.sync_surveys, response_bytes, "sync_surveys")


def parse_sync_mosaics(
    content: bytes, response_bytes: int = 0, *, scrub: str | None = None
) -> SyncPage[Mosaic]:
    data = decode(content, SyncMosaicsData, scrub=scrub)
    return sync_page(data.sync_mosaics, response_bytes, "sync_mosaics")


def parse_organizations(
    content: bytes, response_bytes: int = 0, *, scrub: str | None = None
) -> OrganizationPage:
    result = decode(content, OrganizationsData, scrub=scrub).organizations
    return OrganizationPage(
        results=tuple([org.to_domain() for org in result.results]),
        total_count=result.total_count,
        page=result.page,
        page_size=result.page_size,
        response_bytes=response_bytes,
    )


def parse_user(
    content: bytes, response_bytes: int = 0, *, scrub: str | None = None
) -> dict[str, str | None]:
    user = decode(content, UserData, scrub=scrub).user
    return {"sentera_id": user.sentera_id, "email": user.email}
