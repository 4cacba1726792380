"""`fielddesk login` and `fielddesk logout` for the headless command.

Secrets are read from a prompt that does not echo (getpass), never from the command
line: arguments end up in shell history and in every user's process list. A token set
in FIELDDESK_TOKEN keeps working and is never stored.

Both functions return a process exit status and print only plain sentences: errors
to stderr, the outcome to stdout.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import Literal, TextIO

from app.account.browser import open_in_browser
from app.account.errors import SignInCancelled, SignInError
from app.account.loopback import DEFAULT_TIMEOUT
from app.account.session import TOKEN_ENV, AccountManager, OAuthSettings
from app.account.token_store import TokenStore
from app.api.errors import ApiError

__all__ = ["LoginMethod", "login", "logout"]

LoginMethod = Literal["browser", "token", "password"]


def _open_and_tell(
    open_browser: Callable[[str], object], stdout: TextIO
) -> Callable[[str], object]:
    def opener(url: str) -> object:
        stdout.write(
            "Opening your web browser to sign in to FieldAgent.\n"
            f"If it does not open, visit this address:\n  {url}\n"
        )
        stdout.flush()
        return open_browser(url)

    return opener


def login(
    server_url: str,
    method: LoginMethod,
    *,
    oauth: OAuthSettings,
    store: TokenStore | None = None,
    read_secret: Callable[[str], str] = getpass.getpass,
    read_line: Callable[[str], str] = input,
    open_browser: Callable[[str], object] = open_in_browser,
    timeout: float = DEFAULT_TIMEOUT,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    """Sign in and keep the result in the keyring; 0 on success."""
    manager = AccountManager(server_url, store or TokenStore(server_url), oauth)
    try:
        if method == "browser":
            manager.sign_in_with_browser(
                open_browser=_open_and_tell(open_browser, stdout), timeout=timeout
            )
        elif method == "token":
            manager.sign_in_with_token(read_secret("Access token: "))
        elif method == "password":
            stderr.write("Email and password sign-in is FieldAgent's legacy method.\n")
            email = read_line("Email: ")
            manager.sign_in_with_password(email, read_secret("Password: "))
        else:
            stderr.write(f"Unknown sign-in method {method!r}: use browser, token or password.\n")
            return 2
    except SignInCancelled:
        return 1
    except (EOFError, KeyboardInterrupt):
        stderr.write("Sign-in cancelled.\n")
        return 1
    except SignInError as exc:
        stderr.write(f"{exc}\n")
        return 1
    except ApiError as exc:
        stderr.write(f"{exc.user_message}\n")
        return 1
    if manager.storage_notice:
        # A command ends here: a sign-in kept "until FieldDesk closes" is already gone,
        # and the next `fielddesk sync` would be signed out. Say so, and fail.
        stderr.write(
            "Nothing was saved: this computer has no usable system keyring, so the "
            "sign-in cannot be kept for the next command.\n"
            "Install and unlock a keyring (e.g. gnome-keyring or KWallet) and sign in "
            f"again, or set {TOKEN_ENV} for each command.\n"
        )
        return 1
    stdout.write(f"{manager.account_label} at {manager.server_url}.\n")
    if manager.uses_environment_token:
        stderr.write(f"Note: {TOKEN_ENV} is set and is used instead while it stays set.\n")
    return 0


def logout(
    server_url: str,
    *,
    oauth: OAuthSettings,
    store: TokenStore | None = None,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    """Revoke and forget the stored sign-in; local data stays. 0 on success."""
    manager = AccountManager(server_url, store or TokenStore(server_url), oauth)
    was_signed_in = manager.method is not None
    try:
        result = manager.sign_out()
    except SignInError as exc:
        stderr.write(f"{exc}\n")
        return 1
    stdout.write(f"{result.message}\n" if was_signed_in else "Not signed in.\n")
    if manager.uses_environment_token:
        stderr.write(f"{TOKEN_ENV} is still set: unset it to stop using that token.\n")
    return 0
