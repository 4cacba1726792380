"""The errors the FieldAgent client raises, split by what the caller should do next.

Everything the client raises on purpose is an `ApiError`. Its `retryable` property
tells the sync engine whether asking again can help (the engine owns retries; the
client never repeats a request except once after a token refresh), and its
`user_message` is a sentence a field user can act on. `str(error)` is the technical
detail for the log. Neither ever contains a token: messages are built from status
codes, host names and field names, and server-provided text is scrubbed by the client.

    ApiError
    ├── NetworkError        retryable  connection refused/reset, DNS, closed mid-response
    │                                  (not retryable when the TLS certificate is refused)
    ├── RequestTimeout      retryable  connect/read/write/pool timeout, HTTP 408
    ├── RateLimited         retryable  HTTP 429; `retry_after` seconds when the server says
    ├── ServerError         retryable  HTTP 5xx; `status`, `retry_after`
    ├── RequestRejected     no         any other unexpected HTTP status (3xx, 400, 404, ...)
    ├── AuthError           no         HTTP 401 after one refresh, refresh failed, HTTP 403;
    │                                  `signed_out` is True when only signing in again helps
    ├── GraphQLError        no         an `errors` list (HTTP 200 or 400); `errors`, `message`
    ├── ProtocolError       truncated  non-JSON, truncated body, missing or wrong-typed field;
    │                       only       `field` names the offending path, `kind` the problem
    └── InvalidServerUrl    no         a non-HTTPS URL for a host that is not loopback
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "AuthError",
    "GraphQLError",
    "InvalidServerUrl",
    "NetworkError",
    "ProtocolError",
    "RateLimited",
    "RequestRejected",
    "RequestTimeout",
    "ServerError",
]

SIGNED_OUT_MESSAGE = "Signed out — sign in to continue"


class ApiError(Exception):
    """Base of every error the FieldAgent client raises on purpose."""

    _retryable = False
    _default_user_message = "FieldAgent could not be reached. Try again later."

    def __init__(self, message: str, *, user_message: str | None = None) -> None:
        super().__init__(message)
        self._user_message = user_message or self._default_user_message
        self.retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed if sent again later."""
        return self._retryable

    @property
    def user_message(self) -> str:
        return self._user_message


class NetworkError(ApiError):
    """The connection failed or broke before a complete response arrived."""

    _retryable = True
    _default_user_message = (
        "FieldAgent could not be reached. Check your internet connection; FieldDesk will try again."
    )

    def __init__(
        self, message: str, *, user_message: str | None = None, retryable: bool = True
    ) -> None:
        super().__init__(message, user_message=user_message)
        self._retryable = retryable


class RequestTimeout(ApiError):
    """The server did not answer (or stopped answering) within the timeout."""

    _retryable = True
    _default_user_message = (
        "FieldAgent is not responding. The connection may be slow; FieldDesk will try again."
    )


class RateLimited(ApiError):
    """HTTP 429: the server asks us to slow down, possibly saying for how long."""

    _retryable = True
    _default_user_message = "FieldAgent is busy and asked FieldDesk to slow down. It will retry."

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(ApiError):
    """HTTP 5xx: a problem on FieldAgent's side, usually temporary."""

    _retryable = True
    _default_user_message = "FieldAgent had a problem answering. FieldDesk will try again later."

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RequestRejected(ApiError):
    """An HTTP status FieldDesk does not expect (400, 404, a redirect...): not transient."""

    _default_user_message = (
        "FieldAgent rejected the request. Check the server address in the settings; "
        "if it is right, FieldDesk may need an update."
    )

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class AuthError(ApiError):
    """The credentials were refused or could not be renewed.

    `signed_out` means the token is gone for good and the user must sign in again;
    a 403 is not that: the account is signed in but may not see this data.
    `token_rejected` marks a 401-like answer, the one case where the client asks its
    token provider for a fresh token (once) before giving up.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        signed_out: bool = True,
        token_rejected: bool = False,
        user_message: str | None = None,
    ) -> None:
        if user_message is None:
            user_message = (
                SIGNED_OUT_MESSAGE
                if signed_out
                else "Your FieldAgent account may not access this data. "
                "Ask your organization's administrator for access."
            )
        super().__init__(message, user_message=user_message)
        self.status = status
        self.signed_out = signed_out
        self.token_rejected = token_rejected


class GraphQLError(ApiError):
    """The server answered with a GraphQL `errors` list; `message` is the first one's."""

    def __init__(self, errors: list[Any], *, message: str) -> None:
        super().__init__(
            f"GraphQL error: {message}",
            user_message=f"FieldAgent refused the request: {message}",
        )
        self.errors = errors
        self.message = message


class ProtocolError(ApiError):
    """The response is not what the schema promises; `field` says where.

    kind: "non_json", "truncated", "missing", "wrong_type", "invalid".
    Only a truncated body is worth retrying: it is what a flaky proxy or a dropped
    connection leaves behind, while a malformed document will come back the same.
    """

    def __init__(self, message: str, *, field: str | None = None, kind: str = "invalid") -> None:
        where = f" (field {field})" if field else ""
        super().__init__(
            f"{message}{where}",
            user_message=(
                f"FieldAgent sent a response FieldDesk could not read{where}. "
                "Try again later; if this keeps happening, FieldDesk may need an update."
            ),
        )
        self.field = field
        self.kind = kind

    @property
    def retryable(self) -> bool:
        return self.kind == "truncated"


class InvalidServerUrl(ApiError, ValueError):
    """A server URL FieldDesk refuses to talk to (plain HTTP off loopback, bad scheme)."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            user_message=(
                "The server address must start with https:// "
                "(plain http:// is allowed only for this computer)."
            ),
        )
