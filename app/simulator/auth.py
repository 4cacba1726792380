"""Tokens as Sentera issues them: OAuth2 authorization codes, rotating refresh tokens,
revocation, and the legacy email/password session.

Access tokens last 8 hours and refresh tokens forever by default (both configurable);
using a refresh token consumes it and returns a new one, as Sentera's docs say to
expect. The demo token never expires so tests and the demo can call the API at once.
Time comes from a clock that tests can move forward (`advance_clock`) instead of
sleeping until a token expires.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.simulator.scopes import Item

CODE_LIFETIME = 600
LEGACY_LIFETIME = 90 * 24 * 3_600
DEMO_PASSWORD = "fielddesk-demo"
_LOOPBACK_CALLBACK = re.compile(r"^http://(127\.0\.0\.1|localhost):\d{1,5}/callback$")


class OAuthError(Exception):
    """An OAuth failure, answered as `{"error": ..., "error_description": ...}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(slots=True)
class _Grant:
    user_id: str
    client_id: str | None
    expires_at: float | None
    scope: str = "read_fields"
    redirect_uri: str | None = None


class AuthService:
    """Issues and checks every kind of token; thread-safe."""

    def __init__(
        self,
        *,
        users: list[Item],
        seed: int,
        access_lifetime: int,
        refresh_lifetime: int | None,
    ) -> None:
        self._lock = threading.Lock()
        self._users = {u["sentera_id"]: u for u in users}
        self._by_email = {u["email"]: u for u in users}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._codes: dict[str, _Grant] = {}
        self._access_lifetime = access_lifetime
        self._refresh_lifetime = refresh_lifetime
        self._offset = 0.0
        seed_bytes = f"fielddesk-sim/{seed}".encode()
        # Derived from the seed so a restarted simulator accepts the same demo token.
        self.demo_token = hashlib.sha256(seed_bytes + b"/demo-token").hexdigest()
        self.client_id = "fielddesk-desktop"
        self.client_secret = hashlib.sha256(seed_bytes + b"/client-secret").hexdigest()[:40]
        self.demo_user: Item = users[0]
        self.demo_password = DEMO_PASSWORD
        self._access[self.demo_token] = _Grant(self.demo_user["sentera_id"], None, None)

    # -- clock ----------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self._offset

    def advance_clock(self, seconds: float) -> None:
        """Move the token clock forward (tests: expire tokens without waiting)."""
        with self._lock:
            self._offset += seconds

    # -- checking ---------------------------------------------------------------------

    @staticmethod
    def token_from(header: str | None) -> str | None:
        """`Bearer <token>`, or the bare token the legacy clients send."""
        if not header:
            return None
        scheme, _, rest = header.strip().partition(" ")
        if rest and scheme.lower() == "bearer":
            return rest.strip() or None
        return None if rest else scheme

    def user_for(self, token: str | None) -> Item | None:
        if token is None:
            return None
        with self._lock:
            grant = self._access.get(token)
            if grant is None or (grant.expires_at is not None and grant.expires_at <= self.now()):
                return None
            return self._users[grant.user_id]

    def expire(self, token: str) -> None:
        with self._lock:
            self._access.pop(token, None)

    # -- OAuth ------------------------------------------------------------------------

    def redirect_allowed(self, client_id: str | None, redirect_uri: str | None) -> bool:
        """The registered client may use any loopback `/callback` URI."""
        return client_id == self.client_id and bool(
            redirect_uri and _LOOPBACK_CALLBACK.match(redirect_uri)
        )

    def check_password(self, email: str, password: str) -> Item | None:
        user = self._by_email.get(email.strip().lower())
        ok = user is not None and secrets.compare_digest(password, self.demo_password)
        return user if ok else None

    def issue_code(self, *, redirect_uri: str, scope: str, user: Item) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(
                user["sentera_id"], self.client_id, self.now() + CODE_LIFETIME, scope, redirect_uri
            )
        return code

    def _check_client(self, body: Mapping[str, Any]) -> None:
        client_id, secret = str(body.get("client_id", "")), str(body.get("client_secret", ""))
        if client_id != self.client_id or not secrets.compare_digest(secret, self.client_secret):
            raise OAuthError("invalid_client", "Client authentication failed.", 401)

    def token(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The /oauth/token endpoint: authorization_code and refresh_token grants."""
        self._check_client(body)
        grant_type = body.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                grant = self._codes.pop(str(body.get("code", "")), None)
                if grant is None or self._expired(grant):
                    raise OAuthError("invalid_grant", "The authorization code is invalid.")
                if grant.redirect_uri != body.get("redirect_uri"):
                    raise OAuthError("invalid_grant", "The redirect_uri does not match.")
            elif grant_type == "refresh_token":
                grant = self._refresh.pop(str(body.get("refresh_token", "")), None)
                if grant is None or self._expired(grant):
                    raise OAuthError("invalid_grant", "The refresh token is invalid.")
            else:
                raise OAuthError("unsupported_grant_type", f"Unsupported grant {grant_type!r}.")
            return self._mint(grant)

    def _expired(self, grant: _Grant) -> bool:
        return grant.expires_at is not None and grant.expires_at <= self.now()

    def _mint(self, grant: _Grant) -> dict[str, Any]:
        now = self.now()
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._access[access] = _Grant(
            grant.user_id, grant.client_id, now + self._access_lifetime, grant.scope
        )
        refresh_expiry = None if self._refresh_lifetime is None else now + self._refresh_lifetime
        self._refresh[refresh] = _Grant(grant.user_id, grant.client_id, refresh_expiry, grant.scope)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self._access_lifetime,
            "refresh_token": refresh,
            "scope": grant.scope,
            "created_at": int(now),
        }

    def revoke(self, body: Mapping[str, Any]) -> None:
        """Revoking an access token leaves its refresh token valid, and vice versa."""
        self._check_client(body)
        token = str(body.get("token", ""))
        with self._lock:
            # RFC 7009: the hint is only a hint, and unknown tokens are not an error.
            self._access.pop(token, None)
            self._refresh.pop(token, None)

    # -- legacy sessions --------------------------------------------------------------

    def legacy_session(self, email: str, password: str) -> dict[str, Any]:
        user = self.check_password(email, password)
        if user is None:
            raise OAuthError("invalid_credentials", "Invalid email or password.", 401)
        token = str(uuid.uuid4())
        with self._lock:
            self._access[token] = _Grant(user["sentera_id"], None, self.now() + LEGACY_LIFETIME)
        return {
            "auth_token": token,
            "user_sentera_id": user["sentera_id"],
            "user_email": user["email"],
            "status": "success",
            "device_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{email}/device")),
        }
