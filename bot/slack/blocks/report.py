"""Pure Block Kit builders for the training report (dict in, dict out; no Slack calls)."""

from __future__ import annotations

import json

from bot.slack.blocks.common import button, escape

MAX_SECTION = 2900  # Slack allows 3000 characters in a section's text
MAX_PEOPLE = 60  # lines of people shown; the Download has everyone
MAX_SILENT = 60
ACTION_DOWNLOAD = "ofin_report_download"  # bot/slack/listeners/report.py listens for it


def encode_download(period_label: str, channel_id: str | None) -> str:
    """The Download button's value: the period and the channel, nothing about people."""
    return json.dumps({"p": period_label, "c": channel_id}, separators=(",", ":"))


def decode_download(value: str) -> tuple[str, str | None]:
    """(period label, channel id or None) from a Download value; ValueError when not ours."""
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError("not a report download value")
    data = json.loads(value)
    if not isinstance(data, dict) or not isinstance(data.get("p"), str):
        raise ValueError("not a report download value")
    channel = data.get("c")
    if channel is not None and not (isinstance(channel, str) and channel.isalnum()):
        raise ValueError("not a report download value (channel)")
    return data["p"], channel


def download_block(period_label: str, channel_id: str | None) -> dict:
    """The actions block with the Download button (full report to the clicker's DM)."""
    return {
        "type": "actions",
        "block_id": "ofin_report_actions",
        "elements": [
            button(
                "Download full report (HTML + CSV)",
                ACTION_DOWNLOAD,
                encode_download(period_label, channel_id),
                style="primary",
            )
        ],
    }


def _pct(value: int | None) -> str:
    return "—" if value is None else f"{value}%"


def _chunks(title: str, lines: list[str]) -> list[dict]:
    """Sections holding ``lines`` under a bold title, split to stay within Slack's limits."""
    blocks: list[dict] = []
    current = f"*{title}*"
    for line in lines:
        if len(current) + len(line) + 1 > MAX_SECTION:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": current}})
            current = line
        else:
            current += "\n" + line
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": current}})
    return blocks


def report_message(report: dict) -> dict:
    """The report as an ephemeral message (``report`` is Report.to_dict())."""
    period = report["period"]
    label = period["label"]
    scope = f"<#{report['channel_id']}>" if report["channel_id"] else "all channels"
    totals = report["totals"]
    silent = report["no_answers"]
    blocks: list[dict] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Training report {label}"[:150]},
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"{scope} · {period['start'][:10]} to {period['end'][:10]} (UTC, "
                    f"end excluded) · generated {report['generated_at'][:16].replace('T', ' ')}"
                    " UTC",
                }
            ],
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*People who answered*\n{totals['people']}"},
                {"type": "mrkdwn", "text": f"*Answered nothing*\n{len(silent)}"},
                {"type": "mrkdwn", "text": f"*Answers*\n{totals['answered']}"},
                {"type": "mrkdwn", "text": f"*Accuracy*\n{_pct(totals['accuracy'])}"},
            ],
        },
        {"type": "divider"},
    ]
    category_lines = [
        f"• `{c['category']}` {_pct(c['accuracy'])} right · {c['answered']} answers · "
        f"{c['people']} {'person' if c['people'] == 1 else 'people'}"
        for c in report["categories"]
    ]
    blocks += _chunks("By category", category_lines)
    people = report["people"]
    person_lines = [
        f"• <@{p['user_id']}> {p['answered']} answered ({p['daily_answered']} daily) · "
        f"{_pct(p['accuracy'])} · {p['categories_covered']}/{report['categories_total']} "
        f"categories · streak {p['current_streak']} · last {(p['last_activity'] or '')[:10]}"
        for p in people[:MAX_PEOPLE]
    ]
    if len(people) > MAX_PEOPLE:
        person_lines.append(
            f"… and {len(people) - MAX_PEOPLE} more: *Download* sends everyone, with names."
        )
    blocks += _chunks("People", person_lines or ["Nobody answered in this period."])
    if silent:
        names = ", ".join(f"<@{u}>" for u in silent[:MAX_SILENT])
        more = f" … and {len(silent) - MAX_SILENT} more" if len(silent) > MAX_SILENT else ""
        source = (
            "members of the channel"
            if report["no_answers_from"] == "slack"
            else "people ofin has seen"
        )
        blocks += _chunks(f"Answered nothing ({source})", [names + more])
    recall = report.get("recall") or []
    if recall:
        lines = [
            f"• `{r['question_id']}` in <#{r['channel_id']}>: asked again after "
            f"{r['asked_again_after_days']} days: {r['accuracy_then']}% → {r['accuracy_now']}%"
            for r in recall[:10]
        ]
        blocks += _chunks("Recall (questions asked again)", lines)
    forgotten = report["forgotten_people"]
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": escape(
                        f"Computed from the stored answers just now. {forgotten} "
                        f"{'person' if forgotten == 1 else 'people'} asked to be forgotten. "
                        "Download: the printable HTML page and CSV (per person, per answer), "
                        "with names, in your DM."
                    ),
                }
            ],
        }
    )
    text = (
        f"Training report {label}: {totals['people']} people answered {totals['answered']} "
        f"questions ({_pct(totals['accuracy'])} right); {len(silent)} answered nothing."
    )
    blocks = blocks[:48]
    blocks.append(download_block(label, report["channel_id"]))
    return {"text": text, "blocks": blocks}
