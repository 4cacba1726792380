"""What can go wrong while signing in, as messages a field user can act on.

Every error here is *expected*: the sign-in dialog and ``fielddesk login`` show its
text as it is, and nothing in it ever contains a token, a code or a password.

    SignInError                 base; str(error) is the user message
     ├── SignInCancelled        the user pressed Cancel (shown as nothing at all)
     ├── SignInTimedOut         the browser never came back to FieldDesk
     ├── SignInRefused          FieldAgent answered the browser with an error
     ├── WrongCredentials       wrong email/password, or a token the server rejects
     └── ServerUnreachable      no connection, server down, or not a FieldAgent server

Anything else raised during sign-in is a bug and goes to the crash handler.
"""

from __future__ import annotations

__all__ = [
    "ServerUnreachable",
    "SignInCancelled",
    "SignInError",
    "SignInRefused",
    "SignInTimedOut",
    "WrongCredentials",
]


class SignInError(Exception):
    """An expected sign-in failure whose text is meant for the user."""


class SignInCancelled(SignInError):
    def __init__(self, message: str = "Sign-in cancelled.") -> None:
        super().__init__(message)


class SignInTimedOut(SignInError):
    def __init__(
        self,
        message: str = (
            "The browser did not come back to FieldDesk in time. "
            "Try again, or paste an access token instead."
        ),
    ) -> None:
        super().__init__(message)


class SignInRefused(SignInError):
    """FieldAgent redirected back with ``error=...`` (the user declined, or a bad client)."""

    def __init__(self, error: str, description: str | None = None) -> None:
        detail = description or error
        super().__init__(f"FieldAgent did not allow the sign-in: {detail}")
        self.error = error


class WrongCredentials(SignInError):
    pass


class ServerUnreachable(SignInError):
    pass
