"""The error tree: shape, retry semantics and messages a user can act on."""

from __future__ import annotations

import email.utils
import time

import pytest

from app.api import errors
from app.api.errors import (
    ApiError,
    AuthError,
    GraphQLError,
    InvalidServerUrl,
    NetworkError,
    ProtocolError,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    ServerError,
)
from app.api.transport import check_server_url, retry_after_seconds

EXAMPLES: list[tuple[ApiError, bool]] = [
    (NetworkError("connection reset"), True),
    (NetworkError("bad certificate", retryable=False), False),
    (RequestTimeout("read timed out"), True),
    (RateLimited("429", retry_after=3.0), True),
    (ServerError("503", status=503), True),
    (RequestRejected("404", status=404), False),
    (AuthError("401 twice", status=401), False),
    (AuthError("403", status=403, signed_out=False), False),
    (GraphQLError([{"message": "boom"}], message="boom"), False),
    (ProtocolError("cut short", kind="truncated"), True),
    (ProtocolError("not json", kind="non_json"), False),
    (ProtocolError("missing", field="sync_mosaics.remaining_count", kind="missing"), False),
    (InvalidServerUrl("http://example.com"), False),
]


@pytest.mark.parametrize(("error", "retryable"), EXAMPLES, ids=lambda e: type(e).__name__)
def test_each_error_says_whether_to_retry_and_what_to_do(error: ApiError, retryable: bool) -> None:
    assert isinstance(error, ApiError)
    assert error.retryable is retryable
    assert error.user_message.strip()
    assert error.user_message[0].isupper()


def test_every_class_is_drawn_in_the_module_docstring() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        assert name in doc, name


def test_auth_errors_distinguish_signed_out_from_forbidden() -> None:
    signed_out = AuthError("refresh refused")
    assert signed_out.signed_out
    assert signed_out.user_message == "Signed out — sign in to continue"
    forbidden = AuthError("403", status=403, signed_out=False)
    assert not forbidden.signed_out
    assert "access" in forbidden.user_message


def test_protocol_error_names_the_field_for_the_user() -> None:
    error = ProtocolError("missing", field="sync_mosaics.upserted[3].name", kind="missing")
    assert "sync_mosaics.upserted[3].name" in error.user_message
    assert "sync_mosaics.upserted[3].name" in str(error)


def test_invalid_server_url_is_also_a_value_error() -> None:
    with pytest.raises(ValueError, match="HTTPS"):
        check_server_url("http://api.sentera.com/graphql")


@pytest.mark.parametrize(
    "url",
    [
        "https://api.sentera.com/graphql",
        "http://127.0.0.1:8765/graphql",
        "http://127.8.9.10/graphql",
        "http://localhost:9/graphql",
        "http://[::1]:8000/graphql",
    ],
)
def test_https_or_loopback_is_accepted(url: str) -> None:
    assert str(check_server_url(url)) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://api.sentera.com/graphql",
        "http://10.0.0.5/graphql",
        "http://128.0.0.1/graphql",
        "http://localhost.evil.example/graphql",
        "ftp://127.0.0.1/graphql",
        "api.sentera.com/graphql",
        "https:///graphql",
        "",
    ],
)
def test_plain_http_off_loopback_and_nonsense_are_refused(url: str) -> None:
    with pytest.raises(InvalidServerUrl):
        check_server_url(url)


def test_retry_after_forms() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(" 1.5 ") == 1.5
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    seconds = retry_after_seconds(later)
    assert seconds is not None and 60 < seconds <= 121
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
