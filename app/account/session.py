"""Who is signed in to which server, and the token provider the sync worker gets.

`AccountManager` lives on the main thread, because it is the only code that talks to
the keyring (backends may prompt). Sign-in is split so a GUI never blocks:

- the network half (`begin_browser_sign_in` + `finish_browser_sign_in`,
  `check_token`, `check_password`) may run in any thread and returns a `StoredSignIn`;
- `accept(signin)` stores it, on the main thread.

The `sign_in_with_*` methods chain both for the command line and tests.

Rotated tokens: the worker's `RefreshingTokenProvider` reports each rotation from a
worker thread. The manager queues the newest tokens and asks `dispatch` to run
`persist_worker_state` on the main thread (the GUI passes a queued Qt call). Without
a dispatcher (the headless command, which has no event loop) the write happens at once
on the worker thread, under the store's lock: there no backend can show a prompt, and
losing a rotated refresh token until the process ends would sign the user out.

`FIELDDESK_TOKEN`, when set, wins over any stored sign-in and is never stored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from keyring.errors import KeyringError

from app.account.browser import open_in_browser
from app.account.errors import (
    ServerUnreachable,
    SignInError,
    WrongCredentials,
)
from app.account.loopback import DEFAULT_SCOPE, DEFAULT_TIMEOUT, BrowserSignIn
from app.account.token_store import SignInMethod, StoredSignIn, TokenStore
from app.api.auth import (
    OAuthTokens,
    RefreshingTokenProvider,
    StaticTokenProvider,
    TokenProvider,
    legacy_session,
    oauth_refresher,
)
from app.api.auth import revoke as revoke_token
from app.api.client import FieldAgentClient
from app.api.errors import (
    ApiError,
    AuthError,
    DeadlineExceeded,
    NetworkError,
    NotSignedIn,
    RequestTimeout,
    ServerError,
    SignedOut,
)
from app.api.oauth import OAUTH_DEADLINE

log = logging.getLogger(__name__)

__all__ = ["TOKEN_ENV", "AccountManager", "OAuthSettings", "SignOutResult"]

TOKEN_ENV = "FIELDDESK_TOKEN"
# Refresh tokens are sent with the redirect URI of their sign-in; this stands in when
# a stored sign-in predates that (or the server ignores it).
_DEFAULT_REDIRECT = "http://127.0.0.1/callback"

Dispatch = Callable[[Callable[[], None]], None]


@dataclass(frozen=True, slots=True)
class OAuthSettings:
    """FieldDesk's registration with the server (from settings; `--demo` fills them in)."""

    client_id: str
    client_secret: str = field(repr=False)
    scope: str = DEFAULT_SCOPE


@dataclass(frozen=True, slots=True)
class SignOutResult:
    revoked: bool  # the server was told; False when it could not be reached
    message: str


def _as_sign_in_error(exc: ApiError, server: str) -> SignInError:
    """Re-word an API failure for the sign-in context."""
    if isinstance(exc, DeadlineExceeded):
        # It answered, too slowly: say so, so nobody goes looking at their Wi-Fi first.
        limit = "in time" if exc.deadline is None else f"within {exc.deadline:g} seconds"
        return ServerUnreachable(
            f"FieldAgent at {server} did not finish answering the sign-in {limit}. "
            "The server or the connection is very slow; try again later."
        )
    if isinstance(exc, NetworkError | RequestTimeout | ServerError):
        return ServerUnreachable(
            f"FieldAgent at {server} cannot be reached right now. "
            "Check the connection and the server address, then try again."
        )
    if isinstance(exc, SignedOut):
        return WrongCredentials("FieldAgent did not accept the sign-in. Please try again.")
    if isinstance(exc, AuthError):
        return WrongCredentials(exc.user_message)
    return SignInError(exc.user_message)


class AccountManager:
    """The sign-in for one server; every method not marked "any thread" is main-thread."""

    def __init__(
        self,
        server_url: str,
        token_store: TokenStore,
        oauth: OAuthSettings,
        *,
        dispatch: Dispatch | None = None,
        environ: Mapping[str, str] | None = None,
        remove_local_data: Callable[[], None] | None = None,
        leeway: float = 300.0,
        clock: Callable[[], float] = time.time,
        deadline: float = OAUTH_DEADLINE,
    ) -> None:
        """`deadline`: seconds each sign-in, refresh or revoke request may take in all."""
        self._server = server_url.rstrip("/")
        self._deadline = deadline
        self._store = token_store
        self._oauth = oauth
        self._dispatch = dispatch
        self._environ = os.environ if environ is None else environ
        self._remove_local_data = remove_local_data
        self._leeway = leeway
        self._clock = clock
        self._signin = token_store.load()
        self._provider: RefreshingTokenProvider | None = None
        self._generation = 0
        self._pending: tuple[int, OAuthTokens] | None = None
        # `_lock` guards the fields above for a moment at a time; `_store_lock` orders
        # keyring writes. Neither is held while taking the other or a provider's lock,
        # except by a rotation (provider -> store -> state), so no cycle can form.
        self._lock = threading.Lock()
        self._store_lock = threading.Lock()

    # -- state ----------------------------------------------------------------------------

    @property
    def oauth_configured(self) -> bool:
        """Whether FieldDesk has an OAuth client for this server (browser sign-in)."""
        return bool(self._oauth.client_id)

    @property
    def server_url(self) -> str:
        return self._server

    @property
    def storage_notice(self) -> str | None:
        """Why the sign-in will not survive a restart, if it will not."""
        return self._store.notice

    @property
    def uses_environment_token(self) -> bool:
        return bool(self._environ.get(TOKEN_ENV))

    @property
    def signed_in(self) -> bool:
        if self.uses_environment_token:
            return True
        if self._signin is None:
            return False
        return self._provider is None or not self._provider.signed_out

    @property
    def method(self) -> SignInMethod | None:
        return None if self._signin is None else self._signin.method

    @property
    def account_label(self) -> str:
        if self.uses_environment_token:
            return f"Using the access token from {TOKEN_ENV}"
        if not self.signed_in or self._signin is None:
            return "Not signed in"
        account = self._signin.tokens.account
        return f"Signed in as {account}" if account else f"Signed in to {self._server}"

    # -- network half of signing in (any thread) -----------------------------------------

    def begin_browser_sign_in(self) -> BrowserSignIn:
        """Bind the loopback listener; open `flow.authorize_url` in a browser next."""
        return BrowserSignIn(
            self._server,
            self._oauth.client_id,
            self._oauth.client_secret,
            scope=self._oauth.scope,
            deadline=self._deadline,
        )

    def finish_browser_sign_in(
        self, flow: BrowserSignIn, timeout: float = DEFAULT_TIMEOUT
    ) -> StoredSignIn:
        """Any thread: wait for the browser, exchange the code, learn the account."""
        try:
            tokens = flow.finish(timeout)
        except ApiError as exc:
            raise _as_sign_in_error(exc, self._server) from None
        finally:
            flow.close()
        try:
            account = self._probe_account(tokens.access_token)
        except ApiError as exc:
            # Signed in all the same; the label just cannot name the account yet.
            log.warning("Could not look up the signed-in account: %s", type(exc).__name__)
            account = None
        tokens = OAuthTokens(tokens.access_token, tokens.refresh_token, tokens.expires_at, account)
        return StoredSignIn(tokens, SignInMethod.BROWSER, redirect_uri=flow.redirect_uri)

    def check_token(self, token: str) -> StoredSignIn:
        """Any thread: make sure the server accepts a pasted access token."""
        token = token.strip()
        if not token:
            raise WrongCredentials("Paste an access token first.")
        try:
            account = self._probe_account(token)
        except AuthError:
            raise WrongCredentials("FieldAgent did not accept this access token.") from None
        except ApiError as exc:
            raise _as_sign_in_error(exc, self._server) from None
        return StoredSignIn(OAuthTokens(token, None, None, account), SignInMethod.TOKEN)

    def check_password(self, email: str, password: str) -> StoredSignIn:
        """Any thread: open a legacy email/password session."""
        if not email.strip() or not password:
            raise WrongCredentials("Enter both the email and the password.")
        try:
            tokens = legacy_session(self._server, email.strip(), password, deadline=self._deadline)
        except ApiError as exc:
            raise _as_sign_in_error(exc, self._server) from None
        return StoredSignIn(tokens, SignInMethod.PASSWORD)

    def _probe_account(self, access_token: str) -> str | None:
        with FieldAgentClient(
            f"{self._server}/graphql", StaticTokenProvider(access_token), deadline=self._deadline
        ) as client:
            user = client.current_user()
        return user.get("email") or user.get("sentera_id")

    # -- main-thread half -----------------------------------------------------------------

    def accept(self, signin: StoredSignIn) -> None:
        """Keep a fresh sign-in; the next `token_provider()` uses it."""
        with self._store_lock:
            self._store.save(signin)
        with self._lock:
            self._signin = signin
            self._provider = None
            self._generation += 1
            self._pending = None
        log.info("Signed in to %s (%s)", self._server, signin.method.value)

    def sign_in_with_browser(
        self,
        *,
        open_browser: Callable[[str], object] = open_in_browser,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        flow = self.begin_browser_sign_in()
        try:
            open_browser(flow.authorize_url)
        except BaseException:
            flow.close()
            raise
        self.accept(self.finish_browser_sign_in(flow, timeout))

    def sign_in_with_token(self, token: str) -> None:
        self.accept(self.check_token(token))

    def sign_in_with_password(self, email: str, password: str) -> None:
        self.accept(self.check_password(email, password))

    # -- the worker's tokens -------------------------------------------------------------

    def token_provider(self) -> TokenProvider:
        """What the sync worker uses; the same instance until the next sign-in or -out."""
        env_token = self._environ.get(TOKEN_ENV)
        if env_token:
            return StaticTokenProvider(env_token.strip())
        if self._signin is None:
            raise NotSignedIn("not signed in")
        if self._provider is None:
            generation = self._generation
            redirect_uri = self._signin.redirect_uri or _DEFAULT_REDIRECT
            self._provider = RefreshingTokenProvider(
                self._signin.tokens,
                oauth_refresher(
                    self._server,
                    client_id=self._oauth.client_id,
                    client_secret=self._oauth.client_secret,
                    redirect_uri=redirect_uri,
                    deadline=self._deadline,
                ),
                on_rotated=lambda tokens: self._on_rotated(generation, tokens),
                leeway=self._leeway,
                clock=self._clock,
            )
        return self._provider

    def _on_rotated(self, generation: int, tokens: OAuthTokens) -> None:
        """Worker thread, under the provider's lock: hand the tokens over, don't block."""
        with self._lock:
            self._pending = (generation, tokens)
        if self._dispatch is None:
            self.persist_worker_state()
        else:
            self._dispatch(self.persist_worker_state)

    def persist_worker_state(self) -> None:
        """Main thread: store rotated tokens; forget a sign-in the server has refused.

        Call it also when a run ends signed out, so dead tokens are not tried again
        after a restart.
        """
        with self._store_lock:
            with self._lock:
                pending, self._pending = self._pending, None
                signin, provider, generation = self._signin, self._provider, self._generation
            if signin is None:
                return
            if pending is not None and pending[0] == generation:
                signin = StoredSignIn(pending[1], signin.method, signin.redirect_uri)
                self._store.save(signin)
                with self._lock:
                    if self._generation == generation:
                        self._signin = signin
            if provider is not None and provider.signed_out:
                log.info("The server refused the stored sign-in; forgetting it")
                # On failure (logged by the store) the dead tokens just fail again next time.
                with contextlib.suppress(KeyringError):
                    self._store.delete()

    # -- signing out ----------------------------------------------------------------------

    def sign_out(self, *, also_remove_local_data: bool = False) -> SignOutResult:
        """Forget the sign-in here, then revoke its tokens on the server.

        The keyring entry goes first so a hung or offline server cannot keep it; local
        data stays unless asked (the caller has confirmed that with the user).
        """
        tokens = self.forget()
        revoked = self.revoke(tokens)
        if also_remove_local_data and self._remove_local_data is not None:
            self._remove_local_data()
        if tokens is None or revoked:
            message = "Signed out."
        else:
            message = (
                "Signed out of FieldDesk. FieldAgent could not be told right now; "
                "the old sign-in will expire by itself."
            )
        return SignOutResult(revoked=revoked, message=message)

    def forget(self) -> OAuthTokens | None:
        """Main thread: drop the sign-in and its keyring entry; returns what to revoke."""
        with self._lock:
            signin, provider = self._signin, self._provider
            self._signin, self._provider, self._pending = None, None, None
            self._generation += 1
        tokens = provider.tokens if provider is not None else None
        if tokens is None and signin is not None:
            tokens = signin.tokens
        try:
            with self._store_lock:
                self._store.delete()
        except KeyringError:
            raise SignInError(
                "FieldDesk could not remove the sign-in from the system keyring. "
                "Unlock the keyring and sign out again."
            ) from None
        return tokens

    def revoke(self, tokens: OAuthTokens | None) -> bool:
        """Any thread: revoke the refresh token (ends the grant), then the access token."""
        if tokens is None:
            return True
        pairs = [("refresh_token", tokens.refresh_token), ("access_token", tokens.access_token)]
        try:
            for hint, token in pairs:
                if token:
                    revoke_token(
                        self._server,
                        client_id=self._oauth.client_id,
                        client_secret=self._oauth.client_secret,
                        token=token,
                        token_type_hint=hint,
                        deadline=self._deadline,
                    )
        except ApiError as exc:
            log.warning("Could not revoke the tokens: %s", type(exc).__name__)
            return False
        return True
