"""The console's text for quiz results."""

from __future__ import annotations

from bot.quiz.scores import Stats
from bot.terminal.console_quiz import stats_lines, stats_text


def test_stats_text_lists_the_record():
    record = Stats("U1", 4, 3, 27, 2, 3, 1, (("identity", 2, 1),))
    assert stats_lines(record)[0] == "Answered: 4 (3 daily, 1 practice)"
    text = stats_text(record, session=None)  # type: ignore[arg-type]
    assert text.startswith("Your quiz record:\n  Answered: 4")
    assert "  Streak: 2 daily quizzes in a row" in text and text.endswith("identity (1/2)")
    assert "no answers yet" in stats_text(Stats("U2", 0, 0, 0, 0, 0, 0, ()), session=None)  # type: ignore[arg-type]
