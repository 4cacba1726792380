"""After a browser sign-in, a debug-logged sync and the window's settings file, no
secret is in any file FieldDesk wrote, nor in the environment of the browser it
started. The browser is a real process: a script set through `BROWSER` that records
its environment and then does what a browser does (open the page, follow the redirect
back to FieldDesk's loopback listener)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.simulator import Simulator

from .conftest import fielddesk

FAKE_BROWSER = """#!{python}
import json, os, sys, urllib.request
with open({dump!r}, "w") as out:
    json.dump(dict(os.environ), out)

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

opener = urllib.request.build_opener(NoRedirect)
try:
    opener.open(sys.argv[1], timeout=10)
except urllib.error.HTTPError as answer:  # the 302 back to FieldDesk
    urllib.request.urlopen(answer.headers["Location"], timeout=10).read()
"""


def test_no_secret_reaches_disk_logs_or_the_browser(tmp_path: Path, simulator: Simulator) -> None:
    dump = tmp_path / "browser-env.json"
    browser = tmp_path / "fake-browser"
    browser.write_text(FAKE_BROWSER.format(python=sys.executable, dump=str(dump)))
    browser.chmod(0o755)
    data = tmp_path / "data"
    secret = simulator.oauth_client_secret

    signed_in = fielddesk(
        "login",
        "--method",
        "browser",
        data_dir=data,
        sim=simulator,  # FIELDDESK_TOKEN is set too: the browser must not see it
        BROWSER=str(browser),
        FIELDDESK_OAUTH_CLIENT_ID=simulator.oauth_client_id,
        FIELDDESK_OAUTH_CLIENT_SECRET=secret,
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    # No keyring here: the sign-in runs (and mints tokens) but cannot be kept, which the
    # command says with a non-zero status. The scan below still covers all it wrote.
    assert signed_in.returncode == 1, signed_in.stderr
    assert "Nothing was saved" in signed_in.stderr
    synced = fielddesk("sync", "-v", data_dir=data, sim=simulator)
    assert synced.returncode == 0, synced.stderr
    # The window's settings file holding the OAuth client, as a user would configure it.
    from app.ui.application import app_settings

    config = data.parent / f"{data.name}-config"
    import os

    os.environ["FIELDDESK_CONFIG_DIR"] = str(config)
    try:
        settings = app_settings()
        settings.setValue("server/url", simulator.graphql_url)
        settings.sync()
    finally:
        del os.environ["FIELDDESK_CONFIG_DIR"]

    issued = list(simulator.auth._access) + list(simulator.auth._refresh)
    assert issued, "the sign-in minted no tokens"
    secrets = {simulator.demo_token, secret, *issued}
    browser_env = json.loads(dump.read_text())
    assert not secrets & set(browser_env.values())
    assert "FIELDDESK_TOKEN" not in browser_env
    assert "FIELDDESK_OAUTH_CLIENT_SECRET" not in browser_env
    assert browser_env.get("FIELDDESK_DATA_DIR") == str(data)  # the rest is passed on

    written = [p for folder in (data, config) for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite3" for p in written)
    assert any(p.suffix == ".ini" for p in written)
    outputs = [signed_in.stdout, signed_in.stderr, synced.stdout, synced.stderr]
    for value in secrets:
        found = [str(p) for p in written if value.encode() in p.read_bytes()]
        found += [f"output {n}" for n, text in enumerate(outputs) if value in text]
        assert found == [], f"a secret is in {found}"
