"""Opening the sign-in page in the user's browser, without handing it our secrets.

A child process inherits its parent's environment. FieldDesk may run with
`FIELDDESK_TOKEN` or `FIELDDESK_OAUTH_CLIENT_SECRET` set, and Python's `webbrowser` (and
Qt's `QDesktopServices`) start the browser with all of it: the browser, its helpers and
every extension-spawned process could then read the token. So the browser is started
here, with the same environment minus anything secret-looking.

Which browser: the `BROWSER` variable when set (a list of commands, `%s` for the URL,
as `webbrowser` reads it), else the desktop's opener (`xdg-open`, `open`, the Windows
URL handler). Nothing found means False, and the caller shows the link to copy.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping

log = logging.getLogger(__name__)

# FieldDesk's own secrets by name, and anything whose name says it is one.
SECRET_VARIABLES = frozenset({"FIELDDESK_TOKEN", "FIELDDESK_OAUTH_CLIENT_SECRET"})
_SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_?KEY)", re.IGNORECASE)


def browser_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """`environ` (default: ours) without secrets, for a browser or any helper we start."""
    source = os.environ if environ is None else environ
    return {
        name: value
        for name, value in source.items()
        if name not in SECRET_VARIABLES and not _SECRET_NAME.search(name)
    }


def _commands(url: str) -> list[list[str]]:
    """Candidate command lines, best first."""
    candidates: list[list[str]] = []
    for entry in filter(None, os.environ.get("BROWSER", "").split(os.pathsep)):
        words = shlex.split(entry)
        if not words:
            continue
        if any("%s" in word for word in words):
            candidates.append([word.replace("%s", url) for word in words])
        else:
            candidates.append([*words, url])
    if sys.platform == "darwin":
        candidates.append(["open", url])
    elif sys.platform == "win32":
        candidates.append(["rundll32", "url.dll,FileProtocolHandler", url])
    else:
        for opener in ("xdg-open", "gio", "sensible-browser", "x-www-browser"):
            candidates.append([opener, "open", url] if opener == "gio" else [opener, url])
    return candidates


def open_in_browser(url: str) -> bool:
    """Start the browser on `url` with a scrubbed environment; True if one started.

    The browser runs detached (its own session, no inherited descriptors), so closing
    FieldDesk does not close it and it cannot read FieldDesk's pipes.
    """
    environment = browser_environment()
    for command in _commands(url):
        executable = shutil.which(command[0])
        if executable is None:
            continue
        try:
            subprocess.Popen(
                [executable, *command[1:]],
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=True,
                start_new_session=os.name == "posix",
            )
        except OSError as error:
            log.debug("could not start %s: %s", executable, error)
            continue
        log.debug("opened the sign-in page with %s", executable)
        return True
    log.warning("no browser could be started for the sign-in page")
    return False
