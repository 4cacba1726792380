"""The window's side of imagery offline: the downloads worker, status and menus."""
