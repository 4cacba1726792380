"""HTTP side of sign-in: `/oauth/authorize`, `/oauth/token`, `/oauth/revoke` and the
legacy `POST /v1/sessions`.

The authorize endpoint approves at once and redirects back with `code` and the caller's
`state` (the demo has no one to click "Approve"); with `oauth_auto_approve=False` it
shows a small sign-in page first, so the browser half of the flow can be seen too.
An unknown client or redirect URI gets an error page, never a redirect.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.routing import Route

from app.simulator.auth import OAuthError
from app.simulator.delivery import Reply, json_reply
from app.simulator.services import Services, serve_plain

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>FieldAgent sign-in</title>
</head><body><h1>Sign in to FieldAgent (simulator)</h1><p>{message}</p>
<form method="post" action="/oauth/authorize">{hidden}
<label>Email <input name="email" value="{email}"></label>
<label>Password <input name="password" type="password"></label>
<button name="decision" value="approve">Approve FieldDesk</button>
<button name="decision" value="deny">Deny</button></form></body></html>"""
_PASSED_ON = ("client_id", "redirect_uri", "response_type", "scope", "state")


def _body(request: Request, raw: bytes) -> dict[str, Any]:
    """A JSON object or form-encoded body as a dict (Sentera documents JSON)."""
    if "json" in request.headers.get("content-type", ""):
        try:
            parsed = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


def _redirect(uri: str, **params: str | None) -> Reply:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if "?" in uri else "?"
    return Reply(302, b"", "text/plain", {"Location": f"{uri}{separator}{query}"})


def _error_page(status: int, message: str) -> Reply:
    page = f"<html><body><h1>Sign-in error</h1><p>{html.escape(message)}</p></body></html>"
    return Reply(status, page.encode(), "text/html")


def _oauth_error(error: OAuthError) -> Reply:
    return json_reply({"error": error.error, "error_description": error.description}, error.status)


def auth_routes(services: Services) -> list[Route]:
    auth = services.auth

    def decide(params: dict[str, Any], approve: bool) -> Reply:
        client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
        if not auth.redirect_allowed(client_id, redirect_uri):
            return _error_page(400, "Unknown client or unregistered redirect URI.")
        assert isinstance(redirect_uri, str)
        state = params.get("state")
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, error="unsupported_response_type", state=state)
        if not approve:
            return _redirect(
                redirect_uri,
                error="access_denied",
                error_description="The user denied access.",
                state=state,
            )
        code = auth.issue_code(
            redirect_uri=redirect_uri,
            scope=params.get("scope") or "read_fields",
            user=auth.demo_user,
        )
        return _redirect(redirect_uri, code=code, state=state)

    def page(params: dict[str, Any], message: str, status: int = 200) -> Reply:
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(str(params.get(k) or ""))}">'
            for k in _PASSED_ON
        )
        text = _PAGE.format(
            message=html.escape(message), hidden=hidden, email=html.escape(auth.demo_user["email"])
        )
        return Reply(status, text.encode(), "text/html")

    async def authorize_get(request: Request, raw: bytes) -> Reply:
        params = dict(request.query_params)
        if services.config.oauth_auto_approve or "redirect_uri" not in params:
            return decide(params, approve=True)
        if not auth.redirect_allowed(params.get("client_id"), params.get("redirect_uri")):
            return _error_page(400, "Unknown client or unregistered redirect URI.")
        return page(params, "FieldDesk would like to read your fields, surveys and mosaics.")

    async def authorize_post(request: Request, raw: bytes) -> Reply:
        params = _body(request, raw)
        if params.get("decision") != "approve":
            return decide(params, approve=False)
        if auth.check_password(params.get("email", ""), params.get("password", "")) is None:
            return page(params, "Wrong email or password.", 401)
        return decide(params, approve=True)

    async def token(request: Request, raw: bytes) -> Reply:
        try:
            reply = json_reply(auth.token(_body(request, raw)))
        except OAuthError as error:
            return _oauth_error(error)
        reply.headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
        return reply

    async def revoke(request: Request, raw: bytes) -> Reply:
        try:
            auth.revoke(_body(request, raw))
        except OAuthError as error:
            return _oauth_error(error)
        return json_reply({})

    async def sessions(request: Request, raw: bytes) -> Reply:
        session = _body(request, raw).get("session")
        if not isinstance(session, dict):
            return json_reply({"status": "failure", "message": "Missing session."}, 400)
        try:
            return json_reply(
                auth.legacy_session(str(session.get("email", "")), str(session.get("password", "")))
            )
        except OAuthError as error:
            return json_reply({"status": "failure", "message": error.description}, 401)

    def route(path: str, name: str, build: Any, method: str) -> Route:
        async def endpoint(request: Request) -> Any:
            return await serve_plain(services, request, name, build)

        return Route(path, endpoint, methods=[method], name=f"{name}_{method.lower()}")

    return [
        route("/oauth/authorize", "oauth_authorize", authorize_get, "GET"),
        route("/oauth/authorize", "oauth_authorize", authorize_post, "POST"),
        route("/oauth/token", "oauth_token", token, "POST"),
        route("/oauth/revoke", "oauth_revoke", revoke, "POST"),
        route("/v1/sessions", "v1_sessions", sessions, "POST"),
    ]
