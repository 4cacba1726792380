"""The ASGI application: `/graphql`, the download links, and the OAuth/legacy routes.

Every request goes the same way: read it, check the token, let armed faults fire, build
a `Reply`, deliver it (possibly broken on purpose) and append a `RequestRecord`.
GraphQL-level problems (syntax, unknown fields, bad variables) are answered with HTTP
200 and an `errors` list, as GraphQL servers do; a body that is not a JSON object with a
`query` string is HTTP 400.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from graphql import GraphQLError, parse, validate
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.simulator import delivery, hostile
from app.simulator.auth_routes import auth_routes
from app.simulator.faults import Fault, FaultKind
from app.simulator.filehost import FileEndpoint
from app.simulator.graphql_api import Described, RequestContext, describe, run, simulator_schema
from app.simulator.requestlog import RequestRecord
from app.simulator.services import Services, pause

log = logging.getLogger(__name__)


# Queries that may generate GeoTIFFs (File.size) run on a worker thread, so a slow
# generation never holds up the other requests (downloads, other syncs).
_OFF_LOOP = frozenset({"sync_files", "sync_mosaics"})


def _errors(*messages: str | GraphQLError) -> dict[str, Any]:
    return {
        "errors": [m.formatted if isinstance(m, GraphQLError) else {"message": m} for m in messages]
    }


def _drop_field(data: dict[str, Any] | None, name: str) -> None:
    """missing_field: remove `name` from a sync result or from its first item."""
    for result in (data or {}).values():
        if not isinstance(result, dict):
            continue
        if name in result:
            del result[name]
            return
        for key in ("upserted", "results", "deleted"):
            items = result.get(key)
            if items and isinstance(items[0], dict) and name in items[0]:
                del items[0][name]
                return


def _empty_page(data: dict[str, Any] | None, remaining: int | None) -> None:
    """empty_page: drop what a sync result carried; say `remaining` are left."""
    for result in (data or {}).values():
        if isinstance(result, dict) and "remaining_count" in result:
            if remaining is not None:
                result["remaining_count"] = remaining
            for key in ("upserted", "deleted"):
                if key in result:
                    result[key] = []


class GraphQLEndpoint:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def handle(self, request: Request) -> Response:
        return await self.s.admission.serve(request, self._handle, self.s.request_log)

    async def _handle(self, request: Request) -> Response:
        started = time.perf_counter()
        raw = await request.body()
        payload, document, problem = self._read(raw)
        variables = payload.get("variables") if isinstance(payload, dict) else None
        variables = variables if isinstance(variables, dict) else None
        operation = payload.get("operationName") if isinstance(payload, dict) else None
        described = (
            describe(document, variables, operation)
            if document is not None
            else Described((), None, 0)
        )
        token = self.s.auth.token_from(request.headers.get("authorization"))
        user = self.s.auth.user_for(token)
        fired: list[Fault] = []
        context = None
        if user is None:
            reply = delivery.unauthorized(token is not None)
        else:
            fired = self.s.faults.take(described.names, described.scope_id, graphql=True)
            for fault in fired:
                if fault.kind is FaultKind.HOLD:
                    await run_in_threadpool(fault.hold)
            expiring = [f for f in fired if f.kind is FaultKind.EXPIRE_TOKEN]
            if any(f.invalidate for f in expiring) and token is not None:
                self.s.auth.expire(token)
            if expiring:
                reply = delivery.unauthorized(True)
            elif (replaced := delivery.replacement(fired)) is not None:
                reply = replaced
            else:
                answer = (request, payload, document, problem, user, fired)
                if _OFF_LOOP & set(described.names):
                    reply, context = await run_in_threadpool(self._answer, *answer)
                else:
                    reply, context = self._answer(*answer)
        server_seconds = time.perf_counter() - started
        await pause(self.s.config.latency + delivery.latency(fired), request.receive)
        response, sent = delivery.respond(reply, fired)
        pages = context.pages if context is not None else []
        self.s.request_log.append(
            RequestRecord(
                query_name=",".join(described.names) or "graphql",
                scope_id=described.scope_id,
                hashes_sent=described.hashes_sent,
                hashes=described.hashes if self.s.config.record_hashes else None,
                bytes_in=len(raw),
                bytes_out=sent,
                status=reply.status,
                upserted=sum(len(p.upserted) for p in pages),
                deleted=sum(len(p.deleted) for p in pages),
                remaining_count=pages[-1].remaining_count if pages else None,
                faults=tuple(f.kind.value for f in fired),
                server_seconds=server_seconds,
            )
        )
        return response

    @staticmethod
    def _read(raw: bytes) -> tuple[Any, Any, str | GraphQLError | None]:
        try:
            payload = json.loads(raw)
        except ValueError:
            return None, None, "The request body is not valid JSON."
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return payload, None, "The request body must be a JSON object with a query."
        try:
            return payload, parse(payload["query"]), None
        except GraphQLError as error:
            return payload, None, error

    def _answer(
        self,
        request: Request,
        payload: Any,
        document: Any,
        problem: str | GraphQLError | None,
        user: dict[str, Any],
        fired: list[Fault],
    ) -> tuple[delivery.Reply, RequestContext | None]:
        if isinstance(problem, str):
            return delivery.json_reply(_errors(problem), 400), None
        if problem is not None:
            return delivery.json_reply(_errors(problem)), None
        errors = validate(simulator_schema(), document)
        if errors:
            return delivery.json_reply(_errors(*errors)), None
        for fault in fired:
            if fault.kind is FaultKind.GRAPHQL_ERROR:
                error = {"message": fault.message, "extensions": {"code": fault.code}}
                return delivery.json_reply({"data": None, "errors": [error]}), None
        context = RequestContext(
            dataset=self.s.dataset,
            config=self.s.config,
            signer=self.s.signer,
            imagery=self.s.imagery,
            base_url=f"{request.url.scheme}://{request.url.netloc}",
            user=user,
            stuck=any(f.kind is FaultKind.STUCK_REMAINING for f in fired),
            uncapped=any(f.kind is FaultKind.OVER_CAP for f in fired),
        )
        variables = payload.get("variables")
        result = run(
            document,
            variables if isinstance(variables, dict) else None,
            payload.get("operationName"),
            context,
        )
        for fault in fired:
            if fault.kind is FaultKind.MISSING_FIELD:
                _drop_field(result.data, fault.field)
            elif fault.kind is FaultKind.EMPTY_PAGE:
                _empty_page(result.data, fault.remaining)
                context.pages.clear()  # the log then says what was really sent
            elif fault.kind is FaultKind.DUPLICATE_ID:
                hostile.duplicate_first(result.data)
            elif fault.kind is FaultKind.BAD_HASH:
                hostile.set_first_hash(result.data, fault.length)
        body: dict[str, Any] = {}
        if result.errors:
            body.update(_errors(*result.errors))
        body["data"] = result.data
        return delivery.json_reply(body), context


def build_app(services: Services) -> Starlette:
    delivery.install_log_filter()
    simulator_schema()  # build the schema now, not during the first request
    routes = [
        Route("/graphql", GraphQLEndpoint(services).handle, methods=["POST"]),
        Route(
            "/files/{file_id}/{filename}", FileEndpoint(services).handle, methods=["GET", "HEAD"]
        ),
        *auth_routes(services),
    ]
    return Starlette(routes=routes)
