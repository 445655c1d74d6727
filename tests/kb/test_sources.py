"""Which page an answer cites: the asked service's own guide when the item has one."""

from __future__ import annotations

from bot.answer.matcher import Matcher
from bot.kb.loader import load
from bot.terminal.text import answer_text


def test_an_item_cites_the_asked_services_own_guide() -> None:
    kb = load()
    item = kb.item("database-engine-patching")
    neptune, rds = kb.service("neptune"), kb.service("rds")
    assert item is not None and neptune is not None and rds is not None
    assert len(item.sources) > 2, "the item cites several services' guides"
    assert "/neptune/" in (item.source_for(neptune) or "")
    assert "/AmazonRDS/" in (item.source_for(rds) or "")
    assert item.source_for(None) == item.sources[0]


def test_the_console_answer_cites_one_page() -> None:
    answer = Matcher(load()).ask("who applies neptune engine patches?")
    assert answer.owner == "aws" and answer.service and answer.service.id == "neptune"
    sources = [line for line in answer_text(answer).splitlines() if line.startswith("Source:")]
    assert len(sources) == 1 and "/neptune/" in sources[0], sources
