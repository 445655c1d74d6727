"""The ofin command line: one click group; every command's docstring is its --help.

Run as `python -m bot` (bot/__main__.py) or `ofin`. Imports of heavy modules (Slack, SQLite)
happen inside the commands, so that `ask` starts fast.
"""

from __future__ import annotations

import sys

import click


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ofin", prog_name="ofin", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """ofin: whose job is it, the cloud provider's or yours?

    With no command, start the bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise a local
    console that speaks the same commands as /ofin.

    Example:

    \b
        python -m bot                 # start
        python -m bot ask "who patches EC2?"
        python -m bot doctor          # is everything in place?
    """
    if ctx.invoked_subcommand is None:
        sys.exit(start())


def start() -> int:
    """``python -m bot``: Socket Mode when SLACK_APP_TOKEN is set, else the local console."""
    from bot.answer.e5_encoder import missing_model_problem
    from bot.slack.socket_mode import missing_for_socket_mode, run_socket_mode
    from bot.terminal.console import run_console
    from bot.wiring import prepare

    prepared = prepare()
    if isinstance(prepared, int):
        return prepared
    settings, kb = prepared
    problem = missing_for_socket_mode(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if not settings.has_slack_tokens:
        return run_console(prepared=(settings, kb))
    model_problem = missing_model_problem()
    if model_problem:  # never serve a team a silently worse engine
        print(model_problem, file=sys.stderr)
        return 2
    return run_socket_mode(settings, kb)


@cli.command()
@click.argument("words", nargs=-1, metavar="QUESTION")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per question.")
def ask(words: tuple[str, ...], as_json: bool) -> None:
    """Answer QUESTION (quotes optional); with "-", answer each line of standard input.

    Example:

    \b
        python -m bot ask "who patches the guest OS on EC2?"
        printf 'who encrypts S3?\\n' | python -m bot ask --json -
    """
    from bot.terminal.ask import run_ask

    sys.exit(run_ask(" ".join(words) or None, as_json=as_json))


@cli.group()
def kb() -> None:
    """Validate or export the knowledge base."""


@kb.command("check")
@click.argument("path", required=False, type=click.Path())
def kb_check(path: str | None) -> None:
    """Validate the knowledge base at PATH (default: knowledge/); list every problem as file:line.

    Example:

    \b
        python -m bot kb check
        python -m bot kb check my-knowledge/
    """
    from bot.terminal.kb import run_check

    sys.exit(run_check(path))


@kb.command("export")
@click.argument("path", required=False, type=click.Path())
def kb_export(path: str | None) -> None:
    """Print the whole validated knowledge base as one JSON document.

    Example:

    \b
        python -m bot kb export > kb.json
    """
    from bot.terminal.kb import run_export

    sys.exit(run_export(path))


@cli.command()
@click.argument("services", nargs=-1, metavar="[SERVICE]...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "markdown", "json"]),
    default="table",
    show_default=True,
    help="table: aligned text; csv: one row per cell; markdown: table, checklist and notes; "
    "json: the matrix, and with --from what was read (types mapped and not, modules).",
)
@click.option("--notes", is_flag=True, help="With the table: every cell's note and source.")
@click.option(
    "--from",
    "template",
    metavar="FILE|DIR",
    help="A CloudFormation template (YAML/JSON), Terraform *.tf, a `terraform show -json` plan, "
    "a zip, or a folder (read as Terraform reads a module, local modules followed).",
)
def matrix(services: tuple[str, ...], fmt: str, notes: bool, template: str | None) -> None:
    """The responsibility matrix of a stack: areas x SERVICEs, then your duties as a checklist.

    Service names take the same aliases and typos as questions ("k8s", "lamda"). With --from,
    the services come from a template's resource types; types ofin cannot map, types that are
    no AWS service and modules it did not read are listed (on standard error, but for the
    table). Templates over 1 MB are refused.

    Example:

    \b
        python -m bot matrix ec2 rds lambda s3
        python -m bot matrix "auto scaling" aurora --format markdown > matrix.md
        python -m bot matrix --from template.yaml
        python -m bot matrix --from infra/live/prod --format json
        terraform show -json plan.out > plan.json && python -m bot matrix --from plan.json
    """
    from bot.terminal.matrix import run_matrix

    sys.exit(run_matrix(" ".join(services), template=template, fmt=fmt, notes=notes))


@cli.command()
def console() -> None:
    """Open the local console: the same commands as /ofin, without Slack.

    Example:

    \b
        python -m bot console
    """
    from bot.terminal.console import run_console

    sys.exit(run_console())


@cli.command()
@click.option("--port", type=int, default=3000, show_default=True, help="Port; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
def serve(port: int, host: str) -> None:
    """Serve the Slack app over HTTP at /slack/events (commands, events, interactivity).

    This is the production server (waitress, bounded against slow or oversized requests;
    see the Procfile). Beside /slack/events: GET /healthz (liveness), /readyz (503 and why when
    the database cannot take writes, the model is missing or a scheduler stalled),
    /healthz/ticks (the schedulers' passes) and /metrics (Prometheus).

    Example:

    \b
        python -m bot serve --port 3000
    """
    from bot.answer.e5_encoder import missing_model_problem
    from bot.slack.serve import run_serve

    problem = missing_model_problem()
    if problem:  # never serve a team a silently worse engine
        print(problem, file=sys.stderr)
        sys.exit(2)
    sys.exit(run_serve(host=host, port=port))


@cli.command()
def doctor() -> None:
    """Check that ofin can run here: one line per check, ✓ or ✗ with the fix.

    Settings, the knowledge base, the answer engine's model and its fitted weights, the database
    (writable, migrated, intact) and, when SLACK_BOT_TOKEN is set, Slack itself at
    SLACK_API_URL: auth.test, the scopes the token really has against manifest.yml's, and the
    bot's membership of every channel with a daily quiz. Nothing is changed. Exit status 0 when
    every check passed, else 1.

    Example:

    \b
        python -m bot doctor
    """
    from bot.terminal.doctor import run_doctor

    sys.exit(run_doctor())


@cli.group()
def db() -> None:
    """Back up, check or move the SQLite database (OFIN_DB); PostgreSQL has its own tools."""


@db.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def db_backup(path: str) -> None:
    """Copy the database to PATH with SQLite's online backup (safe while ofin runs).

    PATH must not exist yet. The copy's integrity is checked before it is called good.
    Exit status 0 when the copy is good, 1 when it failed; 2 with OFIN_DATABASE_URL set: a
    PostgreSQL database is backed up with pg_dump (the message says how), not by ofin.

    Example:

    \b
        python -m bot db backup /backups/ofin-$(date +%F).db
    """
    from bot.terminal.db import run_backup

    sys.exit(run_backup(path))


@db.command("check")
def db_check() -> None:
    """Check the database's integrity (SQLite's own checks) and that its migrations are applied.

    Exit status 0 when all is well, 1 with the problems listed otherwise; 2 with
    OFIN_DATABASE_URL set: PostgreSQL is checked with the server's own tools (pg_amcheck).

    Example:

    \b
        python -m bot db check
    """
    from bot.terminal.db import run_check

    sys.exit(run_check())


@db.command("copy-to-postgres")
@click.argument("url", metavar="URL")
def db_copy_to_postgres(url: str) -> None:
    """Copy every row of the SQLite database (OFIN_DB) into an empty PostgreSQL database at URL.

    Stop ofin first: rows written during the copy are not in it. The file gets any pending
    migrations first (as at a start); the PostgreSQL database gets the same schema, then every
    table's rows with their ids, all in one transaction, and each table's row count is checked
    on both sides before it commits. A database that already holds ofin rows is refused. Then
    set OFIN_DATABASE_URL=URL and start the workers. Exit status 0 when every table was copied,
    1 when nothing was (the reason is printed), 2 when URL is not a PostgreSQL URL.

    Example:

    \b
        python -m bot db copy-to-postgres postgresql://ofin:secret@db.internal:5432/ofin
    """
    from bot.terminal.db import run_copy_to_postgres

    sys.exit(run_copy_to_postgres(url))


@cli.group()
def scores() -> None:
    """Admin tools for quiz scores."""


@scores.command("export")
# CSV is the only format; --csv is accepted so that scripts can say what they expect.
@click.option(
    "--csv", is_flag=True, expose_value=False, help="CSV, one row per answer (the default)."
)
def scores_export() -> None:
    """Print every quiz answer as CSV (one row per answer) to standard output.

    Example:

    \b
        python -m bot scores export --csv > answers.csv
    """
    from bot.terminal.scores import run_export

    sys.exit(run_export())


@cli.command()
@click.option(
    "--period",
    "period_text",
    default="quarter",
    show_default=True,
    help="month, quarter, year (the current one), YYYY-MM, YYYY-Qn or YYYY; UTC boundaries.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "html"]),
    default="csv",
    show_default=True,
    help="csv: one row per person; json: everything; html: a printable page with the chart.",
)
@click.option("--answers", is_flag=True, help="Also list every answer (CSV: one row per answer).")
@click.option("--channel", "channel_id", help="Only this channel's team (a channel id, C…).")
@click.option("--workspace", default="", help="The workspace name printed on the report.")
def report(
    period_text: str, fmt: str, answers: bool, channel_id: str | None, workspace: str
) -> None:
    """Print the training report for a period: evidence of who was trained, on what, how well.

    Per person: answers (daily and practice), accuracy, categories covered, first and last
    activity (UTC), current streak; per category: accuracy and people; who answered nothing.
    People who asked to be forgotten are left out.

    Example:

    \b
        python -m bot report --period 2026-Q4 --format csv > evidence.csv
        python -m bot report --period 2026-11 --format html > evidence.html
        python -m bot report --period 2026-Q4 --format csv --answers > answers.csv
    """
    from bot.terminal.report import run_report

    sys.exit(
        run_report(
            period_text=period_text,
            fmt=fmt,
            answers=answers,
            channel_id=channel_id,
            workspace=workspace,
        )
    )


@cli.group()
def engine() -> None:
    """The answer engine's learned owner model."""


@engine.command("fit")
def engine_fit() -> None:
    """Fit the owner model and head on the training sets in tests/data and write them.

    Learns from the training and regression sets only (matcher_cases*, blind_*, dev_shared_*,
    multilingual_train, train_*), never heldout_*. Cross-validates first (no
    question is scored by a model that learned from it), chooses when to name an owner from those
    scores, then fits on all of them and writes bot/answer/owner_weights.json, owner_head.json and
    owner_neighbours.npz, and the measured floors and reliability in tests/data
    (engine_floors.yaml, engine_reliability.yaml).

    Example:

        python -m bot engine fit
    """
    from bot.terminal.engine_fit import run_fit

    sys.exit(run_fit())
