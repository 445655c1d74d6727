"""Quiz Block Kit builders as plain dicts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.kb.loader import OWNERS
from bot.kb.model import QuizQuestion
from bot.slack.blocks import quiz as qb

OWNER_Q = QuizQuestion(
    "i#1", "i", "Who patches <!channel> EC2?", OWNERS, "customer", "Yours & only."
)
MC_Q = QuizQuestion(
    "j#1", "j", "Which?", ("The DB engine", "x" * 120, "Your users"), "The DB engine", "Engine."
)


def action_ids(message: dict) -> list[str]:
    return [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]


def test_practice_question_has_owner_buttons_and_escapes_text():
    msg = qb.practice_question("p1", OWNER_Q, "everything")
    assert action_ids(msg) == ["ofin_quiz_answer_0", "ofin_quiz_answer_1", "ofin_quiz_answer_2"]
    labels = [
        e["text"]["text"] for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels == [":cloud: AWS", ":bust_in_silhouette: You", ":handshake: Shared"]
    values = [e["value"] for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert values == ["p1:0", "p1:1", "p1:2"]
    assert "<!channel>" not in json.dumps(msg) and "&lt;!channel&gt;" in json.dumps(msg)
    assert all(qb.PRACTICE_ACTION.match(a) for a in action_ids(msg))


def test_multiple_choice_buttons_are_clipped_to_slacks_limit():
    msg = qb.practice_question("p2", MC_Q, "database")
    by_index = {
        int(e["value"].rsplit(":", 1)[1]): e["text"]["text"]
        for b in msg["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert by_index[0] == "The DB engine" and len(by_index[1]) == qb.MAX_BUTTON_TEXT
    assert "database" in json.dumps(msg)


def test_multiple_choice_buttons_are_shuffled_but_values_keep_the_choice():
    orders = set()
    for prompt in ("p1", "p2", "p3", "p4", "p5", "p6"):
        msg = qb.practice_question(prompt, MC_Q, "database")
        again = qb.practice_question(prompt, MC_Q, "database")
        assert msg == again  # the same prompt always shows the same order
        buttons = [e for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]]
        order = tuple(int(e["value"].rsplit(":", 1)[1]) for e in buttons)
        assert sorted(order) == [0, 1, 2]
        for button, index in zip(buttons, order, strict=True):
            assert button["text"]["text"] == qb.button_text(MC_Q.choices[index])
        orders.add(order)
    assert len(orders) > 1  # the right answer is not always first


def test_parse_value():
    assert qb.parse_value("abc:2") == ("abc", 2)
    assert qb.parse_value("17:0") == ("17", 0)
    for bad in ("", "abc", "abc:x", ":1", "abc:123", "a b:1", "x" * 65 + ":1"):
        with pytest.raises(ValueError):
            qb.parse_value(bad)


def test_parse_daily_value_takes_bounded_ints_only():
    assert qb.parse_daily_value("17:0") == (17, 0)
    assert qb.parse_daily_value("9" * 15 + ":12") == (int("9" * 15), 12)
    for bad in ("1" * 30 + ":0", "17:" + "9" * 30, "0:1", "-1:0", "17:", "abc:1", "١٧:0", " 17:0"):
        with pytest.raises(ValueError):
            qb.parse_daily_value(bad)


def test_practice_feedback_right_wrong_and_repeat():
    right = qb.practice_feedback(OWNER_Q, "customer", True, ["https://docs.aws.amazon.com/x"])
    text = json.dumps(right)
    assert "Right!" in text and "*You*" in text and "Yours &amp; only." in text
    assert "<https://docs.aws.amazon.com/x|docs.aws.amazon.com>" in text
    assert action_ids(right) == []  # the buttons are gone once answered
    wrong = qb.practice_feedback(OWNER_Q, "aws", False, [], counted=False)
    assert "Not quite" in json.dumps(wrong) and "only your first answer counts" in json.dumps(wrong)


def test_daily_post_live_line_and_deadline():
    deadline = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    msg = qb.daily_post(7, OWNER_Q, 0, deadline)
    assert action_ids(msg) == [f"ofin_daily_answer_{i}" for i in range(3)]
    assert "No answers yet" in json.dumps(msg)
    assert f"<!date^{int(deadline.timestamp())}^" in json.dumps(msg)
    assert "1 person answered so far" in json.dumps(qb.daily_post(7, OWNER_Q, 1, None))
    assert "50 people answered so far" in json.dumps(qb.daily_post(7, OWNER_Q, 50, None))


def test_daily_reveal_shows_answer_share_and_first_right():
    msg = qb.daily_reveal(OWNER_Q, 4, 75, ["U1", "U2"], ["https://docs.aws.amazon.com/y"])
    text = json.dumps(msg)
    assert action_ids(msg) == []
    assert "*You*" in text and "75% got it right" in text and "<@U1>, <@U2>" in text
    assert "Nobody answered" in json.dumps(qb.daily_reveal(OWNER_Q, 0, 0, [], []))
    assert "closed" in json.dumps(qb.daily_reveal(None, 0, 0, [], []))


@pytest.mark.parametrize(
    ("status", "correct", "expected"),
    [
        ("counted", True, "+15 points"),
        ("counted", False, "Not this time"),
        ("duplicate", True, "already answered"),
        ("closed", False, "closed"),
    ],
)
def test_daily_answer_feedback(status, correct, expected):
    msg = qb.daily_answer_feedback(OWNER_Q, status, correct, 15, "customer")
    assert expected in json.dumps(msg)


def test_leaderboard_marks_the_caller_and_their_row_below_the_top():
    rows = [
        {"rank": i + 1, "user_id": f"U{i}", "points": 20 - i, "correct": 2, "answered": 2}
        for i in range(3)
    ]
    me = {"rank": 14, "user_id": "UME", "points": 1, "correct": 0, "answered": 1}
    text = qb.leaderboard(rows, me, "UME", "week", "C1")["blocks"][0]["text"]["text"]
    assert "<#C1>" in text and "this week" in text
    assert text.index("<@U0>") < text.index("<@U2>") < text.index("…") < text.index("<@UME>")
    assert "14. <@UME>" in text and "← you" in text
    assert ":first_place_medal: <@U0>" in text
    empty = qb.leaderboard([], None, "UME", "all", None)
    assert "No daily quiz answers yet" in json.dumps(empty) and "all channels" in json.dumps(empty)


def test_team_board_and_stats():
    rows = [{"rank": 1, "channel_id": "C1", "accuracy": 90, "participation": 3.5, "players": 4}]
    text = json.dumps(qb.team_board(rows, "month"))
    assert "<#C1>" in text and "90% right" in text and "3.5 answers per quiz" in text
    stats = qb.stats_message(["Answered: 3", "Accuracy: <100%>"])
    assert "Accuracy: &lt;100%&gt;" in json.dumps(stats)


def test_stats_lines_name_the_weakest_categories():
    from bot.quiz.scores import Stats, stats_lines

    record = Stats("U1", 4, 3, 27, 1, 3, 1, (("identity", 2, 1),))
    lines = stats_lines(record)
    assert lines[1] == "Accuracy: 75%" and "1 daily quiz in a row" in lines[3]
    assert lines[-1] == "Weakest: identity (1/2)"
    assert stats_lines(Stats("U2", 0, 0, 0, 0, 0, 0, ()))[1] == "Accuracy: no answers yet"


def test_daily_status_text_says_when_and_what_is_open():
    from datetime import timedelta

    from bot.quiz.daily import DailyStatus, OpenQuiz
    from bot.quiz.schedule import parse_rule

    rule = parse_rule("10:30 Europe/Paris tue,thu")
    when = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    status = DailyStatus(
        "C1",
        rule,
        when,
        (OpenQuiz(2, when + timedelta(hours=4)), OpenQuiz(0, None)),
        ("x", None),
        4,
    )
    assert qb.daily_status_text(status).split("\n") == [
        "Daily quiz: on, 10:30 Europe/Paris, tue,thu.",
        "Next post: Tue 03 Mar 10:30 (Europe/Paris).",
        "Open quiz: 2 answered so far; closes Tue 03 Mar 14:30 (Europe/Paris).",
        "Open quiz: 0 answered so far; closes ?.",
        "A quiz is waiting to reach Slack (Slack said: x); I keep trying.",
        "A quiz is waiting to reach Slack; I keep trying.",
        "Answers are revealed after 4 hours or at the next post.",
    ]
    off = qb.daily_status_text(DailyStatus("C1", None, None, (), (), None))
    assert off == (
        "Daily quiz: off. Turn it on with `daily on [HH:MM] [time zone] [weekdays]`.\n"
        "Answers are revealed when the next quiz posts."
    )
