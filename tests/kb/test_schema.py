"""The knowledge files' schema (bot/kb/schema.yaml): its errors named at file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from bot.kb import schema
from bot.kb.loader import load
from bot.kb.model import CATEGORIES, IAC_TOOLS, SERVICE_MODELS, KnowledgeError
from bot.kb.owners import OWNERS

SERVICES = """\
services:
  - id: ec2
    name: Amazon EC2
    model: infrastructure
    sources: [https://docs.aws.amazon.com/ec2/]
    stack:
      - {layer: Guest OS, owner: customer}
    resource_types:
      cloudformation: [AWS::EC2::Instance]
      terraform: [aws_instance]
"""

ITEM = """\
items:
  - id: guest-os-patching
    title: Patching the guest OS
    owner: customer
    category: compute
    explanation: You patch the guest OS; AWS patches the host.
    services:
      ec2: {owner: customer, note: Yours on EC2.}
    sources: [https://aws.amazon.com/compliance/shared-responsibility-model/]
    quiz:
      - question: Who patches the guest OS on EC2?
        answer: customer
        explanation: The guest OS is yours.
"""

AREAS = """\
areas:
  - id: patching
    name: Patching
    items: [guest-os-patching]
"""


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid knowledge base at ``kb/`` (items, services, areas); the cwd is its parent."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "kb"
    (folder / "services").mkdir(parents=True)
    (folder / "services" / "core.yaml").write_text(SERVICES)
    (folder / "a.yaml").write_text(ITEM)
    (folder / "areas.yaml").write_text(AREAS)
    return folder


def problems(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load(folder)
    return [str(p) for p in caught.value.problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_the_fixture_is_valid(kb: Path) -> None:
    knowledge = load(kb)
    assert [s.id for s in knowledge.services] == ["ec2"]
    assert [a.id for a in knowledge.areas] == ["patching"]


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(schema.schema())


def test_the_schemas_enums_are_the_models() -> None:
    defs = schema.schema()["$defs"]
    assert tuple(defs["owner"]["enum"]) == OWNERS
    assert tuple(defs["category"]["enum"]) == CATEGORIES
    assert tuple(defs["service"]["properties"]["model"]["enum"]) == SERVICE_MODELS
    assert tuple(defs["service"]["properties"]["resource_types"]["properties"]) == IAC_TOOLS


# ---- a wrong type, at the value's line


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "services/core.yaml",
            "name: Amazon EC2",
            "name: 2024",
            "kb/services/core.yaml:3: 'name' must be a string, not a number",
        ),
        (
            "services/core.yaml",
            "    stack:\n      - {layer: Guest OS, owner: customer}\n",
            "    stack: {layer: Guest OS}\n",
            "kb/services/core.yaml:6: 'stack' must be a list, not a mapping",
        ),
        (
            "services/core.yaml",
            "- {layer: Guest OS, owner: customer}",
            "- Guest OS",
            "kb/services/core.yaml:7: each stack layer must be a mapping, not a string",
        ),
        (
            "services/core.yaml",
            "terraform: [aws_instance]",
            "terraform: aws_instance",
            "kb/services/core.yaml:10: 'terraform' must be a list, not a string",
        ),
        (
            "services/core.yaml",
            "    resource_types:\n",
            "    areas: [patching]\n    resource_types:\n",
            "kb/services/core.yaml:8: 'areas' must be a mapping of area id to item id, not a list",
        ),
        (
            "a.yaml",
            "explanation: The guest OS is yours.",
            "explanation: 2024-01-31",
            "kb/a.yaml:13: 'explanation' must be a string, not a date",
        ),
        (
            "a.yaml",
            "question: Who patches the guest OS on EC2?",
            "question: [Who, patches]",
            "kb/a.yaml:11: 'question' must be a string, not a list",
        ),
        (
            "areas.yaml",
            "items: [guest-os-patching]",
            "items: guest-os-patching",
            "kb/areas.yaml:4: 'items' must be a list, not a string",
        ),
        (
            "areas.yaml",
            "  - id: patching\n    name: Patching\n    items: [guest-os-patching]\n",
            "  - patching\n",
            "kb/areas.yaml:2: each area must be a mapping, not a string",
        ),
    ],
)
def test_a_wrong_type_is_named_at_its_line(
    kb: Path, file: str, old: str, new: str, expected: str
) -> None:
    edit(kb / file, old, new)
    found = problems(kb)
    assert expected in found
    assert found[0] == expected or file == "areas.yaml"  # areas: an unowned area may follow


def test_a_wrong_type_is_not_also_an_unknown_value(kb: Path) -> None:
    edit(kb / "a.yaml", "owner: customer\n    category", "owner: [customer]\n    category")
    edit(kb / "services" / "core.yaml", "model: infrastructure", "model: 3")
    assert problems(kb) == [
        "kb/a.yaml:4: 'owner' must be a string, not a list",
        "kb/services/core.yaml:4: 'model' must be a string, not a number",
    ]


# ---- a missing field, at the entry's line


@pytest.mark.parametrize(
    ("file", "old", "expected"),
    [
        (
            "services/core.yaml",
            "    name: Amazon EC2\n",
            "kb/services/core.yaml:2: missing key 'name'",
        ),
        (
            "services/core.yaml",
            "    model: infrastructure\n",
            "kb/services/core.yaml:2: missing key 'model'",
        ),
        (
            "services/core.yaml",
            "    stack:\n      - {layer: Guest OS, owner: customer}\n",
            "kb/services/core.yaml:2: service has no stack layers",
        ),
        (
            "services/core.yaml",
            "{layer: Guest OS, owner: customer}",
            "kb/services/core.yaml:7: missing key 'layer'",
        ),
        ("areas.yaml", "    name: Patching\n", "kb/areas.yaml:2: missing key 'name'"),
        (
            "a.yaml",
            "        explanation: The guest OS is yours.\n",
            "kb/a.yaml:11: missing key 'explanation'",
        ),
        ("a.yaml", "    category: compute\n", "kb/a.yaml:2: missing key 'category'"),
    ],
)
def test_a_missing_field_is_named_at_its_entry(
    kb: Path, file: str, old: str, expected: str
) -> None:
    new = "{owner: customer}" if old.startswith("{") else ""
    edit(kb / file, old, new)
    assert problems(kb) == [expected]


# ---- an unknown key, at the key's line, with what was meant


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "services/core.yaml",
            "    model: infrastructure\n",
            "    model: infrastructure\n    modle: container\n",
            "kb/services/core.yaml:5: unknown key 'modle' (did you mean 'model'?)",
        ),
        (
            "services/core.yaml",
            "      terraform: [aws_instance]\n",
            "      terraform: [aws_instance]\n      pulumi: [aws.ec2.Instance]\n",
            "kb/services/core.yaml:11: unknown key 'pulumi' (expected cloudformation or terraform)",
        ),
        (
            "areas.yaml",
            "    items: [guest-os-patching]\n",
            "    items: [guest-os-patching]\n    defualt: guest-os-patching\n",
            "kb/areas.yaml:5: unknown key 'defualt' (did you mean 'default'?)",
        ),
        (
            "a.yaml",
            "        explanation: The guest OS is yours.\n",
            "        explanation: The guest OS is yours.\n        hint: think IaaS\n",
            "kb/a.yaml:14: unknown key 'hint' (expected question, choices, answer, explanation "
            "or service)",
        ),
    ],
)
def test_an_unknown_key_is_named_at_its_line(
    kb: Path, file: str, old: str, new: str, expected: str
) -> None:
    edit(kb / file, old, new)
    assert problems(kb) == [expected]


# ---- what the YAML shows and JSON cannot: keys given twice, keys that are not text


def test_a_key_given_twice_and_a_key_that_is_no_text(kb: Path) -> None:
    edit(
        kb / "services" / "core.yaml",
        "      terraform: [aws_instance]\n",
        "      terraform: [aws_instance]\n      terraform: [aws_eip]\n",
    )
    edit(kb / "a.yaml", "      ec2: {owner", "      ? [ec2]\n      : {owner")
    found = problems(kb)
    assert found[:2] == [
        "kb/a.yaml:8: a key must be text, not a list",
        "kb/services/core.yaml:2: area 'patching' has no owner for service 'ec2': name an item "
        "for it under the service's 'areas:' (patching: <item id>), or give one of the area's "
        "items (kb/areas.yaml:2) a 'services:' entry for 'ec2'",
    ]
    assert found[2:] == ["kb/services/core.yaml:11: duplicate key 'terraform'"]


def test_an_empty_areas_file_and_one_that_is_a_list(kb: Path) -> None:
    (kb / "areas.yaml").write_text("")
    assert problems(kb) == ["kb/areas.yaml:1: empty file: expected a top-level 'areas:' list"]
    (kb / "areas.yaml").write_text("- id: patching\n")
    assert problems(kb) == ["kb/areas.yaml:1: expected a top-level 'areas:' list, not a list"]


def test_a_file_found_clean_once_is_still_checked_when_it_changes(kb: Path) -> None:
    load(kb)
    edit(kb / "a.yaml", "category: compute", "category: 7")
    assert problems(kb) == ["kb/a.yaml:5: 'category' must be a string, not a number"]


def test_a_clean_file_is_marked_for_the_next_process_and_a_broken_one_never(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OFIN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(schema, "_CLEAN", set())
    load(kb)
    marks = tmp_path / "cache" / "kb-clean"
    assert len(list(marks.iterdir())) == 3  # the services, items and areas files

    validator = schema._validator
    monkeypatch.setattr(schema, "_CLEAN", set())  # a new process: only the marks remain
    monkeypatch.setattr(schema, "_validator", lambda kind: pytest.fail("validated again"))
    load(kb)

    monkeypatch.setattr(schema, "_validator", validator)
    monkeypatch.setattr(schema, "_schema_digest", lambda: "another schema")
    monkeypatch.setattr(schema, "_CLEAN", set())
    edit(kb / "a.yaml", "category: compute", "category: 7")
    assert problems(kb) == ["kb/a.yaml:5: 'category' must be a string, not a number"]
    assert len(list(marks.iterdir())) == 5  # the two unchanged files under the new schema only


def test_an_anchor_inside_itself_and_a_value_nested_too_deep_are_problems_not_crashes(
    kb: Path,
) -> None:
    (kb / "a.yaml").write_text("items: &loop\n  - *loop\n")
    assert problems(kb)[0] == "kb/a.yaml:1: this value refers to itself"
    (kb / "a.yaml").write_text("items:\n  - " + "[" * 40 + "]" * 40 + "\n")
    assert problems(kb)[0] == "kb/a.yaml:2: this value is nested more than 32 deep"
