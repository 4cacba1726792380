"""FieldAgent's sign-in endpoints: OAuth2 authorization code, refresh, revoke, legacy session.

Plain functions over HTTP, no state and no storage: the caller keeps the resulting
`OAuthTokens` (the keyring wrapper on the main thread) and hands a token provider to
the sync worker. Passwords, codes and tokens travel only in request bodies and are
never logged; `OAuthTokens` hides them from its repr.

Every call reads its answer like the GraphQL client does (`transport.read_response`):
within a total deadline (`deadline`, seconds; `OAUTH_DEADLINE` by default) and a cap on
the decompressed body, so a token endpoint that drips its answer ends the sign-in or the
refresh with `DeadlineExceeded` instead of hanging it.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from app import __version__
from app.api.errors import (
    AuthError,
    ClientRefused,
    CredentialsRefused,
    MissingField,
    NotJson,
    SignedOut,
    WrongType,
)
from app.api.transport import check_server_url, error_for_status, make_http_client, read_response

__all__ = [
    "OAUTH_DEADLINE",
    "OAUTH_MAX_RESPONSE_BYTES",
    "OAuthTokens",
    "authorization_url",
    "exchange_code",
    "legacy_session",
    "new_state",
    "oauth_refresher",
    "refresh_tokens",
    "revoke",
]

log = logging.getLogger(__name__)

LEGACY_TOKEN_LIFETIME = 90 * 24 * 3600.0  # "expires after 3 months"
_SIGNED_OUT_GRANT_ERRORS = {"invalid_grant", "invalid_token", "unauthorized_client"}
# A token answer is a few hundred bytes and a person may be waiting on it: half a
# minute is generous, and a megabyte is far above any real answer.
OAUTH_DEADLINE = 30.0
OAUTH_MAX_RESPONSE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class OAuthTokens:
    """What a sign-in yields. `expires_at` is epoch seconds (None: unknown)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float | None
    account: str | None = None  # email or user id, to show "signed in as"


def new_state() -> str:
    """A random `state` for the authorization request, checked on the redirect."""
    return secrets.token_urlsafe(24)


def _endpoint(base_url: str, path: str) -> str:
    check_server_url(base_url)
    return f"{base_url.rstrip('/')}{path}"


def authorization_url(
    base_url: str, client_id: str, redirect_uri: str, state: str, scope: str
) -> str:
    """Where to send the browser; FieldAgent redirects back with `code` and `state`."""
    url = httpx.URL(
        _endpoint(base_url, "/oauth/authorize"),
        params={
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
        },
    )
    return str(url)


def _post(
    url: str,
    payload: dict[str, Any],
    what: str,
    transport: httpx.BaseTransport | None,
    deadline: float,
) -> tuple[httpx.Response, bytes]:
    """POST `payload` as JSON: (response, body), read within `deadline` and the size cap."""
    started = time.perf_counter()
    with make_http_client(transport=transport) as http:
        response, body = read_response(
            http,
            httpx.URL(url),
            content=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            what=what,
            deadline=deadline,
            max_bytes=OAUTH_MAX_RESPONSE_BYTES,
        )
    log.debug(
        "%s -> HTTP %d in %.0f ms",
        what,
        response.status_code,
        (time.perf_counter() - started) * 1000,
    )
    return response, body


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        raise NotJson(f"{what}: response is not JSON") from None
    if not isinstance(value, dict):
        raise WrongType(f"{what}: response is not a JSON object")
    return value


def _grant_failure(response: httpx.Response, body: bytes, what: str) -> AuthError:
    """A 400/401 from the token endpoint: the grant (code or refresh token) is dead."""
    try:
        code = str(json.loads(body).get("error", "unknown"))[:60]
    except (ValueError, AttributeError, RecursionError):
        code = "unknown"
    if code == "invalid_client":
        return ClientRefused(f"{what}: client refused ({code})")
    return SignedOut(f"{what}: grant refused ({code})", status=response.status_code)


def _token_request(
    base_url: str,
    payload: dict[str, Any],
    *,
    account: str | None,
    transport: httpx.BaseTransport | None,
    deadline: float,
) -> OAuthTokens:
    what = f"token request ({payload['grant_type']})"
    sent_at = time.time()
    response, content = _post(
        _endpoint(base_url, "/oauth/token"), payload, what, transport, deadline
    )
    if response.status_code in (400, 401):
        raise _grant_failure(response, content, what)
    if response.status_code != 200:
        raise error_for_status(response, what, body=content)
    body = _json_object(content, what)
    access, refresh = body.get("access_token"), body.get("refresh_token")
    expires_in = body.get("expires_in")
    if not isinstance(access, str) or not access:
        raise MissingField(f"{what}: no access token", field="access_token")
    if refresh is not None and not isinstance(refresh, str):
        raise WrongType(f"{what}: bad refresh token", field="refresh_token")
    if expires_in is not None and (
        isinstance(expires_in, bool) or not isinstance(expires_in, int | float)
    ):
        raise WrongType(f"{what}: bad expiry", field="expires_in")
    # Our own clock at send time, not the server's `created_at`: skew cannot make a
    # token look valid for longer than it is.
    expires_at = None if expires_in is None else sent_at + float(expires_in)
    return OAuthTokens(access, refresh or None, expires_at, account)


def exchange_code(
    base_url: str,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    account: str | None = None,
    transport: httpx.BaseTransport | None = None,
    deadline: float = OAUTH_DEADLINE,
) -> OAuthTokens:
    """Trade the authorization code from the redirect for tokens."""
    payload = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "code": code,
    }
    return _token_request(
        base_url, payload, account=account, transport=transport, deadline=deadline
    )


def refresh_tokens(
    base_url: str,
    tokens: OAuthTokens,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    transport: httpx.BaseTransport | None = None,
    deadline: float = OAUTH_DEADLINE,
) -> OAuthTokens:
    """New access and refresh tokens; the old refresh token is spent (rotation)."""
    if not tokens.refresh_token:
        raise SignedOut("no refresh token to refresh with")
    payload = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "refresh_token": tokens.refresh_token,
    }
    fresh = _token_request(
        base_url, payload, account=tokens.account, transport=transport, deadline=deadline
    )
    if fresh.refresh_token is None:  # a server that does not rotate keeps the old one valid
        fresh = OAuthTokens(
            fresh.access_token, tokens.refresh_token, fresh.expires_at, fresh.account
        )
    return fresh


def oauth_refresher(
    base_url: str,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    transport: httpx.BaseTransport | None = None,
    deadline: float = OAUTH_DEADLINE,
) -> Callable[[OAuthTokens], OAuthTokens]:
    """`refresh_tokens` bound to one server and client, for `RefreshingTokenProvider`."""
    check_server_url(base_url)

    def refresh(tokens: OAuthTokens) -> OAuthTokens:
        return refresh_tokens(
            base_url,
            tokens,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            transport=transport,
            deadline=deadline,
        )

    return refresh


def revoke(
    base_url: str,
    *,
    client_id: str,
    client_secret: str,
    token: str,
    token_type_hint: str = "refresh_token",
    transport: httpx.BaseTransport | None = None,
    deadline: float = OAUTH_DEADLINE,
) -> None:
    """Revoke one token. Revoking the refresh token is what ends the sign-in for good."""
    what = f"revoke ({token_type_hint})"
    payload = {
        "token_type_hint": token_type_hint,
        "client_id": client_id,
        "client_secret": client_secret,
        "token": token,
    }
    response, content = _post(
        _endpoint(base_url, "/oauth/revoke"), payload, what, transport, deadline
    )
    if response.status_code != 200:
        raise error_for_status(response, what, body=content)


def legacy_session(
    base_url: str,
    email: str,
    password: str,
    *,
    transport: httpx.BaseTransport | None = None,
    deadline: float = OAUTH_DEADLINE,
) -> OAuthTokens:
    """The legacy email/password session (3-month token, no refresh token)."""
    what = "legacy session"
    payload = {
        "session": {
            "email": email,
            "password": password,
            "platform_id": "API",
            "version_id": __version__,
        }
    }
    sent_at = time.time()
    response, content = _post(
        _endpoint(base_url, "/v1/sessions"), payload, what, transport, deadline
    )
    if response.status_code in (400, 401, 403, 422):
        raise CredentialsRefused(
            f"{what}: credentials refused (HTTP {response.status_code})",
            status=response.status_code,
        )
    if response.status_code not in (200, 201):
        raise error_for_status(response, what, body=content)
    body = _json_object(content, what)
    token = body.get("auth_token")
    if not isinstance(token, str) or not token:
        raise MissingField(f"{what}: no token", field="auth_token")
    account = body.get("user_email")
    return OAuthTokens(
        access_token=token,
        refresh_token=None,
        expires_at=sent_at + LEGACY_TOKEN_LIFETIME,
        account=account if isinstance(account, str) and account else email,
    )
