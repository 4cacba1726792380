"""Signing in to FieldAgent and keeping the tokens safe (no Qt).

`token_store` keeps one server's sign-in in the OS keyring (or in memory for this run
when there is none), `loopback` runs the browser half of the OAuth code grant,
`session.AccountManager` ties them together on the main thread and hands the sync
worker a token provider, and `cli_flows` serves `fielddesk login` / `logout`.
"""
