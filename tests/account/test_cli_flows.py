"""`fielddesk login` / `logout` as plain functions: secrets come from prompts only."""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable

import pytest
from keyring.backend import KeyringBackend
from keyring.compat import properties

from app.account import cli_flows
from app.account.token_store import RunOnlyKeyring, SignInMethod, TokenStore
from app.simulator.server import Simulator

from .helpers import oauth_for, play_browser


def answers(*values: str) -> tuple[list[str], Callable[[str], str]]:
    prompts: list[str] = []
    queue = list(values)

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return queue.pop(0)

    return prompts, ask


class DictKeyring(KeyringBackend):
    """A keyring backend that keeps secrets in a dict: "persistent" as far as the
    store can tell, so login succeeds. The real keyring is covered by the
    keyring tests; here the subject is the command's flow and wording."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("only used when a test asks for it")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def memory_store(sim: Simulator) -> TokenStore:
    """A store the command believes will outlive it (see `DictKeyring`)."""
    return TokenStore(sim.base_url, backend=DictKeyring())


def test_without_a_keyring_login_fails_and_says_nothing_was_saved(sim: Simulator) -> None:
    run_only = TokenStore(sim.base_url, backend=RunOnlyKeyring())
    _prompts, secret = answers(sim.demo_token)
    out, err = io.StringIO(), io.StringIO()
    status = cli_flows.login(
        sim.base_url,
        "token",
        oauth=oauth_for(sim),
        store=run_only,
        read_secret=secret,
        stdout=out,
        stderr=err,
    )
    assert status == 1
    assert "Signed in" not in out.getvalue()
    assert "Nothing was saved" in err.getvalue()
    assert "FIELDDESK_TOKEN" in err.getvalue() and "keyring" in err.getvalue()


def test_no_secret_can_be_passed_as_an_argument() -> None:
    for function in (cli_flows.login, cli_flows.logout):
        names = set(inspect.signature(function).parameters)
        assert not names & {"token", "password", "access_token", "secret"}


def test_login_with_a_pasted_token(sim: Simulator, memory_store: TokenStore) -> None:
    prompts, secret = answers(sim.demo_token)
    out, err = io.StringIO(), io.StringIO()
    status = cli_flows.login(
        sim.base_url,
        "token",
        oauth=oauth_for(sim),
        store=memory_store,
        read_secret=secret,
        stdout=out,
        stderr=err,
    )
    assert status == 0, err.getvalue()
    assert prompts == ["Access token: "]
    assert f"Signed in as {sim.demo_user_email}" in out.getvalue()
    assert sim.demo_token not in out.getvalue() + err.getvalue()
    stored = memory_store.load()
    assert stored is not None and stored.method is SignInMethod.TOKEN


def test_login_with_password_then_wrong_password(sim: Simulator, memory_store: TokenStore) -> None:
    _, line = answers(sim.demo_user_email, sim.demo_user_email)
    _, secret = answers(sim.demo_user_password, "wrong")
    out, err = io.StringIO(), io.StringIO()

    def login() -> int:
        return cli_flows.login(
            sim.base_url,
            "password",
            oauth=oauth_for(sim),
            store=memory_store,
            read_line=line,
            read_secret=secret,
            stdout=out,
            stderr=err,
        )

    assert login() == 0
    assert "legacy" in err.getvalue()
    assert login() == 1
    assert "email or password is not correct" in err.getvalue()
    assert sim.demo_user_password not in out.getvalue() + err.getvalue()


def test_login_with_the_browser_then_logout(sim: Simulator, memory_store: TokenStore) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = cli_flows.login(
        sim.base_url,
        "browser",
        oauth=oauth_for(sim),
        store=memory_store,
        open_browser=play_browser,
        timeout=10,
        stdout=out,
        stderr=err,
    )
    assert status == 0, err.getvalue()
    assert "/oauth/authorize?" in out.getvalue()  # printed for when no browser opens
    stored = memory_store.load()
    assert stored is not None and stored.tokens.refresh_token
    assert stored.tokens.access_token not in out.getvalue()

    out = io.StringIO()
    assert cli_flows.logout(sim.base_url, oauth=oauth_for(sim), store=memory_store, stdout=out) == 0
    assert out.getvalue() == "Signed out.\n"
    assert memory_store.load() is None
    assert sim.auth.user_for(stored.tokens.access_token) is None


def test_logout_when_not_signed_in(sim: Simulator) -> None:
    out = io.StringIO()
    store = TokenStore(sim.base_url, backend=RunOnlyKeyring())
    assert cli_flows.logout(sim.base_url, oauth=oauth_for(sim), store=store, stdout=out) == 0
    assert out.getvalue() == "Not signed in.\n"


def test_server_down_and_browser_timeout(sim: Simulator, memory_store: TokenStore) -> None:
    err = io.StringIO()
    status = cli_flows.login(
        sim.base_url,
        "browser",
        oauth=oauth_for(sim),
        store=memory_store,
        open_browser=lambda url: True,  # the user closes the browser
        timeout=0.2,
        stdout=io.StringIO(),
        stderr=err,
    )
    assert status == 1
    assert "did not come back" in err.getvalue()
    sim.stop()
    _, secret = answers(sim.demo_token)
    status = cli_flows.login(
        sim.base_url,
        "token",
        oauth=oauth_for(sim),
        store=memory_store,
        read_secret=secret,
        stdout=io.StringIO(),
        stderr=err,
    )
    assert status == 1
    assert "cannot be reached" in err.getvalue()


def test_an_interrupted_prompt_cancels(sim: Simulator, memory_store: TokenStore) -> None:
    def interrupted(prompt: str) -> str:
        raise EOFError

    err = io.StringIO()
    status = cli_flows.login(
        sim.base_url,
        "token",
        oauth=oauth_for(sim),
        store=memory_store,
        read_secret=interrupted,
        stdout=io.StringIO(),
        stderr=err,
    )
    assert status == 1 and "cancelled" in err.getvalue()
    assert memory_store.load() is None


def test_an_unknown_method_is_refused(sim: Simulator) -> None:
    err = io.StringIO()
    status = cli_flows.login(
        sim.base_url,
        "sms",  # type: ignore[arg-type]
        oauth=oauth_for(sim),
        store=TokenStore(sim.base_url, backend=RunOnlyKeyring()),
        stderr=err,
    )
    assert status == 2 and "browser, token or password" in err.getvalue()
