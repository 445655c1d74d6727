"""/ofin matrix over real HTTP: the matrix within 3 s, Download through files_upload_v2."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.e2e.harness import (
    BOT_USER_ID,
    SIGNING_SECRET,
    TEAM_ID,
    FakeSlack,
    OfinProcess,
    SlackSender,
    db_rows,
    hostile,
)
from tests.e2e.harness.bot_process import clean_env
from tests.e2e.harness.slack_requests import FORM

NOTES = "ofin_matrix_notes"


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


def test_matrix_answers_within_three_seconds_with_a_line_per_area(sender, slack):
    started = time.monotonic()
    body = command(sender, slack, "matrix ec2 rds")
    assert time.monotonic() - started < 3.0
    assert body["response_type"] == "ephemeral"
    blocks = body["blocks"]
    assert blocks[0]["text"]["text"] == "Responsibility matrix: EC2, RDS"
    areas = {
        b["text"]["text"].split("\n")[0]: b
        for b in blocks
        if b["type"] == "section" and b.get("accessory", {}).get("action_id") == NOTES
    }
    assert len(areas) == 10
    patching = areas["*OS, runtime and engine patching*"]["text"]["text"]
    assert patching.endswith(":bust_in_silhouette: You: EC2 · :cloud: AWS: RDS")
    text = json.dumps(blocks, ensure_ascii=False)
    assert "Patching the guest operating system — EC2" in text
    assert "ofin_matrix_download" in buttons(body)


def test_notes_show_one_areas_notes_on_demand_each_once(sender, slack):
    services = "ec2 rds lambda s3 eks dynamodb ecs fargate elastic-beanstalk cloudfront"
    body = command(sender, slack, f"matrix {services}", user_id="UNOTES")
    text = json.dumps(body["blocks"], ensure_ascii=False)
    assert len(text) < 12_000 and len(body["blocks"]) <= 50
    patching = next(
        b
        for b in body["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("*OS, runtime and engine")
    )
    button = patching["accessory"]
    r = rid()
    resp = sender.action(
        button["action_id"], button["value"], user_id="UNOTES", response_url=slack.response_url(r)
    )
    assert resp.status_code == 200
    notes = slack.wait_for(f"response:{r}")[0].body
    assert notes["response_type"] == "ephemeral" and notes["replace_original"] is False
    lines = [line for b in notes["blocks"] for line in b["text"]["text"].split("\n")][1:]
    assert len(lines) == len(set(lines)) >= 2  # each note once
    shown = "\n".join(lines)
    for name in ("EC2", "RDS", "Lambda", "CloudFront"):
        assert name in shown  # every service's note is there, grouped
    assert "|docs>" in shown


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


# --- templates sent to ofin in a DM -----------------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "iac"


def file_shared(sender: SlackSender, slack: FakeSlack, file_id: str, user: str, channel: str):
    event = {
        "type": "file_shared",
        "file_id": file_id,
        "user_id": user,
        "file": {"id": file_id},
        "channel_id": channel,
        "event_ts": f"{time.time():.6f}",
    }
    assert sender.event(event).status_code == 200


def dm_with_file(sender: SlackSender, slack: FakeSlack, file_id: str, user: str, channel: str):
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": channel,
        "user": user,
        "text": "",
        "ts": f"{time.time():.6f}",
        "files": [slack.file_object(file_id)],
    }
    assert sender.event(event).status_code == 200


def posts_to(slack: FakeSlack, channel: str, count: int = 1) -> list[dict]:
    slack.wait_for("chat.postMessage", count=count)
    return [c.body for c in slack.calls("chat.postMessage") if c.body.get("channel") == channel]


def test_a_template_sent_in_a_dm_gets_its_matrix_once(sender, slack):
    file_id = slack.add_file("webapp.yaml", (FIXTURES / "webapp.yaml").read_bytes())
    dm_with_file(sender, slack, file_id, "UTEMPLATE", "DTEMPLATE")
    file_shared(sender, slack, file_id, "UTEMPLATE", "DTEMPLATE")  # the same upload, again
    [post] = posts_to(slack, "DTEMPLATE")
    text = json.dumps(post, ensure_ascii=False)
    assert post["blocks"][0]["text"]["text"].startswith("Responsibility matrix: VPC, ELB, IAM")
    assert "webapp.yaml (CloudFormation): 28 resources → 7 services" in text
    assert "Not in ofin's knowledge yet" not in text  # the load balancer and logs are known now
    download = slack.calls(f"download:{file_id}")
    assert len(download) == 1 and download[0].headers["Authorization"] == "Bearer xoxb-test-token"
    slack.settle(quiet=0.5)
    assert len(posts_to(slack, "DTEMPLATE")) == 1


def test_a_terraform_plan_in_a_dm_gets_its_matrix(sender, slack):
    data = (FIXTURES / "eks_aurora.plan.json").read_bytes()
    file_id = slack.add_file("plan.json", data, filetype="json")
    file_shared(sender, slack, file_id, "UPLAN", "DPLAN")
    [post] = posts_to(slack, "DPLAN")
    assert post["blocks"][0]["text"]["text"] == (
        "Responsibility matrix: VPC, KMS, IAM, CloudWatch, EKS, Aurora"
    )


def test_a_file_over_one_megabyte_is_refused_without_downloading(sender, slack):
    file_id = slack.add_file("huge.yaml", b"Resources: {}\n", size=5 * 1024 * 1024)
    file_shared(sender, slack, file_id, "UHUGE", "DHUGE")
    [post] = posts_to(slack, "DHUGE")
    assert "huge.yaml is 5.0 MB; I read templates up to 1 MB." in json.dumps(post)
    assert slack.calls(f"download:{file_id}") == []


def test_binary_junk_and_broken_templates_get_a_clear_message(sender, slack):
    junk = slack.add_file("photo.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    broken = slack.add_file("main.tf", b'resource "aws_s3_bucket" "b" {\n  bucket = \n}\n')
    file_shared(sender, slack, junk, "UJUNK", "DJUNK")
    file_shared(sender, slack, broken, "UJUNK", "DJUNK2")
    [first] = posts_to(slack, "DJUNK")
    assert "binary file, not a template" in json.dumps(first)
    [second] = posts_to(slack, "DJUNK2", count=2)
    assert "main.tf:2: invalid Terraform: expected a value after '='" in json.dumps(second)
    assert "Traceback" not in json.dumps([first, second])


def test_a_zip_of_a_module_tree_in_a_dm_gets_its_matrix_and_the_modules_not_read(sender, slack):
    folder = FIXTURES / "payments"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"payments/{path.relative_to(folder).as_posix()}")
    file_id = slack.add_file("payments.zip", out.getvalue(), filetype="zip")
    file_shared(sender, slack, file_id, "UZIP", "DZIP")
    [post] = posts_to(slack, "DZIP")
    text = json.dumps(post, ensure_ascii=False)
    assert post["blocks"][0]["text"]["text"].startswith("Responsibility matrix: IAM, Lambda, SQS")
    assert "payments.zip (Terraform): 11 resources → 6 services, 3 modules followed" in text
    assert "module.vpc (terraform-aws-modules/vpc/aws): a registry module" in text
    assert "terraform show -json plan.out &gt; plan.json" in text  # escaped for mrkdwn
    assert "null_resource" in text and "Not in ofin's knowledge yet" not in text


def test_a_file_shared_in_a_channel_is_left_alone(sender, slack):
    file_id = slack.add_file("webapp.yaml", (FIXTURES / "webapp.yaml").read_bytes())
    file_shared(sender, slack, file_id, "UCHAN", "CFILES")
    slack.settle(quiet=0.5)
    assert not [c for c in slack.calls("files.info") if c.body.get("file") == file_id]
    assert slack.calls(f"download:{file_id}") == []
    assert not [c for c in slack.calls("chat.postMessage") if c.body.get("channel") == "CFILES"]


def test_ofins_own_uploads_are_not_read_as_templates(sender, slack):
    file_id = slack.add_file("ofin-matrix-ec2.csv", b"area,service\n")
    file_shared(sender, slack, file_id, BOT_USER_ID, "DOWNLOADS")
    slack.settle(quiet=0.5)
    assert not [c for c in slack.calls("files.info") if c.body.get("file") == file_id]
    assert not [c for c in slack.calls("chat.postMessage") if c.body.get("channel") == "DOWNLOADS"]


# --- saved stacks and owners ------------------------------------------------------------------


def pick_owner(
    sender: SlackSender, slack: FakeSlack, block_id: str, owner: str, user_id: str
) -> dict:
    r = rid()
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0OFIN",
        "token": "deprecated-verification-token",
        "container": {"type": "message", "message_ts": "1.1", "is_ephemeral": True},
        "trigger_id": "trigger.1",
        "team": {"id": TEAM_ID, "domain": "ofin-test"},
        "channel": {"id": "C0GENERAL", "name": "general"},
        "response_url": slack.response_url(r),
        "actions": [
            {
                "type": "users_select",
                "action_id": "ofin_matrix_assign",
                "block_id": block_id,
                "selected_user": owner,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    resp = sender.post(urlencode({"payload": json.dumps(payload)}).encode(), FORM)
    assert resp.status_code == 200
    return slack.wait_for(f"response:{r}")[0].body


def duty_rows(body: dict) -> dict[str, dict]:
    return {
        b["block_id"].rsplit("|", 1)[1]: b
        for b in body["blocks"]
        if b.get("accessory", {}).get("type") == "users_select"
    }


def test_owners_are_kept_per_stack_only_the_saver_or_an_admin_changes_them_and_survive_restart(
    ofin_factory, slack
):
    bot = ofin_factory()
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    saved = command(sender, slack, "matrix save payments ec2 rds lambda", user_id="ULEAD")
    rows = duty_rows(saved)
    assert "patching:guest-os-patching" in rows and len(rows) >= 10
    block_id = rows["patching:guest-os-patching"]["block_id"]

    done = pick_owner(sender, slack, block_id, "UDANA", user_id="ULEAD")
    assert "Owner set for “Patching the guest operating system” in payments." in json.dumps(
        done, ensure_ascii=False
    )
    refused = pick_owner(sender, slack, block_id, "UMALLORY", user_id="UMALLORY")
    assert "Only the person who saved it and ofin admins" in json.dumps(refused)
    resaved = command(sender, slack, "matrix save payments s3", user_id="UMALLORY")
    assert "Only the person who saved it" in json.dumps(resaved)
    admin = pick_owner(
        sender, slack, rows["network:security-groups"]["block_id"], "UOPS", user_id="UADMIN"
    )
    assert "Owner set for" in json.dumps(admin)

    bot.restart()
    sender = SlackSender(bot.events_url, SIGNING_SECRET)
    shown = command(sender, slack, "matrix show payments", user_id="UOTHER")
    assert shown["blocks"][0]["text"]["text"] == "Stack payments: EC2, RDS, Lambda"
    assert duty_rows(shown) == {}  # someone else sees the owners, but no pickers
    text = json.dumps(shown, ensure_ascii=False)
    assert "Patching the guest operating system — EC2 — <@UDANA>" in text
    assert "<@UOPS>" in text and "UMALLORY" not in text
    mine = command(sender, slack, "matrix show payments", user_id="ULEAD")
    assert duty_rows(mine)["patching:guest-os-patching"]["accessory"]["initial_user"] == "UDANA"
    duties = command(sender, slack, "duties", user_id="UDANA")
    assert "Patching the guest operating system — EC2" in json.dumps(duties, ensure_ascii=False)
    assert "*payments*" in json.dumps(duties)

    button = buttons(mine)["ofin_matrix_download"]
    r = rid()
    sender.action(
        button["action_id"], button["value"], user_id="ULEAD", response_url=slack.response_url(r)
    )
    slack.wait_for(f"response:{r}")
    table = next(c.body["content"] for c in slack.uploads() if c.body["content"].startswith("area"))
    rows_csv = list(csv.DictReader(io.StringIO(table)))
    patch = next(r for r in rows_csv if r["duty"] == "patching:guest-os-patching")
    assert patch["duty_owner"] == "UDANA"
    assert db_rows(bot.db_path, "SELECT name, services, saved_by FROM stacks") == [
        ("payments", "ec2,rds,lambda", "ULEAD")
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("matrix", "Which services?"),
        ("matrix " + " ".join(["ec2"] * 200), "That is 200 names"),
        ("matrix save", "Give the stack a name"),
        ("matrix save junk sqsq", "Did you mean"),
        ("matrix save huge " + " ".join(["s3"] * 200), "That is 200 names"),
        ("matrix save x!y ec2", "Give the stack a name"),
        ("matrix show nothing-here", "No stack called nothing-here"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(ofin, sender, slack, text, says):
    body = command(sender, slack, text, user_id="UBADINPUT")
    assert says in json.dumps(body, ensure_ascii=False)
    names = db_rows(ofin.db_path, "SELECT name FROM stacks WHERE saved_by = 'UBADINPUT'")
    assert names == []


# --- hostile templates: bounded before they are parsed ------------------------------------------

HOSTILE = {
    "interpolations.tf": (hostile.interpolations(200_000), "200,000 interpolations"),
    "number.tf": (hostile.big_number(5_000, "tf"), "number.tf:2: a number of more than 100"),
    "number.json": (hostile.big_number(5_000, "json"), "number.json:1: a number of more than"),
    "resources.yaml": (hostile.many_resources(20_000), "20000 resources; ofin reads at most"),
    "deep.tf": (hostile.deep(5_000, "tf"), "deep.tf:2: nested more than"),
}


def rss_mb(bot: OfinProcess) -> float:
    assert bot.proc is not None
    with open(f"/proc/{bot.proc.pid}/status", encoding="ascii") as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_template_gets_one_clear_reply_within_ten_seconds(
    name: str, ofin: OfinProcess, sender, slack
):
    data, says = HOSTILE[name]
    channel = f"DH{rid().upper()}"
    before = rss_mb(ofin)
    started = time.monotonic()
    file_shared(sender, slack, slack.add_file(name, data), "UHOSTILE", channel)
    deadline = started + 10
    while not [c for c in slack.calls("chat.postMessage") if c.body.get("channel") == channel]:
        assert time.monotonic() < deadline, f"no reply to {name} within 10 s"
        time.sleep(0.05)
    slack.settle(quiet=0.3)
    [post] = [c.body for c in slack.calls("chat.postMessage") if c.body.get("channel") == channel]
    assert says in json.dumps(post)
    assert rss_mb(ofin) - before < 100
    assert "Traceback" not in ofin.log()


def test_three_hostile_templates_at_once_each_get_a_reply(ofin: OfinProcess, sender, slack):
    """Three ordinary-looking but slow files: read two at a time, each answered, memory flat."""
    data = hostile.terraform(4_000)  # passes every budget; python-hcl2 needs ~9 s of CPU
    channels = [f"DS{rid().upper()}" for _ in range(3)]
    before = rss_mb(ofin)
    for n, channel in enumerate(channels):
        file_shared(sender, slack, slack.add_file(f"slow{n}.tf", data), "USLOWTF", channel)
    deadline = time.monotonic() + 40
    replies: dict[str, list[str]] = {}
    while time.monotonic() < deadline:
        posts = [c.body for c in slack.calls("chat.postMessage")]
        replies = {ch: [json.dumps(p) for p in posts if p.get("channel") == ch] for ch in channels}
        if all(any("took more than" in r for r in rs) for rs in replies.values()):
            break
        time.sleep(0.2)
    assert all(any("took more than" in r for r in rs) for rs in replies.values()), replies
    queued = [ch for ch, rs in replies.items() if any("reading other templates" in r for r in rs)]
    assert len(queued) == 1, replies
    assert rss_mb(ofin) - before < 100


def test_the_cli_says_what_is_wrong_with_a_hostile_template_in_one_line(tmp_path):
    path = tmp_path / "number.json"
    path.write_bytes(hostile.big_number(5_000, "json"))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "matrix", "--from", str(path)],
        cwd=tmp_path,
        env=clean_env({}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "ofin: number.json:1: a number of more than 100 digits: not a template value"
    ]
