"""The errors the FieldAgent client raises, one class per thing the caller does next.

Everything the client raises on purpose is an `ApiError`. Whether asking again can
help (`retryable`) and the sentence a field user can act on (`user_message`) are facts
of the class, never constructor flags: callers branch with `isinstance`, not by
reading attributes or comparing messages. The sync engine owns retries; the client
never repeats a request except once after a token refresh. `str(error)` is the
technical detail for the log. Neither ever contains a token: messages are built from
status codes, host names and field names, and server-provided text is scrubbed.

    ApiError                       retryable
    ├── NetworkError               yes   connection refused/reset, DNS, closed mid-response
    ├── TLSError                   no    the server's certificate was refused (TLS handshake)
    ├── RequestTimeout             yes   connect/read/write/pool timeout, HTTP 408
    │   └── DeadlineExceeded       yes*  the whole exchange took longer than its deadline
    ├── RetryLater                 yes   the server is busy; `retry_after` seconds if it said
    │   ├── RateLimited            yes   HTTP 429
    │   └── ServerError            yes   HTTP 5xx; `status`
    │       └── ServerUnavailable  yes   HTTP 503 (maintenance, overload)
    ├── RequestRejected            no    any other unexpected HTTP status (3xx, 400, 404, ...)
    ├── AuthError                  no    the credentials were refused or are missing
    │   ├── SignedOut              no    only signing in again helps (refresh refused, ...)
    │   │   └── TokenRejected      no    HTTP 401 / an auth code: the client refreshes once
    │   ├── NotSignedIn            no    no account to sync with yet
    │   ├── Forbidden              no    HTTP 403: signed in, but may not see this data
    │   ├── CredentialsRefused     no    the email or password is not correct
    │   └── ClientRefused          no    the OAuth client id/secret was refused
    ├── GraphQLError               no    an `errors` list (HTTP 200 or 400); `errors`, `message`
    ├── ProtocolError              no    the response is not what the schema promises; `field`
    │   ├── NotJson                no    an HTML page, garbage
    │   ├── TruncatedResponse      yes   the body ends early (a dropped connection, a proxy)
    │   ├── MissingField           no    a required field is absent
    │   ├── WrongType              no    a field has the wrong JSON type or an invalid value
    │   ├── ResponseTooLarge       no    the decompressed body is larger than the size cap
    │   └── BrokenPage             no    a page breaks the contract (duplicate id, bad hash)
    └── InvalidServerUrl           no    a non-HTTPS URL for a host that is not loopback

(*) retried fewer times than other timeouts: each attempt costs a whole deadline.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "ApiError",
    "AuthError",
    "BrokenPage",
    "ClientRefused",
    "CredentialsRefused",
    "DeadlineExceeded",
    "Forbidden",
    "GraphQLError",
    "InvalidServerUrl",
    "MissingField",
    "NetworkError",
    "NotJson",
    "NotSignedIn",
    "ProtocolError",
    "RateLimited",
    "RequestRejected",
    "RequestTimeout",
    "ResponseTooLarge",
    "RetryLater",
    "ServerError",
    "ServerUnavailable",
    "SignedOut",
    "TLSError",
    "TokenRejected",
    "TruncatedResponse",
    "WrongType",
]


class ApiError(Exception):
    """Base of every error the FieldAgent client raises on purpose."""

    retryable: ClassVar[bool] = False
    """Whether the same request may succeed if sent again later."""
    user_message_text: ClassVar[str] = "FieldAgent could not be reached. Try again later."

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def user_message(self) -> str:
        return self.user_message_text


class NetworkError(ApiError):
    """The connection failed or broke before a complete response arrived."""

    retryable = True
    user_message_text = (
        "FieldAgent could not be reached. Check your internet connection; FieldDesk will try again."
    )


class TLSError(ApiError):
    """The TLS handshake failed: the certificate is not trusted (or not for this host).

    Not a NetworkError: asking again gets the same certificate, and "could not be
    reached" would send the user looking at their Wi-Fi instead of the address or proxy.
    """

    user_message_text = (
        "The server's security certificate could not be verified. "
        "Check the server address, or your network may be intercepting connections."
    )


class RequestTimeout(ApiError):
    """The server did not answer (or stopped answering) within the timeout."""

    retryable = True
    user_message_text = (
        "FieldAgent is not responding. The connection may be slow; FieldDesk will try again."
    )


class DeadlineExceeded(RequestTimeout):
    """The exchange as a whole outlasted its deadline, however steadily bytes arrived.

    Per-read timeouts cannot catch a server that drips a byte just often enough to
    keep each read alive; this can. Unlike its parent it says nothing about the
    network: the server answered, only too slowly. So the sync engine fails just the
    scope that met it (others keep syncing) instead of stopping the run as offline,
    and the message names the deadline so a user can tell "slow" from "gone".
    `deadline` is the limit in seconds (None: unknown).
    """

    def __init__(self, message: str, *, deadline: float | None = None) -> None:
        super().__init__(message)
        self.deadline = deadline

    @property
    def user_message(self) -> str:
        limit = "its time limit" if self.deadline is None else f"the {self.deadline:g} s deadline"
        return (
            f"FieldAgent answered too slowly: no complete answer within {limit} "
            "for one request. FieldDesk will ask again on the next sync."
        )


class RetryLater(ApiError):
    """The server answered but is busy; `retry_after` is how long it asked us to wait."""

    retryable = True
    user_message_text = "FieldAgent had a problem answering. FieldDesk will try again later."

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class RateLimited(RetryLater):
    """HTTP 429: the server asks us to slow down."""

    user_message_text = "FieldAgent is busy and asked FieldDesk to slow down. It will retry."


class ServerError(RetryLater):
    """HTTP 5xx: a problem on FieldAgent's side, usually temporary."""


class ServerUnavailable(ServerError):
    """HTTP 503: down for maintenance or overloaded; often says when to come back."""


class RequestRejected(ApiError):
    """An HTTP status FieldDesk does not expect (400, 404, a redirect...): not transient."""

    user_message_text = (
        "FieldAgent rejected the request. Check the server address in the settings; "
        "if it is right, FieldDesk may need an update."
    )


class AuthError(ApiError):
    """The credentials were refused or could not be renewed (see the subclasses)."""

    user_message_text = "Signed out — sign in to continue"


class SignedOut(AuthError):
    """The token is gone for good: only signing in again helps."""


class TokenRejected(SignedOut):
    """A 401-like answer: the one case where the client asks its token provider for a
    fresh token (once) before giving up."""


class NotSignedIn(AuthError):
    user_message_text = "Not signed in — sign in to FieldAgent to sync"


class Forbidden(AuthError):
    """HTTP 403: the account is signed in but may not see this data; not signed out."""

    user_message_text = (
        "Your FieldAgent account may not access this data. "
        "Ask your organization's administrator for access."
    )


class CredentialsRefused(AuthError):
    user_message_text = "The email or password is not correct."


class ClientRefused(AuthError):
    user_message_text = (
        "The server refused FieldDesk's sign-in settings (client id or secret). "
        "Check them in the settings."
    )


class GraphQLError(ApiError):
    """The server answered with a GraphQL `errors` list; `message` is the first one's."""

    def __init__(self, errors: list[Any], *, message: str) -> None:
        super().__init__(f"GraphQL error: {message}")
        self.errors = errors
        self.message = message

    @property
    def user_message(self) -> str:
        return f"FieldAgent refused the request: {self.message}"


class ProtocolError(ApiError):
    """The response is not what the schema promises; `field` says where.

    Only a truncated body is worth retrying: it is what a flaky proxy or a dropped
    connection leaves behind, while a malformed document will come back the same.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.where = f" (field {field})" if field else ""
        super().__init__(f"{message}{self.where}")
        self.field = field

    @property
    def user_message(self) -> str:
        return (
            f"FieldAgent sent a response FieldDesk could not read{self.where}. "
            "Try again later; if this keeps happening, FieldDesk may need an update."
        )


class NotJson(ProtocolError):
    """The body is not JSON at all (an HTML error page, garbage)."""


class TruncatedResponse(ProtocolError):
    """The body ends early: what a dropped connection or a flaky proxy leaves behind."""

    retryable = True


class MissingField(ProtocolError):
    """A field the schema marks as required is absent (or null)."""


class WrongType(ProtocolError):
    """A field has the wrong JSON type, or a value outside what the schema allows."""


class ResponseTooLarge(ProtocolError):
    """The body inflated past the size cap: a gzip bomb, or a server gone wrong.

    Not retryable: the same request would bring back the same body.
    """


class BrokenPage(ProtocolError):
    """A sync page that parses but breaks the documented contract (see `app.api.parse`)."""


class InvalidServerUrl(ApiError, ValueError):
    """A server URL FieldDesk refuses to talk to (plain HTTP off loopback, bad scheme)."""

    user_message_text = (
        "The server address must start with https:// "
        "(plain http:// is allowed only for this computer)."
    )
