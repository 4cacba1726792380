"""The sync presenter: the toolbar, the banner and the status bar around the
`SyncController` (`app.sync.worker`), the one long-running background thread."""
