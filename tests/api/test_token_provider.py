"""Token providers: when they refresh, how often, and what happens when they cannot.

These drive `RefreshingTokenProvider` through its documented seam, the `refresh`
callable, with a controllable clock; the refresh against the simulator's real token
endpoint is covered in test_oauth.py.
"""

from __future__ import annotations

import logging
import threading

import pytest

from app.api.auth import OAuthTokens, RefreshingTokenProvider, StaticTokenProvider
from app.api.errors import AuthError, NetworkError, SignedOut


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Grants:
    """Stands in for the token endpoint: counts grants, rotates both tokens."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls = 0
        self.fail_with: Exception | None = None
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, tokens: OAuthTokens) -> OAuthTokens:
        self.gate.wait(5)
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        return OAuthTokens(
            f"access-{self.calls}", f"refresh-{self.calls}", self.clock.now + 3600, tokens.account
        )


def make(
    expires_in: float = 3600.0, refresh: str | None = "refresh-0"
) -> tuple[RefreshingTokenProvider, Clock, Grants, list[OAuthTokens]]:
    clock = Clock()
    grants = Grants(clock)
    rotated: list[OAuthTokens] = []
    tokens = OAuthTokens("access-0", refresh, clock.now + expires_in, "ann@example.com")
    provider = RefreshingTokenProvider(
        tokens, grants, on_rotated=rotated.append, leeway=300, clock=clock
    )
    return provider, clock, grants, rotated


def test_a_fresh_token_is_used_as_is() -> None:
    provider, _, grants, rotated = make()
    assert provider.access_token() == "access-0"
    assert grants.calls == 0 and rotated == []


def test_refreshes_shortly_before_expiry_and_reports_the_rotation() -> None:
    provider, clock, grants, rotated = make()
    clock.now += 3600 - 299
    assert provider.access_token() == "access-1"
    assert grants.calls == 1
    assert [t.refresh_token for t in rotated] == ["refresh-1"]
    assert rotated[0].account == "ann@example.com"
    assert provider.access_token() == "access-1"
    assert grants.calls == 1


def test_refresh_failure_signs_out_for_good() -> None:
    provider, clock, grants, _ = make()
    grants.fail_with = AuthError("invalid_grant")
    clock.now += 3600
    with pytest.raises(AuthError) as err:
        provider.access_token()
    assert isinstance(err.value, SignedOut)
    assert err.value.user_message == SignedOut.user_message_text
    assert provider.signed_out
    with pytest.raises(AuthError, match="signed out"):
        provider.access_token()
    with pytest.raises(AuthError):
        provider.refresh_after_unauthorized("access-0")
    assert grants.calls == 1
    provider.replace_tokens(OAuthTokens("again", "r", clock.now + 3600))
    assert provider.access_token() == "again"


def test_unreachable_token_endpoint_keeps_a_still_valid_token() -> None:
    provider, clock, grants, _ = make()
    grants.fail_with = NetworkError("offline")
    clock.now += 3600 - 100
    assert provider.access_token() == "access-0"
    clock.now += 200  # now really expired
    with pytest.raises(NetworkError):
        provider.access_token()
    assert not provider.signed_out


def test_unauthorized_refreshes_once_even_when_many_threads_hit_it() -> None:
    provider, _, grants, rotated = make()
    grants.gate.clear()
    results: list[str] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(provider.refresh_after_unauthorized("access-0"))
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    grants.gate.set()
    for thread in threads:
        thread.join(10)
    assert results == ["access-1"] * 8
    assert grants.calls == 1 and len(rotated) == 1


def test_unauthorized_without_refresh_token_is_signed_out() -> None:
    provider, _, grants, _ = make(refresh=None)
    with pytest.raises(AuthError) as err:
        provider.refresh_after_unauthorized("access-0")
    assert isinstance(err.value, SignedOut) and grants.calls == 0


def test_legacy_tokens_never_refresh_proactively() -> None:
    provider, clock, grants, _ = make(refresh=None)
    clock.now += 10_000
    assert provider.access_token() == "access-0"
    assert grants.calls == 0


def test_a_failing_rotation_callback_does_not_break_the_sync(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()

    def broken(_: OAuthTokens) -> None:
        raise RuntimeError("keyring locked for refresh-1")

    provider = RefreshingTokenProvider(
        OAuthTokens("access-0", "refresh-0", clock.now),
        Grants(clock),
        on_rotated=broken,
        clock=clock,
    )
    with caplog.at_level(logging.DEBUG):
        assert provider.access_token() == "access-1"
    assert "RuntimeError" in caplog.text
    assert "refresh-1" not in caplog.text


def test_reprs_hide_tokens() -> None:
    tokens = OAuthTokens("access-secret", "refresh-secret", 1.0, "ann@example.com")
    provider, *_ = make()
    static = StaticTokenProvider("static-secret")
    text = repr(tokens) + repr(provider) + repr(static)
    assert "secret" not in text and "access-0" not in text
    assert "ann@example.com" in repr(tokens)


def test_static_token_cannot_be_refreshed() -> None:
    provider = StaticTokenProvider("tok")
    assert provider.access_token() == "tok"
    with pytest.raises(AuthError) as err:
        provider.refresh_after_unauthorized("tok")
    assert isinstance(err.value, SignedOut)
    with pytest.raises(AuthError):
        StaticTokenProvider("")
