"""`python -m bot doctor`: every check an operator would run by hand, one line each.

Settings, the knowledge base, the model, its fitted weights, the database, and with a bot
token set, Slack itself.
Each line is ``✓ name: what was found`` or ``✗ name: what is wrong (fix: what to do)``; exit
status 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import sys

from bot.ops.doctor import (
    Check,
    check_database,
    check_knowledge,
    check_model,
    check_postgres,
    check_settings,
    check_weights,
)


def run_checks() -> list[Check]:
    """Every check, in the order a start needs them."""
    settings_check, settings = check_settings()
    checks = [settings_check]
    checks.append(check_knowledge()[0])
    checks.append(check_model())
    checks.append(check_weights())
    if settings is None:
        return checks
    if settings.database_url:
        database, channels = check_postgres(settings.database_url)
    else:
        database, channels = check_database(settings.db_path)
    checks.append(database)
    if settings.bot_token:
        from bot.slack.doctor import slack_checks

        checks += slack_checks(settings, channels)
    elif settings.oauth:
        why = "OAuth installs: each workspace's token is checked when it installs ofin"
        checks.append(Check("slack", True, why, skipped=True))
    else:
        checks.append(Check("slack", True, "no SLACK_BOT_TOKEN: not checked", skipped=True))
    return checks


def render(check: Check, ascii_only: bool = False) -> str:
    """One line: the mark, the name, what was found, and the fix when it failed."""
    if check.skipped:
        mark = "-"
    elif check.ok:
        mark = "OK" if ascii_only else "✓"
    else:
        mark = "FAIL" if ascii_only else "✗"
    line = f"{mark} {check.name}: {check.detail}"
    return f"{line} (fix: {check.fix})" if check.fix and not check.ok else line


def run_doctor() -> int:
    """Run every check, print one line each, return 0 when all passed, else 1."""
    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    ascii_only = "utf" not in encoding
    checks = run_checks()
    for check in checks:
        print(render(check, ascii_only))
    failed = [c for c in checks if not c.ok]
    return 1 if failed else 0
