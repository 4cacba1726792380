"""The client's query documents against the schema the server (and simulator) serves."""

from __future__ import annotations

from pathlib import Path

import graphql
import pytest

from app.api import records
from app.api.resources import load_query
from app.resources import resource_path, resources_root
from tests.api import payloads

QUERIES = sorted(p.stem for p in resource_path("queries").glob("*.graphql"))


@pytest.fixture(scope="module")
def schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(resource_path("schema.graphql").read_text(encoding="utf-8"))


def test_every_query_the_client_uses_exists() -> None:
    assert set(QUERIES) >= {"organizations", "sync_fields", "sync_surveys", "sync_mosaics", "user"}


@pytest.mark.parametrize("name", QUERIES)
def test_query_validates_against_schema(schema: graphql.GraphQLSchema, name: str) -> None:
    document = graphql.parse(load_query(name))
    assert graphql.validate(schema, document) == []


@pytest.mark.parametrize("name", QUERIES)
def test_ids_and_hashes_are_variables(name: str) -> None:
    document = graphql.parse(load_query(name))
    checked = []

    class Visitor(graphql.Visitor):
        def enter_argument(self, node: graphql.ArgumentNode, *_: object) -> None:
            arg = node.name.value
            if arg.endswith("sentera_id") or arg in ("content_hashes", "pagination"):
                value = node.value
                if isinstance(value, graphql.ObjectValueNode):
                    assert all(isinstance(f.value, graphql.VariableNode) for f in value.fields)
                else:
                    assert isinstance(value, graphql.VariableNode), arg
                checked.append(arg)

    graphql.visit(document, Visitor())
    if name != "user":
        assert checked, "the scope argument was not found"


def _selected_paths(
    selection_set: graphql.SelectionSetNode | None, prefix: tuple[str, ...] = ()
) -> set[tuple[str, ...]]:
    paths: set[tuple[str, ...]] = set()
    for node in selection_set.selections if selection_set else ():
        if isinstance(node, graphql.InlineFragmentNode):
            paths |= _selected_paths(node.selection_set, prefix)
        elif isinstance(node, graphql.FieldNode):
            path = (*prefix, node.name.value)
            paths.add(path)
            paths |= _selected_paths(node.selection_set, path)
    return paths


@pytest.mark.parametrize(
    ("name", "record"),
    [
        ("organizations", records.OrganizationsData),
        ("sync_fields", records.SyncFieldsData),
        ("sync_surveys", records.SyncSurveysData),
        ("sync_mosaics", records.SyncMosaicsData),
        ("sync_files", records.SyncFilesData),
        ("user", records.UserData),
    ],
)
def test_the_records_declare_exactly_what_the_document_selects(name: str, record: type) -> None:
    document = graphql.parse(load_query(name))
    operation = document.definitions[0]
    assert isinstance(operation, graphql.OperationDefinitionNode)
    assert set(payloads.selection(record)) == _selected_paths(operation.selection_set)


def test_resources_are_found_from_a_frozen_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys._MEIPASS", str(tmp_path), raising=False)
    assert resources_root() == tmp_path / "resources"
    assert resource_path("queries", "user.graphql") == tmp_path / "resources/queries/user.graphql"
