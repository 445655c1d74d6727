"""Command results -> Slack messages, and the renderer registry."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.answer.answer import Answer
from bot.commands.results import AnswerResult, StackResult, UnknownServiceResult
from bot.kb.loader import load
from bot.slack import render
from bot.slack.render import Where


@pytest.fixture(scope="module")
def kb():
    return load()


def test_answered_result_is_a_card_shareable_only_when_ephemeral(kb):
    item = kb.item("guest-os-patching")
    answer = Answer(
        "who patches ec2?", "customer", item, 95, kb.service("ec2"), (), note=item.note_for("ec2")
    )
    private = render.render(AnswerResult(answer), Where(ephemeral=True))
    public = render.render(AnswerResult(answer), Where(ephemeral=False, surface="mention"))
    assert "ofin_share" in str(private["blocks"])
    assert "ofin_share" not in str(public["blocks"])
    assert item.title in private["text"]


def test_declined_result_with_suggestions_is_did_you_mean(kb):
    suggestion = kb.item("hypervisor")
    answer = Answer("hypervisr?", None, None, 50, None, (suggestion,), declined_because="unsure")
    message = render.render(AnswerResult(answer), Where(ephemeral=True))
    assert suggestion.title in str(message["blocks"])
    assert "ofin_suggest_1" in str(message["blocks"])


def test_card_data_carries_the_first_source(kb):
    item = kb.item("hypervisor")
    data = render.card_data(Answer("q", "aws", item, 88, None, ()))
    assert data["source"] == item.sources[0]
    assert data["service_id"] is None and data["owner"] == "aws" and data["confidence"] == 88


def test_stack_and_unknown_service(kb):
    message = render.render(StackResult(kb.service("lambda")), Where(ephemeral=True))
    assert "AWS Lambda" in message["text"]
    unknown = render.render(UnknownServiceResult("zz", (kb.service("ec2"),)), Where(ephemeral=True))
    assert "`ec2`" in unknown["blocks"][0]["text"]["text"]


def test_unregistered_result_falls_back_to_to_text_then_fails_loudly():
    @dataclass
    class WithText:
        def to_text(self) -> str:
            return "hello <!here>"

    @dataclass
    class Bare:
        pass

    assert render.render(WithText(), Where(ephemeral=True))["text"] == "hello &lt;!here&gt;"
    with pytest.raises(TypeError, match="Bare"):
        render.render(Bare(), Where(ephemeral=True))


def test_a_renderer_in_the_table_wins_and_subclasses_inherit_it(monkeypatch):
    @dataclass
    class Base:
        n: int

    class Child(Base):
        pass

    def _base(result, where):
        return {"text": f"n={result.n} {where.surface}", "blocks": []}

    monkeypatch.setitem(render.RENDERERS, Base, _base)
    assert render.render(Child(3), Where(ephemeral=False, surface="dm"))["text"] == "n=3 dm"
