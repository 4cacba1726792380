"""HTTP plumbing shared by the GraphQL client and the OAuth helpers.

One place decides which server URLs are acceptable (HTTPS, or plain HTTP on loopback
only), how the `httpx.Client` is configured (timeouts, User-Agent, TLS verification,
no redirects), how a response is read (streamed, within a total deadline and a size
cap on the decompressed bytes) and how transport failures and HTTP statuses map onto
the error tree.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import logging
import platform
import ssl
import time
from collections.abc import Callable

import httpx

from app import APP_NAME, __version__
from app.api.errors import (
    ApiError,
    DeadlineExceeded,
    Forbidden,
    InvalidServerUrl,
    NetworkError,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    ResponseTooLarge,
    ServerError,
    ServerUnavailable,
    TLSError,
    TokenRejected,
    TruncatedResponse,
)
from app.api.parse import graphql_error

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "check_server_url",
    "error_for_status",
    "make_http_client",
    "read_response",
    "transport_error",
    "user_agent",
]

# Stalls, not total time, are what we time out on: `read` is the longest silence
# tolerated while a large page is produced and streamed.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=30.0)

# Per-read timeouts never fire on a server that drips a byte just often enough, so
# every exchange also has a total deadline. The largest legitimate page (2,000
# mosaics) is a few MB and takes seconds even on a poor link; two minutes is generous.
DEFAULT_DEADLINE = 120.0

# Counted on the decompressed bytes: the largest legitimate page is a few MB, so 64 MB
# is far above any real answer and far below what a gzip bomb would inflate to.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


def user_agent() -> str:
    system = f"{platform.system()} {platform.release()}".strip() or "unknown"
    return f"{APP_NAME}/{__version__} ({system}; Python {platform.python_version()})"


def quiet_http_loggers() -> None:
    """Keep httpx/httpcore at WARNING unless someone configured them for debugging."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


def is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str) -> httpx.URL:
    """The URL, if FieldDesk may send credentials to it; InvalidServerUrl otherwise."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidServerUrl(f"not a valid URL: {exc}") from None
    if not parsed.host:
        raise InvalidServerUrl("the server URL has no host")
    if parsed.scheme == "https":
        return parsed
    if parsed.scheme == "http" and is_loopback(parsed.host):
        return parsed
    raise InvalidServerUrl(f"refusing {parsed.scheme}:// for {parsed.host}: HTTPS is required")


def make_http_client(
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout | None = None,
    agent: str | None = None,
) -> httpx.Client:
    """A long-lived client: keep-alive pool, gzip, verified TLS, never follows redirects.

    Redirects are refused so a credentialed request can never be bounced to another
    host or down to plain HTTP.
    """
    quiet_http_loggers()
    return httpx.Client(
        transport=transport,
        timeout=timeout or DEFAULT_TIMEOUT,
        verify=True,
        follow_redirects=False,
        headers={
            "User-Agent": agent or user_agent(),
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
        },
    )


def read_response(
    http: httpx.Client,
    url: httpx.URL,
    *,
    content: bytes,
    headers: dict[str, str],
    what: str,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    drop_connection: Callable[[], bool] | None = None,
) -> tuple[httpx.Response, bytes]:
    """POST `content` and read the whole answer: (response, decompressed body).

    The body is streamed so that its decompressed size is counted as it arrives (a
    gzip bomb fails at `max_bytes`, not after inflating in memory) and a monotonic
    `deadline` (seconds) is checked between chunks. Each phase's own timeout is also
    capped by the time left, so a server that sends nothing at all fails on time too.
    Raises DeadlineExceeded, ResponseTooLarge or the `transport_error` of a failure.

    `drop_connection`, asked once the exchange is over (whatever its result): True
    closes the connection it used instead of leaving it in the pool. A client closed
    under this request (another thread stopping a sync) no longer tracks a connection
    the request opened or finished on afterwards; only this thread can close it.
    """
    give_up = time.monotonic() + deadline
    response: httpx.Response | None = None

    def expired() -> DeadlineExceeded:
        return DeadlineExceeded(
            f"no complete answer within the {deadline:g} s deadline ({what})", deadline=deadline
        )

    try:
        with http.stream(
            "POST", url, content=content, headers=headers, timeout=_capped(http.timeout, deadline)
        ) as response:
            received = 0
            chunks: list[bytes] = []
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise ResponseTooLarge(
                        f"response larger than the {max_bytes:,}-byte cap once decompressed"
                        f" ({what})"
                    )
                chunks.append(chunk)
                if time.monotonic() > give_up:
                    raise expired()
    except httpx.TimeoutException as exc:
        if time.monotonic() >= give_up:
            raise expired() from exc
        raise transport_error(exc, what) from exc
    except httpx.RequestError as exc:
        raise transport_error(exc, what) from exc
    finally:
        if response is not None and drop_connection is not None and drop_connection():
            close_connection(response)
    return response, b"".join(chunks)


def close_connection(response: httpx.Response) -> None:
    """Close the socket `response` came over (a no-op for responses without one)."""
    stream = response.extensions.get("network_stream")
    if stream is not None:
        stream.close()


def _capped(timeout: httpx.Timeout, limit: float) -> httpx.Timeout:
    """`timeout` with no phase longer than `limit` seconds."""

    def cap(value: float | None) -> float:
        return limit if value is None else min(value, limit)

    return httpx.Timeout(
        connect=cap(timeout.connect),
        read=cap(timeout.read),
        write=cap(timeout.write),
        pool=cap(timeout.pool),
    )


def transport_error(exc: httpx.RequestError, what: str) -> ApiError:
    """Map an httpx failure (no usable response) onto the error tree."""
    detail = f"{what}: {type(exc).__name__}: {exc}"
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeout(f"timed out ({detail})")
    if isinstance(exc, httpx.DecodingError):
        return TruncatedResponse(f"compressed body is damaged ({detail})")
    if isinstance(exc, httpx.ConnectError) and _caused_by_tls(exc):
        return TLSError(f"TLS failure ({detail})")
    if isinstance(exc, httpx.ConnectError):
        return NetworkError(f"could not connect ({detail})")
    return NetworkError(f"connection lost ({detail})")


def _caused_by_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_for_status(
    response: httpx.Response, what: str, *, scrub: str | None = None, body: bytes | None = None
) -> ApiError:
    """The error a non-200 response stands for: `body`, or the response's read body."""
    status = response.status_code
    detail = f"{what}: HTTP {status}"
    if status == 401:
        return TokenRejected(f"token rejected ({detail})", status=401)
    if status == 403:
        return Forbidden(f"forbidden ({detail})", status=403)
    if status == 408:
        return RequestTimeout(f"server timed out waiting ({detail})")
    if status == 429:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        return RateLimited(f"rate limited ({detail})", retry_after=retry_after)
    if status >= 500:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        busy = ServerUnavailable if status == 503 else ServerError
        return busy(f"server error ({detail})", status=status, retry_after=retry_after)
    if status in (400, 422):
        # GraphQL servers answer 400 to documents they cannot run; that is a GraphQL error.
        try:
            errors = json.loads(response.content if body is None else body).get("errors")
        except (ValueError, AttributeError, RecursionError):
            errors = None
        if errors:
            return graphql_error(errors, scrub=scrub)
    return RequestRejected(f"unexpected status ({detail})", status=status)
