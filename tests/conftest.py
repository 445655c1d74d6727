"""Fixtures shared by the unit tests (the end-to-end ones have their own, tests/e2e/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.kb.model import Item, KnowledgeBase, QuizQuestion, Service
from bot.kb.owners import OWNERS
from tests.store.pg_server import pg_server


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """One throwaway PostgreSQL server for the session (tests/store/pg_server.py); each test
    that needs a database makes its own there (``fresh_database``)."""
    yield from pg_server()


def small_kb(n_items: int = 6) -> KnowledgeBase:
    """A small knowledge base: items alternate categories; one service question about S3."""
    items = []
    categories = ("compute", "identity", "storage")
    for i in range(n_items):
        item_id = f"item-{i}"
        owner = OWNERS[i % 3]
        quiz = (
            QuizQuestion(
                id=f"{item_id}#1",
                item_id=item_id,
                question=f"Who owns thing {i}?",
                choices=OWNERS,
                answer=owner,
                explanation=f"Thing {i} belongs to {owner}.",
                service="s3" if i == 2 else None,
            ),
        )
        items.append(
            Item(
                id=item_id,
                title=f"Thing {i}",
                owner=owner,
                category=categories[i % 3],
                explanation="x",
                aliases=(),
                sources=(f"https://docs.aws.amazon.com/thing{i}",),
                quiz=quiz,
            )
        )
    mc = QuizQuestion(
        id="item-0#2",
        item_id="item-0",
        question="Which of these does AWS patch on RDS?",
        choices=("The DB engine", "Your SQL schema", "Your DB users"),
        answer="The DB engine",
        explanation="AWS patches the engine.",
        service=None,
    )
    items[0] = Item(**{**items[0].__dict__, "quiz": (*items[0].quiz, mc)})
    services = (
        Service("s3", "Amazon S3", "abstracted", ("simple storage service",), (), ()),
        Service("rds", "Amazon RDS", "container", ("relational database service",), (), ()),
    )
    return KnowledgeBase(tuple(items), services)


@pytest.fixture
def make_kb() -> Callable[..., KnowledgeBase]:
    """``make_kb(n_items=6)``: a small knowledge base for quiz tests (see ``small_kb``)."""
    return small_kb
