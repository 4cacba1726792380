"""Mosaic imagery offline: the library folder, pins, the disk budget and downloads.

No Qt here. The window and the map pane read through `Library`; `fielddesk download`
and the window's downloads worker run `DownloadManager`.
"""
