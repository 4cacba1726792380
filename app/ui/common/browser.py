"""The window's way to open a web page: the scrubbed-environment launcher, for QUrls.

`QDesktopServices.openUrl` starts the browser with FieldDesk's whole environment,
secrets included; `app.account.browser` does not.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl

from app.account.browser import open_in_browser


def open_url_without_secrets(url: QUrl) -> bool:
    """Open `url` (sent fully encoded, as the server built it) in the user's browser."""
    return open_in_browser(bytes(url.toEncoded().data()).decode("ascii"))
