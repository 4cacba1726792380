"""Where the client gets its access token, and how a rejected or expiring one is renewed.

The sync worker receives a `TokenProvider`, never the keyring: keyring backends may
prompt, so storage stays on the main thread. `RefreshingTokenProvider` renews OAuth
tokens shortly before they expire and once after a 401, and reports every rotation
through `on_rotated` so the main thread can store the new refresh token at once (the
old one is spent). When renewal is refused the provider is signed out for good and
every caller gets `SignedOut`.

The OAuth HTTP helpers live in `app.api.oauth` and are re-exported here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from app.api.errors import ApiError, AuthError, SignedOut
from app.api.oauth import (
    OAuthTokens,
    authorization_url,
    exchange_code,
    legacy_session,
    new_state,
    oauth_refresher,
    refresh_tokens,
    revoke,
)

__all__ = [
    "OAuthTokens",
    "RefreshingTokenProvider",
    "StaticTokenProvider",
    "TokenProvider",
    "authorization_url",
    "exchange_code",
    "legacy_session",
    "new_state",
    "oauth_refresher",
    "refresh_tokens",
    "revoke",
]

log = logging.getLogger(__name__)


class TokenProvider(Protocol):
    """What the client asks for a token; implementations must be thread-safe."""

    def access_token(self) -> str:
        """The token to send now (may refresh first; may raise AuthError)."""
        ...

    def refresh_after_unauthorized(self, rejected: str) -> str:
        """A replacement for `rejected`, which the server refused; AuthError if none."""
        ...


class StaticTokenProvider:
    """A fixed token (pasted by the user, or FIELDDESK_TOKEN): nothing to refresh with."""

    def __init__(self, token: str) -> None:
        if not token:
            raise SignedOut("empty access token")
        self._token = token

    def __repr__(self) -> str:
        return "StaticTokenProvider(<token hidden>)"

    def access_token(self) -> str:
        return self._token

    def refresh_after_unauthorized(self, rejected: str) -> str:
        raise SignedOut("the access token was rejected and cannot be refreshed", status=401)


class RefreshingTokenProvider:
    """OAuth tokens that renew themselves; safe to share between sync threads.

    `refresh` performs the grant (see `oauth_refresher`); `on_rotated` is called with
    the new tokens, under the provider's lock so rotations arrive in order — it should
    only hand them to the main thread, not block. `leeway` is how many seconds before
    expiry a token counts as expiring.
    """

    def __init__(
        self,
        tokens: OAuthTokens,
        refresh: Callable[[OAuthTokens], OAuthTokens],
        *,
        on_rotated: Callable[[OAuthTokens], None] | None = None,
        leeway: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tokens = tokens
        self._refresh = refresh
        self._on_rotated = on_rotated
        self._leeway = leeway
        self._clock = clock
        self._lock = threading.Lock()
        self._signed_out = False

    def __repr__(self) -> str:
        return f"RefreshingTokenProvider(account={self._tokens.account!r})"

    @property
    def tokens(self) -> OAuthTokens:
        with self._lock:
            return self._tokens

    @property
    def signed_out(self) -> bool:
        return self._signed_out

    def replace_tokens(self, tokens: OAuthTokens) -> None:
        """Use a fresh sign-in's tokens (clears the signed-out state)."""
        with self._lock:
            self._tokens = tokens
            self._signed_out = False

    def access_token(self) -> str:
        with self._lock:
            self._check_signed_in()
            tokens = self._tokens
            if not self._expiring(tokens):
                return tokens.access_token
            try:
                self._refresh_locked("it expires soon")
            except AuthError:
                raise
            except ApiError as exc:
                # Cannot reach the token endpoint; a not-yet-expired token still works.
                if tokens.expires_at is not None and self._clock() < tokens.expires_at:
                    log.warning("token refresh failed, using the current token: %s", exc)
                    return tokens.access_token
                raise
            return self._tokens.access_token

    def refresh_after_unauthorized(self, rejected: str) -> str:
        with self._lock:
            self._check_signed_in()
            if self._tokens.access_token != rejected:
                return self._tokens.access_token  # another thread has already refreshed
            if not self._tokens.refresh_token:
                self._signed_out = True
                raise SignedOut("token rejected and there is no refresh token", status=401)
            self._refresh_locked("the server rejected it")
            return self._tokens.access_token

    def _expiring(self, tokens: OAuthTokens) -> bool:
        return (
            tokens.refresh_token is not None
            and tokens.expires_at is not None
            and self._clock() >= tokens.expires_at - self._leeway
        )

    def _check_signed_in(self) -> None:
        if self._signed_out:
            raise SignedOut("signed out: the last token refresh was refused")

    def _refresh_locked(self, why: str) -> None:
        log.debug("refreshing the access token because %s", why)
        try:
            fresh = self._refresh(self._tokens)
        except AuthError as exc:
            self._signed_out = True
            raise SignedOut(f"token refresh refused: {exc}", status=exc.status) from None
        self._tokens = fresh
        log.info("access token refreshed for %s", fresh.account or "this account")
        if self._on_rotated is not None:
            try:
                self._on_rotated(fresh)
            except Exception as exc:
                # Name the failure only: its message could quote what was being stored.
                log.error("could not hand over the rotated tokens: %s", type(exc).__name__)
