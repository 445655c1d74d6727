"""The ``matrix`` subcommand of /ofin and the console: a stack's responsibility matrix.

Slack-free: handlers return dataclasses. Slack renders them in bot/slack/listeners/matrix.py, the
console in bot/console_matrix.py; `python -m bot matrix` (bot/matrix_cli.py) prints them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.commands import Caller, Core, Notice, subcommand
from bot.iac import StackFromTemplate, TemplateError, map_resources, read_template
from bot.matrix import (
    MAX_SERVICES,
    Matrix,
    ServiceNameReader,
    ServiceNames,
    UnknownName,
    build_matrix,
)

USAGE = "matrix <service> <service>…"
EXAMPLE = "matrix ec2 rds lambda s3"
_READER_KEY = "matrix_name_reader"


@dataclass(frozen=True)
class TemplateSummary:
    """What a template held: a one-line summary, and the resource types ofin could not map."""

    summary: str
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatrixResult:
    """A matrix to show, with where it came from and, for a saved stack, who owns each duty."""

    matrix: Matrix
    title: str = "Responsibility matrix"
    owners: dict[str, str] = field(default_factory=dict)  # duty key -> Slack user id
    stack: str | None = None  # the saved stack's name
    can_assign: bool = False  # the caller may pick owners (saved it, or an admin)
    template: TemplateSummary | None = None


@dataclass(frozen=True)
class UnknownServicesResult:
    """Names in the list that are no service ofin knows, each with "did you mean" ids."""

    unknown: tuple[UnknownName, ...]


def name_reader(core: Core) -> ServiceNameReader:
    """The process's service-name reader, built once and kept in ``core.extras``."""
    reader = core.extras.get(_READER_KEY)
    if reader is None:
        reader = core.extras.setdefault(
            _READER_KEY, ServiceNameReader(core.kb, core.matcher.find_service)
        )
    return reader


def names_problem(names: ServiceNames) -> Notice | UnknownServicesResult | None:
    """What is wrong with a list of names (empty, too long, unknown), or None."""
    if names.too_many:
        return Notice(
            f"That is {names.too_many} names; a matrix takes at most {MAX_SERVICES} services. "
            f'List the services of one stack, e.g. "{EXAMPLE}".',
            kind="error",
        )
    if names.unknown:
        return UnknownServicesResult(names.unknown)
    if not names.services:
        return Notice(f'Which services? e.g. "{EXAMPLE}".', kind="error")
    return None


def matrix_for_names(core: Core, text: str) -> MatrixResult | UnknownServicesResult | Notice:
    """The matrix of the services named in ``text``, or why there is none."""
    names = name_reader(core).read(text)
    problem = names_problem(names)
    if problem is not None:
        return problem
    return MatrixResult(build_matrix(core.kb, names.services))


def template_result(kb_core: Core, stack: StackFromTemplate) -> MatrixResult | Notice:
    """The matrix of a template's services, with its summary and unmapped types; or why not."""
    unknown = stack.unknown_labels()
    if not stack.services:
        listed = f": {', '.join(unknown[:10])}" if unknown else ""
        return Notice(
            f"{stack.template.name}: no resource ofin can map to a service "
            f"({len(stack.template.resources)} resources{listed}).",
            kind="error",
        )
    summary = TemplateSummary(stack.summary(), tuple(unknown))
    return MatrixResult(build_matrix(kb_core.kb, stack.services[:MAX_SERVICES]), template=summary)


def matrix_for_template(core: Core, name: str, data: bytes) -> MatrixResult | Notice:
    """The matrix of a template's bytes (CloudFormation, Terraform, plan), or what is wrong."""
    try:
        template = read_template(name, data)
    except TemplateError as exc:
        return Notice(f"I could not read that template. {exc}", kind="error")
    return template_result(core, map_resources(core.kb, template))


def export_matrix(
    core: Core, team_id: str, service_ids: list[str], stack: str | None
) -> MatrixResult | None:
    """The matrix behind a Download button: a saved stack's (with owners), or these services."""
    services = [s for s in (core.kb.service(i) for i in service_ids) if s is not None]
    if not services:
        return None
    return MatrixResult(build_matrix(core.kb, services[:MAX_SERVICES]))


@subcommand(
    "matrix",
    usage=f"{USAGE}",
    help=f'Your stack\'s responsibility matrix and your duties, e.g. "{EXAMPLE}".',
)
def _matrix(core: Core, caller: Caller, args: str) -> MatrixResult | UnknownServicesResult | Notice:
    return matrix_for_names(core, args)
