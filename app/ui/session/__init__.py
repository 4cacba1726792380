"""The running app's session: account, connection monitor, sync by itself and
preferences, wired to the window it builds a sync controller for."""
