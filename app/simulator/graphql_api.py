"""The GraphQL side: the SDL from `resources/`, resolvers over the dataset, execution.

Resolvers are plain functions attached to the schema built from the SDL file, so the
server serves exactly the contract the client is validated against. Items are dicts in
response shape, so most fields need no resolver; only references to other records
(a mosaic's survey, a file's URL...) and the root queries have one.

Before execution, `describe` reads the operation's root fields, scope id and number of
content hashes from the document, so faults can match a request and the request log can
describe it even when the query never runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    build_schema,
    execute,
    get_operation_ast,
)
from graphql.language import DocumentNode, FragmentDefinitionNode, ValueNode

from app.resources import resource_path
from app.simulator.catalogue import UnknownScope
from app.simulator.config import SimulatorConfig
from app.simulator.dataset import Dataset
from app.simulator.files import UrlSigner
from app.simulator.imagery import ImageryCache
from app.simulator.scopes import Item, PageOutcome

SCHEMA_PATH = resource_path("schema.graphql")
_SCOPE_ARGUMENTS = ("survey_sentera_id", "field_sentera_id", "organization_sentera_id")


@dataclass(slots=True)
class RequestContext:
    """Per-request state shared by the resolvers."""

    dataset: Dataset
    config: SimulatorConfig
    signer: UrlSigner
    imagery: ImageryCache
    base_url: str
    user: Item
    stuck: bool = False
    uncapped: bool = False  # over_cap: the page ignores its cap
    pages: list[PageOutcome] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Described:
    names: tuple[str, ...]
    scope_id: str | None
    hashes_sent: int
    hashes: frozenset[str] = frozenset()


def _context(info: GraphQLResolveInfo[RequestContext]) -> RequestContext:
    context: RequestContext = info.context
    return context


def _field(source: Any, info: GraphQLResolveInfo[RequestContext], **_: Any) -> Any:
    """Every non-root field reads its key from the item dict."""
    return source.get(info.field_name) if type(source) is dict else None


def _page(info: GraphQLResolveInfo[RequestContext], page: PageOutcome) -> Item:
    _context(info).pages.append(page)
    return {
        "upserted": page.upserted,
        "deleted": page.deleted,
        "failed": page.failed,
        "remaining_count": page.remaining_count,
    }


def _cap(ctx: RequestContext, cap: int) -> int:
    return 1_000_000_000 if ctx.uncapped else cap


def _not_found(error: UnknownScope) -> GraphQLError:
    return GraphQLError(str(error), extensions={"code": "NOT_FOUND"})


def _organizations(
    _root: Any,
    info: GraphQLResolveInfo[RequestContext],
    pagination: dict[str, int],
    organization_sentera_ids: list[str] | None = None,
    parent_organization_id: str | None = None,
) -> Item:
    page, size = pagination["page"], pagination["page_size"]
    if page < 1 or size < 1:
        raise GraphQLError(
            "pagination page and page_size must be at least 1",
            extensions={"code": "BAD_USER_INPUT"},
        )
    orgs = _context(info).dataset.organization_list()
    if organization_sentera_ids is not None:
        orgs = [o for o in orgs if o["sentera_id"] in organization_sentera_ids]
    if parent_organization_id is not None:
        orgs = [o for o in orgs if o["parent_organization_id"] == parent_organization_id]
    results = orgs[(page - 1) * size : page * size]
    return {
        "page": page,
        "page_size": size,
        "present": bool(results),
        "total_count": len(orgs),
        "results": results,
    }


def _sync_fields(
    _root: Any,
    info: GraphQLResolveInfo[RequestContext],
    organization_sentera_id: str,
    content_hashes: list[str],
    include_descendant_organizations: bool | None = False,
) -> Item:
    ctx = _context(info)
    try:
        page = ctx.dataset.sync_fields(
            organization_sentera_id,
            content_hashes,
            _cap(ctx, ctx.config.fields_cap),
            include_descendants=bool(include_descendant_organizations),
            stuck=ctx.stuck,
        )
    except UnknownScope as exc:
        raise _not_found(exc) from None
    return _page(info, page)


def _sync_surveys(
    _root: Any,
    info: GraphQLResolveInfo[RequestContext],
    field_sentera_id: str,
    content_hashes: list[str],
) -> Item:
    ctx = _context(info)
    try:
        page = ctx.dataset.sync_surveys(
            field_sentera_id, content_hashes, _cap(ctx, ctx.config.surveys_cap), stuck=ctx.stuck
        )
    except UnknownScope as exc:
        raise _not_found(exc) from None
    return _page(info, page)


def _sync_mosaics(
    _root: Any,
    info: GraphQLResolveInfo[RequestContext],
    survey_sentera_id: str,
    content_hashes: list[str],
) -> Item:
    ctx = _context(info)
    try:
        page = ctx.dataset.sync_mosaics(
            survey_sentera_id, content_hashes, _cap(ctx, ctx.config.mosaics_cap), stuck=ctx.stuck
        )
    except UnknownScope as exc:
        raise _not_found(exc) from None
    return _page(info, page)


def _sync_files(
    _root: Any,
    info: GraphQLResolveInfo[RequestContext],
    owners: list[dict[str, str]],
    content_hashes: list[str],
) -> Item:
    ctx = _context(info)
    return _page(
        info, ctx.dataset.sync_files(owners, content_hashes, _cap(ctx, ctx.config.files_cap))
    )


def _reference(key: str) -> Any:
    """Resolve a `{"sentera_id": ...}` stub to the record it names (current or last)."""

    def resolve(source: Item, info: GraphQLResolveInfo[RequestContext]) -> Any:
        stub = source[key]
        return _context(info).dataset.reference(stub["sentera_id"]) or stub

    return resolve


def _file_url(source: Item, info: GraphQLResolveInfo[RequestContext]) -> str | None:
    if source.get("_plan") is None:
        return None
    ctx = _context(info)
    return ctx.signer.url(ctx.base_url, source)


def _file_size(source: Item, info: GraphQLResolveInfo[RequestContext]) -> str | None:
    """The GeoTIFF's real size; generates it if this is the first time it is asked."""
    plan = source.get("_plan")
    if plan is None:
        return None
    return str(_context(info).imagery.size(plan))


def _mosaic_files(source: Item, info: GraphQLResolveInfo[RequestContext]) -> list[Item]:
    return _context(info).dataset.files_of_mosaic(source)


@cache
def simulator_schema() -> GraphQLSchema:
    """The SDL with resolvers attached; built once per process (it never changes)."""
    schema = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    query = schema.query_type
    assert query is not None
    resolvers = {
        "organizations": _organizations,
        "sync_fields": _sync_fields,
        "sync_surveys": _sync_surveys,
        "sync_mosaics": _sync_mosaics,
        "sync_files": _sync_files,
        "user": lambda _root, info: _context(info).user,
    }
    for name, resolver in resolvers.items():
        query.fields[name].resolve = resolver
    sync_item = schema.get_type("SyncItem")
    assert isinstance(sync_item, GraphQLInterfaceType)
    sync_item.resolve_type = lambda value, _info, _type: value["__typename"]
    for type_name, field_name, resolver in [
        ("Field", "organization", _reference("organization")),
        ("Survey", "field", _reference("field")),
        ("Mosaic", "survey", _reference("survey")),
        ("Mosaic", "files", _mosaic_files),
        ("File", "url", _file_url),
        ("File", "size", _file_size),
    ]:
        graphql_type = schema.get_type(type_name)
        assert isinstance(graphql_type, GraphQLObjectType)
        graphql_type.fields[field_name].resolve = resolver
    return schema


def run(
    document: DocumentNode,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    context: RequestContext,
) -> ExecutionResult:
    result = execute(
        simulator_schema(),
        document,
        variable_values=variables,
        operation_name=operation_name,
        context_value=context,
        field_resolver=_field,
    )
    assert isinstance(result, ExecutionResult)  # no resolver is async
    return result


def describe(
    document: DocumentNode, variables: dict[str, Any] | None, operation_name: str | None
) -> Described:
    """Root field names, scope id and hash count of a request, read from its document."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return Described((), None, 0)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    roots = list(_root_fields(operation.selection_set, fragments))
    names = tuple(dict.fromkeys(f.name.value for f in roots if f.name.value != "__typename"))
    scope_id, hashes = None, 0
    values: set[str] = set()
    for root in roots:
        for argument in root.arguments or ():
            value = _literal(argument.value, variables or {})
            if argument.name.value in _SCOPE_ARGUMENTS and isinstance(value, str):
                scope_id = scope_id or value
            elif argument.name.value == "content_hashes" and isinstance(value, list):
                hashes += len(value)
                values.update(v for v in value if isinstance(v, str))
    return Described(names, scope_id, hashes, frozenset(values))


def _root_fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> Any:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _root_fields(fragments[selection.name.value].selection_set, fragments)


def _literal(node: ValueNode, variables: dict[str, Any]) -> Any:
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    if isinstance(node, StringValueNode):
        return node.value
    if isinstance(node, ListValueNode):
        return list(node.values)
    return None
