"""The practice quiz, App Home and the scores export over real HTTP and a real process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import uuid

from bot.kb.loader import load
from tests.e2e.harness import FakeSlack, OfinProcess, SlackSender, db_rows
from tests.e2e.harness.bot_process import clean_env
from tests.e2e.harness.slack_requests import FORM, block_actions_body

QUESTIONS = {q.id: q for q in load().quiz_questions}


def rid() -> str:
    return uuid.uuid4().hex[:10]


def practice_buttons(body: dict) -> list[dict]:
    return [
        e
        for b in body["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("ofin_quiz_answer_")
    ]


def test_practice_quiz_click_shows_result_and_logs_once(
    ofin: OfinProcess, sender: SlackSender, slack: FakeSlack
):
    user = f"UPR{rid().upper()}"
    r = rid()
    sender.command("quiz s3", user_id=user, response_url=slack.response_url(r))
    asked = slack.wait_for(f"response:{r}")[0].body
    assert asked["response_type"] == "ephemeral"  # only the asker sees it
    buttons = practice_buttons(asked)
    assert buttons
    prompt_id = buttons[0]["value"].rsplit(":", 1)[0]
    question_id = db_rows(
        ofin.db_path, "SELECT question_id FROM practice_prompts WHERE id = ?", (prompt_id,)
    )[0][0]
    q = QUESTIONS[question_id]
    right = q.choices.index(q.answer)

    click = f"pc-{rid()}"
    value = f"{prompt_id}:{right}"
    for _ in range(3):  # a triple click: three requests from Slack, each with its own trigger_id
        body = block_actions_body(
            f"ofin_quiz_answer_{right}", value, user_id=user, response_url=slack.response_url(click)
        )
        assert sender.post(body, FORM).status_code == 200
    replies = slack.wait_for(f"response:{click}", count=3)
    slack.settle(quiet=0.3)
    first = json.dumps(replies[0].body, ensure_ascii=False)
    assert replies[0].body.get("replace_original") is True
    assert "Right!" in first or "Already answered" in first
    assert all("Right!" in json.dumps(c.body) for c in replies)
    assert any("only your first answer counts" in json.dumps(c.body) for c in replies)
    rows = db_rows(
        ofin.db_path,
        "SELECT correct FROM practice_prompts WHERE user_id = ? AND answered_at IS NOT NULL",
        (user,),
    )
    assert rows == [(1,)]
    reviews = db_rows(
        ofin.db_path, "SELECT box, times_answered FROM reviews WHERE user_id = ?", (user,)
    )
    assert reviews == [(2, 1)]


def test_app_home_shows_the_persons_quiz_record(
    ofin: OfinProcess, sender: SlackSender, slack: FakeSlack
):
    user = f"UHM{rid().upper()}"
    sender.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    view = slack.wait_for("views.publish")[-1].body["view"]
    text = json.dumps(view, ensure_ascii=False)
    assert "Your quiz record" in text and "Accuracy" in text and "Teams" in text


def test_scores_export_prints_one_csv_row_per_answer(
    ofin: OfinProcess, sender: SlackSender, slack: FakeSlack
):
    user = f"UEX{rid().upper()}"
    r = rid()
    sender.command("quiz", user_id=user, response_url=slack.response_url(r))
    prompt_id = practice_buttons(slack.wait_for(f"response:{r}")[0].body)[0]["value"]
    click = f"ex-{rid()}"
    body = block_actions_body(
        "ofin_quiz_answer_0", prompt_id, user_id=user, response_url=slack.response_url(click)
    )
    sender.post(body, FORM)
    slack.wait_for(f"response:{click}")
    out = subprocess.run(
        [sys.executable, "-m", "bot", "scores", "export", "--csv"],
        cwd=ofin.cwd,
        env=clean_env({"OFIN_DB": str(ofin.db_path)}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    total = (
        db_rows(ofin.db_path, "SELECT COUNT(*) FROM answers")[0][0]
        + db_rows(
            ofin.db_path, "SELECT COUNT(*) FROM practice_prompts WHERE answered_at IS NOT NULL"
        )[0][0]
    )
    assert len(rows) == total
    mine = [row for row in rows if row["user_id"] == user]
    assert len(mine) == 1 and mine[0]["kind"] == "practice"
