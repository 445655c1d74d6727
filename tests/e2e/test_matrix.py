"""/ofin matrix over real HTTP: the matrix within 3 s, Download through files_upload_v2."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid

from tests.e2e.harness import FakeSlack, SlackSender


def rid() -> str:
    return uuid.uuid4().hex[:10]


def command(sender: SlackSender, slack: FakeSlack, text: str, user_id: str = "UMATRIX") -> dict:
    r = rid()
    resp = sender.command(text, user_id=user_id, response_url=slack.response_url(r))
    assert resp.status_code == 200
    return slack.wait_for(f"response:{r}")[0].body


def buttons(body: dict) -> dict[str, dict]:
    return {
        e["action_id"]: e
        for b in body.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_matrix_answers_within_three_seconds_with_a_section_per_area(sender, slack):
    started = time.monotonic()
    body = command(sender, slack, "matrix ec2 rds")
    assert time.monotonic() - started < 3.0
    assert body["response_type"] == "ephemeral"
    blocks = body["blocks"]
    assert blocks[0]["text"]["text"] == "Responsibility matrix: EC2, RDS"
    areas = {b["text"]["text"]: b for b in blocks if b["type"] == "section" and "fields" in b}
    assert len(areas) == 10
    patching = areas["*OS, runtime and engine patching*"]["fields"]
    assert patching[0]["text"].startswith("*EC2* :bust_in_silhouette: You")
    assert patching[1]["text"].startswith("*RDS* :cloud: AWS")
    text = json.dumps(blocks, ensure_ascii=False)
    assert "Patching the guest operating system — EC2" in text
    assert "ofin_matrix_download" in buttons(body)


def test_an_unknown_service_gets_did_you_mean(sender, slack):
    body = command(sender, slack, "matrix ec2 sqsq")
    text = json.dumps(body, ensure_ascii=False)
    assert "sqsq" in text and "Did you mean `sqs`?" in text
    assert "blocks" in body and len(body["blocks"]) == 1


def test_download_uploads_csv_and_markdown_into_the_dm(sender, slack):
    body = command(sender, slack, "matrix lambda s3", user_id="UDOWN")
    button = buttons(body)["ofin_matrix_download"]
    r = rid()
    resp = sender.action(
        button["action_id"], button["value"], user_id="UDOWN", response_url=slack.response_url(r)
    )
    assert resp.status_code == 200
    note = slack.wait_for(f"response:{r}")[0].body
    assert "Sent to our DM" in json.dumps(note)
    assert slack.calls("conversations.open")[-1].body["users"] == "UDOWN"
    urls = slack.calls("files.getUploadURLExternal")
    assert sorted(c.body["filename"] for c in urls) == [
        "ofin-matrix-lambda-s3.csv",
        "ofin-matrix-lambda-s3.md",
    ]
    complete = slack.wait_for("files.completeUploadExternal")[0]
    assert complete.body["channel_id"] == "DUDOWN"
    contents = [c.body["content"] for c in slack.uploads()]
    table = next(c for c in contents if c.startswith("area,service,responsible"))
    rows = list(csv.reader(io.StringIO(table)))
    assert len(rows) == 1 + 10 * 2
    markdown = next(c for c in contents if c.startswith("# Responsibility matrix"))
    assert "| OS, runtime and engine patching | AWS | AWS |" in markdown
