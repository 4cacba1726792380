"""The error tree: shape, retry semantics and messages a user can act on."""

from __future__ import annotations

import email.utils
import time

import pytest

from app.api import errors
from app.api.errors import (
    ApiError,
    AuthError,
    Forbidden,
    GraphQLError,
    InvalidServerUrl,
    MissingField,
    NetworkError,
    NotJson,
    NotSignedIn,
    ProtocolError,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    RetryLater,
    ServerError,
    ServerUnavailable,
    SignedOut,
    TLSError,
    TokenRejected,
    TruncatedResponse,
)
from app.api.transport import check_server_url, retry_after_seconds

EXAMPLES: list[tuple[ApiError, bool]] = [
    (NetworkError("connection reset"), True),
    (TLSError("bad certificate"), False),
    (RequestTimeout("read timed out"), True),
    (RateLimited("429", retry_after=3.0), True),
    (ServerError("500", status=500), True),
    (ServerUnavailable("503", status=503, retry_after=2.0), True),
    (RequestRejected("404", status=404), False),
    (SignedOut("401 twice", status=401), False),
    (TokenRejected("401", status=401), False),
    (NotSignedIn("no account"), False),
    (Forbidden("403", status=403), False),
    (GraphQLError([{"message": "boom"}], message="boom"), False),
    (TruncatedResponse("cut short"), True),
    (NotJson("not json"), False),
    (MissingField("missing", field="sync_mosaics.remaining_count"), False),
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
    signed_out = SignedOut("refresh refused")
    assert signed_out.user_message == "Signed out — sign in to continue"
    assert TokenRejected("401").user_message == signed_out.user_message
    forbidden = Forbidden("403", status=403)
    assert isinstance(forbidden, AuthError) and not isinstance(forbidden, SignedOut)
    assert "access" in forbidden.user_message


def test_retryability_and_messages_are_facts_of_the_class() -> None:
    """No instance can say otherwise: a subclass, not a flag, changes them."""
    for cls in (NetworkError, RequestTimeout, RetryLater, TruncatedResponse):
        assert cls.retryable is True, cls
    for cls in (TLSError, AuthError, GraphQLError, ProtocolError, RequestRejected):
        assert cls.retryable is False, cls
    assert not issubclass(TLSError, NetworkError)  # a certificate is not an outage
    assert issubclass(RateLimited, RetryLater) and issubclass(ServerUnavailable, RetryLater)
    assert "certificate" in TLSError("x").user_message


def test_protocol_error_names_the_field_for_the_user() -> None:
    error = MissingField("missing", field="sync_mosaics.upserted[3].name")
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
