"""The ``matrix`` subcommand of /ofin and the console: a stack's responsibility matrix.

Slack-free: handlers return dataclasses. Slack renders them in bot/slack/listeners/matrix.py, the
console in bot/terminal/console_matrix.py; `python -m bot matrix` (bot/terminal/matrix.py) prints
them too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.commands.core import Caller, Core, subcommand
from bot.commands.results import Notice
from bot.matrix.iac import StackFromTemplate, TemplateError, map_resources
from bot.matrix.matrix import (
    MAX_SERVICES,
    Duty,
    Matrix,
    ServiceNames,
    UnknownName,
    build_matrix,
)
from bot.matrix.reader import read_isolated
from bot.store import SavedStack

USAGE = "matrix <service> <service>… | matrix save NAME <services…> | matrix show [NAME]"
EXAMPLE = "matrix ec2 rds lambda s3"
SAVE_EXAMPLE = "matrix save payments ec2 rds lambda"
STACK_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@dataclass(frozen=True)
class TemplateSummary:
    """What a template held: a one-line summary, the resource types ofin could not map, those
    that are no AWS service, the modules it did not read, and all of it as data (for JSON)."""

    summary: str
    unknown: tuple[str, ...] = ()
    apart: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    complete_answer: str = ""  # how to see the resources of modules ofin did not read
    data: dict = field(default_factory=dict)

    @classmethod
    def of(cls, stack: StackFromTemplate) -> TemplateSummary:
        """The summary of a template read and mapped."""
        return cls(
            stack.summary(),
            stack.unknown_labels(),
            stack.apart_labels(),
            stack.module_labels(),
            stack.complete_answer,
            stack.to_dict(),
        )

    def lines(self) -> list[str]:
        """The summary, then each list under its heading (plain text; renderers escape it)."""
        lines = [self.summary]
        if self.unknown:
            count = len(self.unknown)
            lines.append(f"Not in ofin's knowledge yet: {count} type{'s' if count != 1 else ''}")
            lines += [f"  {label}" for label in self.unknown]
        if self.apart:
            lines.append("No AWS service, listed apart:")
            lines += [f"  {label}" for label in self.apart]
        if self.modules:
            count = len(self.modules)
            lines.append(f"Not read: {count} module{'s' if count != 1 else ''}")
            lines += [f"  {label}" for label in self.modules]
        if self.complete_answer:
            lines.append(self.complete_answer)
        return lines


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
class DutyRow:
    """One duty a person owns: in which stack, and what."""

    stack: str
    area: str
    text: str


@dataclass(frozen=True)
class DutiesResult:
    """The duties the caller owns in this workspace."""

    user_id: str
    rows: tuple[DutyRow, ...]


@dataclass(frozen=True)
class UnknownServicesResult:
    """Names in the list that are no service ofin knows, each with "did you mean" ids."""

    unknown: tuple[UnknownName, ...]


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
    names = core.service_names.read(text)
    problem = names_problem(names)
    if problem is not None:
        return problem
    return MatrixResult(build_matrix(core.kb, names.services))


def no_service_text(stack: StackFromTemplate) -> str:
    """Why a template has no matrix: what it held, and the modules ofin did not read."""
    summary = TemplateSummary.of(stack)
    head = f"{stack.template.name}: no resource ofin can map to a service"
    if stack.template.not_followed and not stack.template.resources:
        head = f"{stack.template.name}: its resources are in modules ofin did not read"
    return "\n".join([head + ".", *summary.lines()[1:]])


def template_result(kb_core: Core, stack: StackFromTemplate) -> MatrixResult | Notice:
    """The matrix of a template's services, with its summary and unmapped types; or why not."""
    if not stack.services:
        return Notice(no_service_text(stack), kind="error")
    summary = TemplateSummary.of(stack)
    return MatrixResult(build_matrix(kb_core.kb, stack.services[:MAX_SERVICES]), template=summary)


def matrix_for_template(
    core: Core, name: str, data: bytes, on_queued: Callable[[], None] | None = None
) -> MatrixResult | Notice:
    """The matrix of a template's bytes (CloudFormation, Terraform, plan), or what is wrong.

    The template is read in a bounded child process (bot/matrix/reader.py); ``on_queued`` is
    called when it must wait for other templates to be read first.
    """
    try:
        template = read_isolated(name, data, on_queued)
    except TemplateError as exc:
        return Notice(f"I could not read that template. {exc}", kind="error")
    return template_result(core, map_resources(core.kb, template))


def export_matrix(core: Core, service_ids: list[str], stack: str | None) -> MatrixResult | None:
    """The matrix behind a Download button: a saved stack's (with owners), or these services."""
    if stack is not None:
        saved = core.store.stacks.get(stack)
        if saved is None:
            return None
        return _saved_result(core, saved, can_assign=False)
    services = [s for s in (core.kb.service(i) for i in service_ids) if s is not None]
    if not services:
        return None
    return MatrixResult(build_matrix(core.kb, services[:MAX_SERVICES]))


# ---------------------------------------------------------------------------------------------
# Saved stacks and the owners of their duties


def _may_change(caller: Caller, saved: SavedStack) -> bool:
    """The person who saved a stack and admins may change it."""
    return caller.user_id == saved.saved_by or caller.is_admin


def _saved_result(core: Core, saved: SavedStack, *, can_assign: bool) -> MatrixResult:
    services = [s for s in (core.kb.service(i) for i in saved.services) if s is not None]
    return MatrixResult(
        build_matrix(core.kb, services),
        title=f"Stack {saved.name}",
        owners=dict(saved.owners),
        stack=saved.name,
        can_assign=can_assign,
    )


def _refusal(saved: SavedStack) -> Notice:
    who = "the person who saved it" if saved.saved_by else "whoever saved it"
    return Notice(f"Only {who} and ofin admins can change the stack {saved.name}.", kind="refusal")


def save_stack(
    core: Core, caller: Caller, args: str
) -> MatrixResult | UnknownServicesResult | Notice:
    """``matrix save NAME <services…>``: store a stack for this workspace (nothing on an error)."""
    name, _, names = args.strip().partition(" ")
    name = name.lower()
    if not STACK_NAME.fullmatch(name):
        return Notice(
            f'Give the stack a name, then its services: "{SAVE_EXAMPLE}" (a name is up to 40 '
            "letters, digits, - or _).",
            kind="error",
        )
    parsed = core.service_names.read(names)
    problem = names_problem(parsed)
    if isinstance(problem, Notice) and not parsed.too_many:
        return Notice(f'Which services are in {name}? e.g. "{SAVE_EXAMPLE}".', kind="error")
    if problem is not None:
        return problem
    stacks = core.store.stacks
    existing = stacks.get(name)
    if existing is not None and not _may_change(caller, existing):
        return _refusal(existing)
    stacks.save(name, [s.id for s in parsed.services], caller.user_id)
    saved = stacks.get(name)
    assert saved is not None
    return _saved_result(core, saved, can_assign=True)


def show_stack(core: Core, caller: Caller, args: str) -> MatrixResult | Notice:
    """``matrix show NAME``: a saved stack with its duty owners; no name lists the stacks."""
    name = args.strip().lower()
    stacks = core.store.stacks
    if not name:
        names = stacks.names()
        if not names:
            return Notice(f'No saved stacks here yet. Save one: "{SAVE_EXAMPLE}".')
        return Notice(f'Saved stacks: {", ".join(names)}. Show one: "matrix show {names[0]}".')
    saved = stacks.get(name)
    if saved is None:
        return Notice(f'No stack called {name} here. Save one: "{SAVE_EXAMPLE}".', kind="error")
    return _saved_result(core, saved, can_assign=_may_change(caller, saved))


def assign_duty(core: Core, caller: Caller, stack: str, duty_key: str, owner_id: str) -> Notice:
    """Make ``owner_id`` the owner of one duty of a saved stack (its saver and admins only)."""
    stacks = core.store.stacks
    saved = stacks.get(stack)
    if saved is None:
        return Notice(f"The stack {stack} is gone; save it again.", kind="error")
    if not _may_change(caller, saved):
        return _refusal(saved)
    duty = _duty(_saved_result(core, saved, can_assign=False).matrix, duty_key)
    if duty is None:
        return Notice(f"That duty is no longer part of {stack}. Show it again.", kind="error")
    stacks.assign(stack, duty_key, owner_id, caller.user_id)
    return Notice(f"Owner set for “{duty.item.title}” in {stack}.")


def _duty(matrix: Matrix, key: str) -> Duty | None:
    return next((d for d in matrix.duties if d.key == key), None)


def duties_of(core: Core, caller: Caller) -> DutiesResult:
    """The duties the caller owns, across this workspace's saved stacks."""
    stacks = core.store.stacks
    rows: list[DutyRow] = []
    cache: dict[str, Matrix | None] = {}
    for stack, key in stacks.duties_of(caller.user_id):
        if stack not in cache:
            saved = stacks.get(stack)
            cache[stack] = _saved_result(core, saved, can_assign=False).matrix if saved else None
        matrix = cache[stack]
        duty = _duty(matrix, key) if matrix is not None else None
        if duty is not None:
            rows.append(DutyRow(stack, duty.area.name, duty.text))
    return DutiesResult(caller.user_id, tuple(rows))


@subcommand(
    "matrix",
    usage=USAGE,
    help=f'Your stack\'s responsibility matrix and your duties, e.g. "{EXAMPLE}"; save a stack '
    "to give each duty an owner.",
)
def matrix_command(
    core: Core, caller: Caller, args: str
) -> MatrixResult | UnknownServicesResult | Notice:
    word, _, rest = args.strip().partition(" ")
    if word.lower() == "save":
        return save_stack(core, caller, rest)
    if word.lower() == "show":
        return show_stack(core, caller, rest)
    return matrix_for_names(core, args)


@subcommand(
    "duties",
    usage="duties",
    help="The duties you own in this workspace's saved stacks.",
    accepts=lambda args: not args.strip(),  # "duties of a DBA?" is a question
)
def duties_command(core: Core, caller: Caller, args: str) -> DutiesResult:
    return duties_of(core, caller)
