"""The knowledge-base loader: records built from YAML, and every kind of problem at file:line."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.kb.loader import DEFAULT_DIR, OWNERS, format_problems, load, load_or_exit
from bot.kb.model import KnowledgeError, Problem, normalize_alias

FIXTURES = Path(__file__).parent.parent / "fixtures"

# A small valid knowledge base. Line numbers matter: the tests below name them.
SERVICES = """\
services:
  - id: ec2
    name: Amazon EC2
    model: infrastructure
    aliases: [ec2 instance]
    sources: [https://docs.aws.amazon.com/ec2/]
    stack:
      - {layer: Guest OS, owner: customer}
  - id: rds
    name: Amazon RDS
    model: container
    sources: [https://docs.aws.amazon.com/rds/]
    stack:
      - {layer: Database engine, owner: aws}
"""

ITEM = """\
items:
  - id: guest-os-patching
    title: Patching the guest OS
    owner: customer
    category: compute
    explanation: You patch the guest OS; AWS patches the host.
    aliases: [patch the guest os]
    services:
      rds: {owner: aws, note: AWS patches the OS under RDS.}
    sources: [https://aws.amazon.com/compliance/shared-responsibility-model/]
    quiz:
      - question: Who patches the guest OS on EC2?
        answer: customer
        explanation: The guest OS is yours.
"""

OTHER_ITEM = """\
items:
  - id: hypervisor-patching
    title: Patching the hypervisor
    owner: aws
    category: infrastructure
    explanation: The virtualization layer is AWS's.
    aliases: [hypervisor updates]
    sources: [https://aws.amazon.com/compliance/shared-responsibility-model/]
    quiz:
      - question: Who patches the hypervisor?
        answer: aws
        explanation: It is part of the infrastructure.
"""


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder ``kb/`` holding services/core.yaml; the working directory is its parent."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "kb"
    (folder / "services").mkdir(parents=True)
    (folder / "services" / "core.yaml").write_text(SERVICES)
    return folder


def write(folder: Path, **files: str) -> None:
    """Write ``name_yaml="..."`` as ``name.yaml`` in ``folder``; ``services_yaml`` is the services
    file, ``services/core.yaml``."""
    for name, text in files.items():
        path = "services/core.yaml" if name == "services_yaml" else name.replace("_yaml", ".yaml")
        (folder / path).write_text(text)


def problems(path: Path | str = "kb") -> list[str]:
    """Every problem loading ``path`` reports, as ``file:line: message``."""
    with pytest.raises(KnowledgeError) as caught:
        load(path)
    return [str(p) for p in caught.value.problems]


def edit(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` (which must be there) replaced by ``new``."""
    assert old in text, old
    return text.replace(old, new)


# ---- a valid knowledge base loads into the right records


def test_the_valid_fixture_loads_into_records() -> None:
    knowledge = load(FIXTURES / "kb_valid")
    assert [i.id for i in knowledge.items] == [
        "guest-os-patching",
        "hypervisor-patching",
        "data-classification",
    ]
    assert [s.id for s in knowledge.services] == ["ec2", "rds", "s3"]
    patching = knowledge.item("guest-os-patching")
    assert patching is not None
    assert patching.title == "Patching the guest operating system"
    assert patching.owner == "customer"
    assert patching.category == "compute"
    assert patching.explanation == (
        "On infrastructure services you patch the guest OS; AWS patches the host."
    )
    assert patching.aliases == ("patch the guest os", "os updates on my instance")
    assert patching.sources == (
        "https://docs.aws.amazon.com/whitepapers/latest/aws-risk-and-compliance/"
        "shared-responsibility-model.html",
    )
    assert patching.file.endswith("tests/fixtures/kb_valid/compute.yaml")
    assert patching.line == 2
    assert knowledge.item("data-classification").file.endswith("kb_valid/data.yml")


def test_owner_and_note_follow_the_service() -> None:
    patching = load(FIXTURES / "kb_valid").item("guest-os-patching")
    assert patching.owner_for("ec2") == "customer"
    assert patching.owner_for("rds") == "aws"
    assert patching.owner_for("s3") == "customer"  # no entry: the item's own owner
    assert patching.owner_for(None) == "customer"
    assert patching.note_for("rds") == "AWS patches the OS under your DB instance."
    assert patching.note_for("s3") is None
    with pytest.raises(TypeError):
        patching.services["s3"] = patching.services["rds"]  # read-only


def test_quiz_questions_get_ids_and_default_choices() -> None:
    knowledge = load(FIXTURES / "kb_valid")
    questions = knowledge.quiz_questions
    assert [q.id for q in questions] == [
        "guest-os-patching#1",
        "guest-os-patching#2",
        "hypervisor-patching#1",
        "data-classification#1",
    ]
    first, second = questions[0], questions[1]
    assert first.item_id == "guest-os-patching"
    assert first.choices == OWNERS and first.is_owner_question
    assert first.answer == "customer"
    assert first.service == "ec2"
    assert second.choices == ("The DB engine", "Your SQL schema", "Your DB users")
    assert not second.is_owner_question
    assert second.answer == "The DB engine"
    assert questions[2].service is None


def test_services_keep_their_stack_in_order() -> None:
    ec2 = load(FIXTURES / "kb_valid").service("ec2")
    assert ec2 is not None
    assert (ec2.name, ec2.model) == ("Amazon EC2", "infrastructure")
    assert ec2.aliases == ("ec2 instance", "elastic compute cloud")
    assert [(layer.name, layer.owner, layer.note) for layer in ec2.stack] == [
        ("Customer data", "customer", ""),
        ("Guest operating system", "customer", "You patch it."),
        ("Hypervisor", "aws", ""),
    ]
    assert ec2.line == 2


def test_records_are_frozen() -> None:
    item = load(FIXTURES / "kb_valid").items[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.owner = "aws"  # type: ignore[misc]


def test_items_and_the_knowledge_base_are_hashable() -> None:
    first, again = load(FIXTURES / "kb_valid"), load(FIXTURES / "kb_valid")
    assert first.items[0] == again.items[0]
    assert hash(first.items[0]) == hash(again.items[0])
    assert len(set(first.items + again.items)) == 3
    assert hash(first) == hash(again)


def test_files_inside_the_working_directory_are_named_relative_to_it(kb: Path) -> None:
    write(kb, a_yaml=ITEM)
    knowledge = load("kb")
    assert knowledge.items[0].file == "kb/a.yaml"
    assert knowledge.services[0].file == "kb/services/core.yaml"
    assert load(kb.resolve()).items[0].file == "kb/a.yaml"  # absolute, but inside the cwd


def test_a_single_file_is_checked_with_the_services_beside_it(kb: Path) -> None:
    write(kb, a_yaml=ITEM, b_yaml=OTHER_ITEM)
    knowledge = load("kb/a.yaml")
    assert [i.id for i in knowledge.items] == ["guest-os-patching"]
    assert [s.id for s in knowledge.services] == ["ec2", "rds"]
    only_services = load("kb/services/core.yaml")
    assert (len(only_services.items), len(only_services.services)) == (0, 2)


def test_hidden_and_non_yaml_files_are_ignored(kb: Path) -> None:
    write(kb, a_yaml=ITEM)
    (kb / ".#a.yaml").write_text("not: [yaml")
    (kb / "notes.txt").write_text("not: [yaml")
    assert len(load("kb").items) == 1


def test_to_dict_has_every_field(kb: Path) -> None:
    write(kb, a_yaml=ITEM)
    data = load("kb").to_dict()
    assert data["items"] == [
        {
            "id": "guest-os-patching",
            "title": "Patching the guest OS",
            "owner": "customer",
            "category": "compute",
            "explanation": "You patch the guest OS; AWS patches the host.",
            "aliases": ["patch the guest os"],
            "services": {"rds": {"owner": "aws", "note": "AWS patches the OS under RDS."}},
            "sources": ["https://aws.amazon.com/compliance/shared-responsibility-model/"],
            "quiz": [
                {
                    "id": "guest-os-patching#1",
                    "question": "Who patches the guest OS on EC2?",
                    "choices": ["aws", "customer", "shared"],
                    "answer": "customer",
                    "explanation": "The guest OS is yours.",
                    "service": None,
                }
            ],
        }
    ]
    assert data["services"][1] == {
        "id": "rds",
        "name": "Amazon RDS",
        "model": "container",
        "aliases": [],
        "sources": ["https://docs.aws.amazon.com/rds/"],
        "stack": [{"layer": "Database engine", "owner": "aws", "note": ""}],
    }


def test_the_real_knowledge_base_passes() -> None:
    knowledge = load(DEFAULT_DIR)
    assert knowledge.items and knowledge.services
    assert all(item.quiz and item.sources for item in knowledge.items)


def test_normalize_alias_ignores_case_punctuation_and_spacing() -> None:
    assert normalize_alias("  Who's   patching, the OS?! ") == "who s patching the os"
    assert normalize_alias("S3/EBS_encryption") == "s3 ebs encryption"


# ---- every kind of problem, at its file and line


def test_bad_yaml_is_reported_at_the_parsers_line(kb: Path) -> None:
    write(kb, a_yaml=edit(ITEM, "title: Patching the guest OS", "title: [Patching"))
    assert problems() == [
        "kb/a.yaml:4: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence at line 3)",
    ]


def test_tabs_get_a_hint(kb: Path) -> None:
    write(kb, a_yaml="items:\n\t- id: x\n")
    assert problems() == [
        "kb/a.yaml:2: invalid YAML: found character that cannot start any token; "
        "indent with spaces, not tabs",
    ]


def test_text_that_is_not_utf8(kb: Path) -> None:
    (kb / "a.yaml").write_bytes(b"items:\n  - id: caf\xe9\n")
    assert problems() == ["kb/a.yaml:2: not UTF-8 text"]


def test_a_broken_file_does_not_hide_the_problems_of_others(kb: Path) -> None:
    write(kb, a_yaml="items: [\n", b_yaml=edit(OTHER_ITEM, "owner: aws", "owner: amazon"))
    assert problems() == [
        "kb/a.yaml:2: invalid YAML: did not find expected node content",
        "kb/b.yaml:4: unknown owner 'amazon' (expected aws, customer or shared)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["kb/a.yaml:1: empty file: expected a top-level 'items:' list"]),
        ("# only a comment\n", ["kb/a.yaml:1: empty file: expected a top-level 'items:' list"]),
        ("- id: x\n", ["kb/a.yaml:1: expected a top-level 'items:' list, not a list"]),
        ("items: all of them\n", ["kb/a.yaml:1: 'items' must be a list, not a string"]),
        (
            "itmes: []\n",
            [
                "kb/a.yaml:1: unknown key 'itmes' (did you mean 'items'?)",
                "kb/a.yaml:1: missing key 'items'",
            ],
        ),
        (
            "items: []\nservices: []\n",
            ["kb/a.yaml:2: unknown key 'services' (expected items)"],
        ),
        ("items:\n  - just a string\n", ["kb/a.yaml:2: each item must be a mapping, not a string"]),
    ],
)
def test_wrong_top_level_shape(kb: Path, text: str, expected: list[str]) -> None:
    write(kb, a_yaml=text, b_yaml=OTHER_ITEM)
    assert problems() == expected


def test_services_file_needs_a_services_list(kb: Path) -> None:
    write(kb, services_yaml="items: []\n", a_yaml=OTHER_ITEM)
    assert problems() == [
        "kb/services/core.yaml:1: unknown key 'items' (expected services)",
        "kb/services/core.yaml:1: missing key 'services'",
    ]


def test_services_may_be_split_over_files_and_clash_across_them(kb: Path) -> None:
    other = edit(edit(SERVICES, "id: ec2", "id: ec3"), "id: rds", "id: rds2")
    (kb / "services" / "more.yaml").write_text(other)
    write(kb, a_yaml=OTHER_ITEM)
    assert problems() == [
        "kb/services/more.yaml:3: name 'Amazon EC2' clashes with the name of service 'ec2' "
        "(kb/services/core.yaml:3)",
        "kb/services/more.yaml:5: alias 'ec2 instance' clashes with an alias of service 'ec2' "
        "(kb/services/core.yaml:5)",
        "kb/services/more.yaml:10: name 'Amazon RDS' clashes with the name of service 'rds' "
        "(kb/services/core.yaml:10)",
    ]
    (kb / "services" / "more.yaml").write_text(
        "services:\n  - id: s3\n    name: Amazon S3\n    model: abstracted\n"
        "    sources: [https://docs.aws.amazon.com/s3/]\n"
        "    stack:\n      - {layer: Objects, owner: customer}\n"
    )
    assert [s.id for s in load("kb").services] == ["ec2", "rds", "s3"]


def test_a_typo_in_a_key_is_unknown_and_leaves_the_key_missing(kb: Path) -> None:
    write(kb, a_yaml=edit(ITEM, "owner: customer", "ownr: customer"))
    assert problems() == [
        "kb/a.yaml:2: missing key 'owner'",
        "kb/a.yaml:4: unknown key 'ownr' (did you mean 'owner'?)",
    ]


def test_an_unknown_key_without_a_close_match_lists_the_keys(kb: Path) -> None:
    write(kb, a_yaml=edit(ITEM, "    quiz:", "    colour: blue\n    quiz:"))
    assert problems() == [
        "kb/a.yaml:11: unknown key 'colour' (expected id, title, owner, category, explanation, "
        "aliases, services, sources or quiz)",
    ]


def test_a_key_given_twice(kb: Path) -> None:
    write(
        kb, a_yaml=edit(ITEM, "    category: compute\n", "    category: compute\n    owner: aws\n")
    )
    assert problems() == ["kb/a.yaml:6: duplicate key 'owner'"]


def test_missing_keys_are_reported_at_the_item(kb: Path) -> None:
    text = edit(ITEM, "    title: Patching the guest OS\n", "")
    text = edit(text, "    explanation: You patch the guest OS; AWS patches the host.\n", "")
    write(kb, a_yaml=text)
    assert problems() == [
        "kb/a.yaml:2: missing key 'title'",
        "kb/a.yaml:2: missing key 'explanation'",
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "title: Patching the guest OS",
            "title: [a, b]",
            "kb/a.yaml:3: 'title' must be a string, not a list",
        ),
        (
            "owner: customer",
            "owner: {who: me}",
            "kb/a.yaml:4: 'owner' must be a string, not a mapping",
        ),
        (
            "category: compute",
            "category: 42",
            "kb/a.yaml:5: 'category' must be a string, not a number",
        ),
        (
            "id: guest-os-patching",
            "id: yes",
            "kb/a.yaml:2: 'id' must be a string, not a true/false value",
        ),
        (
            "aliases: [patch the guest os]",
            "aliases: patch the guest os",
            "kb/a.yaml:7: 'aliases' must be a list, not a string",
        ),
        (
            "aliases: [patch the guest os]",
            "aliases: [{a: b}]",
            "kb/a.yaml:7: each entry of 'aliases' must be a string, not a mapping",
        ),
        (
            "sources: [https://aws.amazon.com/compliance/shared-responsibility-model/]",
            "sources: https://aws.amazon.com/",
            "kb/a.yaml:10: 'sources' must be a list, not a string",
        ),
        (
            "rds: {owner: aws, note: AWS patches the OS under RDS.}",
            "rds: aws",
            "kb/a.yaml:9: 'rds' must be a mapping like {owner: aws, note: ...}, not a string",
        ),
        (
            "    services:\n      rds: {owner: aws, note: AWS patches the OS under RDS.}\n",
            "    services: [rds]\n",
            "kb/a.yaml:8: 'services' must be a mapping of service id to {owner, note}, not a list",
        ),
        ("answer: customer", "answer: 3", "kb/a.yaml:13: 'answer' must be a string, not a number"),
    ],
)
def test_wrong_types(kb: Path, old: str, new: str, expected: str) -> None:
    write(kb, a_yaml=edit(ITEM, old, new))
    assert problems() == [expected]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("title: Patching the guest OS", "title:", "kb/a.yaml:3: 'title' must not be empty"),
        (
            "explanation: You patch the guest OS; AWS patches the host.",
            'explanation: "  "',
            "kb/a.yaml:6: 'explanation' must not be empty",
        ),
        (
            "aliases: [patch the guest os]",
            "aliases: [patch the guest os, '']",
            "kb/a.yaml:7: each entry of 'aliases' must not be empty",
        ),
        (
            "note: AWS patches the OS under RDS.",
            "note: ''",
            "kb/a.yaml:9: 'note' must not be empty",
        ),
        (
            "question: Who patches the guest OS on EC2?",
            "question:",
            "kb/a.yaml:12: 'question' must not be empty",
        ),
    ],
)
def test_empty_text(kb: Path, old: str, new: str, expected: str) -> None:
    write(kb, a_yaml=edit(ITEM, old, new))
    assert problems() == [expected]


def test_empty_aliases_and_services_are_allowed(kb: Path) -> None:
    text = edit(ITEM, "aliases: [patch the guest os]", "aliases:")
    text = edit(text, "      rds: {owner: aws, note: AWS patches the OS under RDS.}\n", "")
    write(kb, a_yaml=text)
    item = load("kb").items[0]
    assert item.aliases == () and dict(item.services) == {}


def test_unknown_owner_in_an_item_a_service_entry_and_a_stack_layer(kb: Path) -> None:
    write(
        kb,
        a_yaml=edit(
            edit(ITEM, "owner: customer", "owner: Customer"), "{owner: aws,", "{owner: amazon,"
        ),
        services_yaml=edit(
            SERVICES, "{layer: Guest OS, owner: customer}", "{layer: Guest OS, owner: you}"
        ),
    )
    assert problems() == [
        "kb/a.yaml:4: unknown owner 'Customer' (did you mean 'customer'?)",
        "kb/a.yaml:9: unknown owner 'amazon' (expected aws, customer or shared)",
        "kb/services/core.yaml:8: unknown owner 'you' (expected aws, customer or shared)",
    ]


def test_unknown_category(kb: Path) -> None:
    write(
        kb,
        a_yaml=edit(ITEM, "category: compute", "category: computing"),
        b_yaml=edit(OTHER_ITEM, "category: infrastructure", "category: misc"),
    )
    assert problems() == [
        "kb/a.yaml:5: unknown category 'computing' (did you mean 'compute'?)",
        "kb/b.yaml:5: unknown category 'misc' (expected physical, infrastructure, network, "
        "compute, storage, database, containers, serverless, identity, data, encryption, "
        "application, logging, compliance or controls)",
    ]


def test_unknown_service_model(kb: Path) -> None:
    write(kb, a_yaml=ITEM, services_yaml=edit(SERVICES, "model: container", "model: paas"))
    assert problems() == [
        "kb/services/core.yaml:11: unknown service model 'paas' "
        "(expected infrastructure, container or abstracted)",
    ]


@pytest.mark.parametrize("bad_id", ["Guest-OS", "guest_os", "guest--os", "-guest", "guest os"])
def test_ids_must_be_lowercase_words_joined_by_dashes(kb: Path, bad_id: str) -> None:
    write(kb, a_yaml=edit(ITEM, "id: guest-os-patching", f"id: '{bad_id}'"))
    assert problems() == [
        f"kb/a.yaml:2: id '{bad_id}' must be lowercase words joined by dashes, like 'os-patching'",
    ]


def test_service_ids_follow_the_same_rule(kb: Path) -> None:
    write(kb, a_yaml=OTHER_ITEM, services_yaml=edit(SERVICES, "id: rds", "id: RDS"))
    assert problems() == [
        "kb/services/core.yaml:9: id 'RDS' must be lowercase words joined by dashes, "
        "like 'os-patching'",
    ]


def test_duplicate_item_id_names_the_first(kb: Path) -> None:
    duplicate = edit(OTHER_ITEM, "id: hypervisor-patching", "id: guest-os-patching")
    write(kb, a_yaml=ITEM, b_yaml=duplicate)
    assert problems() == [
        "kb/b.yaml:2: duplicate id 'guest-os-patching' (first at kb/a.yaml:2)",
    ]


def test_alias_clashes_after_normalising(kb: Path) -> None:
    other = edit(OTHER_ITEM, "aliases: [hypervisor updates]", "aliases: ['Patch the  guest-OS!']")
    write(kb, a_yaml=ITEM, b_yaml=other)
    assert problems() == [
        "kb/b.yaml:7: alias 'Patch the  guest-OS!' clashes with an alias of item "
        "'guest-os-patching' (kb/a.yaml:7)",
    ]


def test_an_alias_may_not_be_another_items_title(kb: Path) -> None:
    other = edit(OTHER_ITEM, "aliases: [hypervisor updates]", "aliases: [patching the guest os]")
    write(kb, a_yaml=ITEM, b_yaml=other)
    assert problems() == [
        "kb/b.yaml:7: alias 'patching the guest os' clashes with the title of item "
        "'guest-os-patching' (kb/a.yaml:3)",
    ]


def test_a_title_may_not_be_another_items_alias_or_title(kb: Path) -> None:
    other = edit(OTHER_ITEM, "title: Patching the hypervisor", "title: Patch the guest OS")
    write(kb, a_yaml=ITEM, b_yaml=other)
    assert problems() == [
        "kb/b.yaml:3: title 'Patch the guest OS' clashes with an alias of item "
        "'guest-os-patching' (kb/a.yaml:7)",
    ]


def test_an_alias_repeated_within_an_item(kb: Path) -> None:
    text = edit(
        ITEM, "aliases: [patch the guest os]", "aliases: [patch the guest os, PATCH the guest OS]"
    )
    write(kb, a_yaml=text)
    assert problems() == ["kb/a.yaml:7: duplicate alias 'PATCH the guest OS'"]


def test_an_alias_that_is_its_own_title_is_fine(kb: Path) -> None:
    write(
        kb, a_yaml=edit(ITEM, "aliases: [patch the guest os]", "aliases: [patching the guest os]")
    )
    assert load("kb").items[0].aliases == ("patching the guest os",)


def test_an_alias_of_only_punctuation(kb: Path) -> None:
    write(kb, a_yaml=edit(ITEM, "aliases: [patch the guest os]", "aliases: ['?!']"))
    assert problems() == ["kb/a.yaml:7: alias '?!' has no letters or digits"]


def test_duplicate_service_ids(kb: Path) -> None:
    write(kb, a_yaml=OTHER_ITEM, services_yaml=edit(SERVICES, "id: rds", "id: ec2"))
    assert problems() == [
        "kb/services/core.yaml:9: duplicate service id 'ec2' (first at kb/services/core.yaml:2)",
    ]


def test_service_alias_clashes(kb: Path) -> None:
    services = edit(
        SERVICES,
        "model: container\n",
        "model: container\n    aliases: [EC2 Instance, amazon ec2]\n",
    )
    write(kb, a_yaml=OTHER_ITEM, services_yaml=services)
    assert problems() == [
        "kb/services/core.yaml:12: alias 'EC2 Instance' clashes with an alias of service 'ec2' "
        "(kb/services/core.yaml:5)",
        "kb/services/core.yaml:12: alias 'amazon ec2' clashes with the name of service 'ec2' "
        "(kb/services/core.yaml:3)",
    ]


def test_a_service_alias_may_not_be_another_services_id(kb: Path) -> None:
    services = edit(SERVICES, "model: container\n", "model: container\n    aliases: [ec2]\n")
    write(kb, a_yaml=OTHER_ITEM, services_yaml=services)
    assert problems() == [
        "kb/services/core.yaml:12: alias 'ec2' clashes with the id of service 'ec2' "
        "(kb/services/core.yaml:2)",
    ]


def test_unknown_service_in_the_services_map_and_in_a_quiz(kb: Path) -> None:
    text = edit(ITEM, "      rds: {owner", "      rsd: {owner")
    text = edit(
        text, "        answer: customer\n", "        answer: customer\n        service: lambda\n"
    )
    write(kb, a_yaml=text)
    assert problems() == [
        "kb/a.yaml:9: unknown service 'rsd' (did you mean 'rds'?)",
        "kb/a.yaml:14: unknown service 'lambda' (no service has this id)",
    ]


def test_a_service_listed_twice_in_one_item(kb: Path) -> None:
    text = edit(
        ITEM,
        "      rds: {owner: aws, note: AWS patches the OS under RDS.}\n",
        "      rds: {owner: aws, note: One.}\n      rds: {owner: aws, note: Two.}\n",
    )
    write(kb, a_yaml=text)
    assert problems() == ["kb/a.yaml:10: duplicate key 'rds'"]


def test_service_owner_entries_need_owner_and_note(kb: Path) -> None:
    write(kb, a_yaml=edit(ITEM, "{owner: aws, note: AWS patches the OS under RDS.}", "{ownr: aws}"))
    assert problems() == [
        "kb/a.yaml:9: unknown key 'ownr' (did you mean 'owner'?)",
        "kb/a.yaml:9: missing key 'owner'",
        "kb/a.yaml:9: missing key 'note'",
    ]


def test_missing_services_when_items_refer_to_services(kb: Path) -> None:
    shutil.rmtree(kb / "services")
    write(kb, a_yaml=ITEM, b_yaml=OTHER_ITEM)
    assert problems() == [
        "kb/a.yaml:9: service 'rds' is referenced, but there are no services "
        "(no *.yaml in kb/services/)",
    ]


def test_no_services_file_is_fine_when_no_item_refers_to_one(kb: Path) -> None:
    shutil.rmtree(kb / "services")
    write(kb, b_yaml=OTHER_ITEM)
    knowledge = load("kb")
    assert (len(knowledge.items), len(knowledge.services)) == (1, 0)


@pytest.mark.parametrize(
    "source",
    ["http://aws.amazon.com/compliance/", "aws.amazon.com/compliance", "https://", "see the docs"],
)
def test_sources_must_be_https_urls(kb: Path, source: str) -> None:
    write(
        kb,
        a_yaml=edit(
            ITEM,
            "sources: [https://aws.amazon.com/compliance/shared-responsibility-model/]",
            f"sources: ['{source}']",
        ),
    )
    assert problems() == [f"kb/a.yaml:10: source '{source}' is not an https URL"]


@pytest.mark.parametrize(
    ("new", "line"),
    [("", 2), ("    sources: []\n", 10), ("    sources:\n", 10)],
)
def test_an_item_with_no_source(kb: Path, new: str, line: int) -> None:
    write(
        kb,
        a_yaml=edit(
            ITEM,
            "    sources: [https://aws.amazon.com/compliance/shared-responsibility-model/]\n",
            new,
        ),
    )
    assert problems() == [f"kb/a.yaml:{line}: item has no source"]


def test_an_item_with_no_quiz_question(kb: Path) -> None:
    without_quiz = OTHER_ITEM.split("    quiz:\n")[0]
    write(
        kb,
        a_yaml=without_quiz,
        b_yaml=without_quiz.replace("hypervisor", "host") + "    quiz: []\n",
    )
    assert problems() == [
        "kb/a.yaml:2: item has no quiz question",
        "kb/b.yaml:9: item has no quiz question",
    ]


def test_a_quiz_answer_must_be_among_the_choices(kb: Path) -> None:
    text = edit(ITEM, "answer: customer", "answer: you")
    text += (
        "      - question: What does AWS patch on RDS?\n"
        "        choices: [The DB engine, Your schema]\n"
        "        answer: the db engine\n"
        "        explanation: AWS patches the engine.\n"
    )
    write(kb, a_yaml=text)
    assert problems() == [
        "kb/a.yaml:13: answer 'you' is not among the choices (aws, customer, shared)",
        "kb/a.yaml:17: answer 'the db engine' is not among the choices "
        "(The DB engine, Your schema)",
    ]


def test_duplicate_choices(kb: Path) -> None:
    write(
        kb,
        a_yaml=edit(
            ITEM,
            "        answer: customer\n",
            "        choices: [AWS, You, aws]\n        answer: You\n",
        ),
    )
    assert problems() == ["kb/a.yaml:13: duplicate choice 'aws'"]


@pytest.mark.parametrize("choices", ["[customer]", "[]"])
def test_fewer_than_two_choices(kb: Path, choices: str) -> None:
    write(
        kb,
        a_yaml=edit(
            ITEM,
            "        answer: customer\n",
            f"        choices: {choices}\n        answer: customer\n",
        ),
    )
    expected = ["kb/a.yaml:13: a quiz question needs at least 2 choices"]
    if choices == "[]":
        expected.append(
            "kb/a.yaml:14: answer 'customer' is not among the choices ()",
        )
    assert problems() == expected


def test_quiz_questions_need_question_answer_and_explanation(kb: Path) -> None:
    write(kb, a_yaml=edit(ITEM, "        answer: customer\n", "        anwser: customer\n"))
    assert problems() == [
        "kb/a.yaml:12: missing key 'answer'",
        "kb/a.yaml:13: unknown key 'anwser' (did you mean 'answer'?)",
    ]


def test_a_quiz_question_must_be_a_mapping(kb: Path) -> None:
    write(kb, a_yaml=ITEM + "      - Who patches it?\n")
    assert problems() == ["kb/a.yaml:15: each quiz question must be a mapping, not a string"]


def test_services_need_sources_and_a_stack(kb: Path) -> None:
    services = edit(
        SERVICES,
        "    sources: [https://docs.aws.amazon.com/rds/]\n"
        "    stack:\n      - {layer: Database engine, owner: aws}\n",
        "    stack: []\n",
    )
    write(kb, a_yaml=OTHER_ITEM, services_yaml=services)
    assert problems() == [
        "kb/services/core.yaml:9: service has no source",
        "kb/services/core.yaml:12: service has no stack layers",
    ]


def test_stack_layers_are_checked(kb: Path) -> None:
    services = edit(
        SERVICES,
        "{layer: Database engine, owner: aws}",
        "{name: Database engine, owner: aws, note: ''}",
    )
    write(kb, a_yaml=OTHER_ITEM, services_yaml=services)
    assert problems() == [
        "kb/services/core.yaml:14: unknown key 'name' (expected layer, owner or note)",
        "kb/services/core.yaml:14: missing key 'layer'",
        "kb/services/core.yaml:14: 'note' must not be empty",
    ]


def test_every_problem_is_collected_in_file_and_line_order(kb: Path) -> None:
    text = edit(ITEM, "owner: customer", "owner: nobody")
    text = edit(text, "category: compute", "category: nowhere")
    write(kb, b_yaml=text, a_yaml=edit(OTHER_ITEM, "answer: aws", "answer: amazon"))
    assert problems() == [
        "kb/a.yaml:11: answer 'amazon' is not among the choices (aws, customer, shared)",
        "kb/b.yaml:4: unknown owner 'nobody' (expected aws, customer or shared)",
        "kb/b.yaml:5: unknown category 'nowhere' (expected physical, infrastructure, network, "
        "compute, storage, database, containers, serverless, identity, data, encryption, "
        "application, logging, compliance or controls)",
    ]


def test_a_folder_with_no_items(kb: Path) -> None:
    assert problems() == ["kb: no items found (no *.yaml with items:)"]


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        load(tmp_path / "nowhere")


# ---- reporting


def test_problem_text() -> None:
    assert str(Problem("kb/a.yaml", 3, "bad")) == "kb/a.yaml:3: bad"
    assert str(Problem("kb", 0, "empty")) == "kb: empty"
    assert (
        format_problems([Problem("a", 1, "x"), Problem("b", 2, "y")])
        == "a:1: x\nb:2: y\n2 problems"
    )
    assert format_problems([Problem("a", 1, "x")]).endswith("\n1 problem")


def test_load_or_exit_prints_every_problem_and_exits(
    kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(kb, a_yaml=edit(ITEM, "owner: customer", "owner: me"))
    with pytest.raises(SystemExit) as exited:
        load_or_exit("kb")
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "ofin: the knowledge base has problems:",
        "kb/a.yaml:4: unknown owner 'me' (expected aws, customer or shared)",
        "1 problem",
    ]


def test_load_or_exit_on_a_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        load_or_exit(tmp_path / "nowhere")
    assert exited.value.code == 1
    assert "cannot load the knowledge base: no such file or folder" in capsys.readouterr().err


def test_load_or_exit_returns_a_valid_knowledge_base() -> None:
    assert len(load_or_exit(FIXTURES / "kb_valid").items) == 3


def test_the_export_does_not_depend_on_where_the_files_are(tmp_path: Path) -> None:
    copy = shutil.copytree(FIXTURES / "kb_valid", tmp_path / "copy")
    assert load(copy).to_dict() == load(FIXTURES / "kb_valid").to_dict()
