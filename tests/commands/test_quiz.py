"""The quiz subcommands through the dispatcher and the console, on a real SQLite file."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.answer.matcher import Matcher
from bot.clock import FakeClock
from bot.commands.core import Caller, Core
from bot.commands.dispatch import dispatch, help_result
from bot.commands.quiz import answer_practice
from bot.commands.results import Notice
from bot.config import Settings
from bot.quiz.daily import DailyQuizzes, DailyStatus, PublishOutcome
from bot.quiz.practice import PracticeFeedback, PracticeQuestion
from bot.quiz.rules import RECENT_WINDOW, choice_label
from bot.quiz.scores import BOARD_SIZE, Leaderboard, Stats, TeamBoard
from bot.store import Store
from bot.terminal.console import Console
from bot.terminal.scores import COLUMNS, run_export

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakePublisher:
    """Records what the daily commands asked Slack to do."""

    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.published: list[int] = []
        self.revealed: list[int] = []
        self.daily: DailyQuizzes | None = None

    def publish(self, post) -> bool:
        self.published.append(post.id)
        if self.ok and self.daily is not None:
            self.daily.opened(post, f"ts-{post.id}")
        return self.ok

    def reveal(self, post) -> None:
        self.revealed.append(post.id)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY)


@pytest.fixture
def core(make_kb, store_target, clock) -> Core:
    kb = make_kb(9)
    store = Store(store_target, clock=clock)  # every command below on both engines
    store.adopt_workspace("T1")  # the callers' workspace, as the first start in Slack records it
    c = Core(kb=kb, matcher=Matcher(kb), store=store, settings=Settings(db_path=store.path))
    c.daily = DailyQuizzes(store, kb, rng=random.Random(4))
    yield c
    store.close()


def caller(user="U1", channel="C1", admin=False, tz=None, surface="slack") -> Caller:
    direct = channel is not None and channel.startswith("D")  # as the Slack front end says
    return Caller(
        user,
        channel_id=channel,
        team_id="T1",
        direct=direct,
        is_admin=admin,
        tz=tz,
        surface=surface,
    )


def right_index(question) -> int:
    return question.choices.index(question.answer)


# --- practice ------------------------------------------------------------------------------


def test_practice_question_and_answer_logged_once(core):
    asked = dispatch(core, caller(), "quiz")
    assert isinstance(asked, PracticeQuestion)
    assert core.store.people.user("U1").team_id == "T1"  # the store keeps the people it met
    q = asked.question
    wrong = (right_index(q) + 1) % len(q.choices)
    first = answer_practice(core, "U1", asked.prompt_id, wrong)
    assert isinstance(first, PracticeFeedback) and first.counted and not first.correct
    assert first.box == 1
    again = answer_practice(core, "U1", asked.prompt_id, right_index(q))  # a double click
    assert not again.counted and not again.correct and again.choice == q.choices[wrong]
    assert core.store.scores.user_totals("U1").practice_answered == 1
    assert core.store.practice.reviews_for("U1")[q.id].times_answered == 1
    other = answer_practice(core, "U2", asked.prompt_id, 0)  # not their prompt
    assert isinstance(other, Notice) and "someone else's" in other.text
    assert core.store.scores.user_totals("U2").practice_answered == 0
    gone = answer_practice(core, "U1", "no-such-prompt", 0)
    assert isinstance(gone, Notice) and gone.kind == "error" and "expired" in gone.text


def test_practice_narrowed_by_service_and_category(core):
    s3 = dispatch(core, caller(), "quiz s3")
    assert isinstance(s3, PracticeQuestion) and s3.question.service == "s3"
    ident = dispatch(core, caller(), "quiz identity")
    assert core.kb.item(ident.question.item_id).category == "identity"
    unknown = dispatch(core, caller(), "quiz cooking")
    assert isinstance(unknown, Notice) and "cooking" in unknown.text


def test_a_missed_question_comes_back_soon_but_not_at_once(core):
    asked = dispatch(core, caller(), "quiz")
    q = asked.question
    answer_practice(core, "U1", asked.prompt_id, (right_index(q) + 1) % len(q.choices))
    following = []
    for _ in range(RECENT_WINDOW + 1):
        nxt = dispatch(core, caller(), "quiz")
        following.append(nxt.question.id)
        answer_practice(core, "U1", nxt.prompt_id, right_index(nxt.question))  # knows the rest
    assert q.id not in following[:RECENT_WINDOW]
    assert following[RECENT_WINDOW] == q.id


# --- daily ------------------------------------------------------------------------------


def test_daily_is_for_admins_only(core):
    refused = dispatch(core, caller(admin=False), "daily on")
    assert isinstance(refused, Notice) and refused.kind == "refusal"
    assert core.store.schedules.get("C1") is None


def test_daily_text_that_is_a_question_is_not_the_command(core):
    assert not isinstance(dispatch(core, caller(), "daily backups for rds?"), Notice)


def test_daily_on_status_off(core):
    on = dispatch(core, caller(admin=True, tz="Europe/Paris"), "daily on 10:30 tue,thu")
    assert "10:30 Europe/Paris, tue,thu" in on.text
    assert "Tue 03 Mar 10:30" in on.text  # the first one
    status = dispatch(core, caller(admin=True), "daily status")
    assert isinstance(status, DailyStatus) and status.rule is not None
    assert (f"{status.rule.at:%H:%M}", status.rule.tz) == ("10:30", "Europe/Paris")
    assert status.next_at == datetime(2026, 3, 3, 9, 30, tzinfo=UTC)  # Tue 10:30 in Paris
    bad = dispatch(core, caller(admin=True), "daily on 27:00")
    assert bad.kind == "error"
    off = dispatch(core, caller(admin=True), "daily off")
    assert "off" in off.text
    assert dispatch(core, caller(admin=True), "daily status").rule is None


def test_daily_alone_is_the_status(core):
    status = dispatch(core, caller(admin=True), "daily")
    assert isinstance(status, DailyStatus) and status.rule is None and status.channel_id == "C1"
    assert status.reveal_hours == core.settings.daily_reveal_hours


def test_daily_needs_a_channel(core):
    reply = dispatch(core, caller(admin=True, channel="D123"), "daily on")
    assert reply.kind == "error" and "in the channel" in reply.text
    console = dispatch(core, caller(admin=True, channel=None, surface="console"), "daily on")
    assert console.kind == "error" and "Slack channel" in console.text


def test_daily_now_and_reveal_go_through_the_publisher(core, clock):
    assert dispatch(core, caller(admin=True), "daily now").kind == "error"  # no Slack app
    publisher = FakePublisher()
    publisher.daily = core.daily
    core.publisher = publisher
    assert "Posted" in dispatch(core, caller(admin=True), "daily now").text
    (post_id,) = publisher.published
    assert core.store.posts.post(post_id).is_open
    assert "Closed" in dispatch(core, caller(admin=True), "daily reveal").text
    assert publisher.revealed == [post_id]
    assert core.store.posts.post(post_id).status == "closed"
    assert "no open quiz" in dispatch(core, caller(admin=True), "daily reveal").text
    # A second "daily now" within a minute (a double command, a replay) posts nothing.
    assert "less than a minute ago" in dispatch(core, caller(admin=True), "daily now").text
    assert len(publisher.published) == 1
    clock.advance(minutes=2)
    publisher.ok = False
    assert dispatch(core, caller(admin=True), "daily now").kind == "error"
    assert len(publisher.published) == 2


def test_daily_status_shows_a_post_still_waiting_for_slack(core):
    post = core.daily.claim_now("C1")
    core.store.posts.note_error(post.id, "internal_error (HTTP 500)")
    status = dispatch(core, caller(admin=True), "daily status")
    assert status.waiting == ("internal_error (HTTP 500)",)
    assert [q.answered for q in status.open] == []  # claimed, not yet open in Slack


@pytest.mark.parametrize(
    ("outcome", "words", "kind"),
    [
        (PublishOutcome("failed", "not_in_channel"), "Slack said `not_in_channel`", "error"),
        (PublishOutcome("failed", "not_in_channel"), "/invite @ofin", "error"),
        (
            PublishOutcome("retrying", "internal_error (HTTP 500)", MONDAY + timedelta(hours=1)),
            "I keep trying until",
            "info",
        ),
    ],
)
def test_daily_now_tells_the_admin_slacks_own_reason(core, outcome, words, kind):
    class Refusing(FakePublisher):
        def publish(self, post):
            return outcome

    core.publisher = Refusing()
    notice = dispatch(core, caller(admin=True), "daily now")
    assert words in notice.text and notice.kind == kind
    assert "Is ofin a member" not in notice.text


# --- scores ------------------------------------------------------------------------------


def play(core, clock, channel, answers: dict[str, bool], minutes: int = 1) -> int:
    """Post one daily quiz in ``channel`` and answer it: user -> right or wrong."""
    daily = core.daily
    daily.close_open(channel)
    post = daily.opened(daily.claim_now(channel), "ts")
    q = daily.question(post.question_id)
    clock.advance(minutes=minutes)
    for user, right in answers.items():
        index = right_index(q) if right else (right_index(q) + 1) % len(q.choices)
        assert daily.answer(post.id, user, index).counted
    return post.id


def test_leaderboard_ranks_and_shows_the_callers_own_row(core, clock):
    users = {f"U{i:02d}": True for i in range(12)}
    users["ULOW"] = False
    play(core, clock, "C1", users)
    play(core, clock, "C1", {"U00": True, "U01": True}, minutes=40)  # slower: smaller bonus
    board = dispatch(core, caller("ULOW"), "leaderboard")
    assert isinstance(board, Leaderboard) and len(board.rows) == BOARD_SIZE
    assert [r.user_id for r in board.rows[:2]] == ["U00", "U01"]
    assert board.rows[0].points == 15 + 12 and board.rows[1].rank == 1  # a tie shares rank 1
    assert board.rows[2].rank == 3
    assert board.me is not None and board.me.user_id == "ULOW" and board.me.rank == 13
    inside = dispatch(core, caller("U00"), "leaderboard")
    assert inside.me is None  # already in the top 10


def test_leaderboard_periods(core, clock):
    play(core, clock, "C1", {"UOLD": True})
    clock.advance(days=8)
    play(core, clock, "C1", {"UNEW": True})
    week = dispatch(core, caller(), "leaderboard week")
    assert [r.user_id for r in week.rows] == ["UNEW"]
    alltime = dispatch(core, caller(), "leaderboard all")
    assert {r.user_id for r in alltime.rows} == {"UOLD", "UNEW"}


def test_leaderboard_in_a_dm_is_refused_but_the_console_sees_all_channels(core, clock):
    play(core, clock, "C1", {"U1": True})
    play(core, clock, "C2", {"U1": True, "U2": False})
    assert dispatch(core, caller(channel="D1"), "leaderboard").kind == "error"
    board = dispatch(core, caller(channel=None, surface="console"), "leaderboard")
    assert board.channel_id is None and board.rows[0].user_id == "U1"
    assert board.rows[0].answered == 2


def test_team_board_by_accuracy_then_participation(core, clock):
    play(core, clock, "CSHARP", {"U1": True, "U2": True})
    play(core, clock, "CBUSY", {"U3": True, "U4": True, "U5": True, "U6": False})
    play(core, clock, "CQUIET", {"U7": True})
    teams = dispatch(core, caller(), "leaderboard teams")
    assert isinstance(teams, TeamBoard)
    assert [r.channel_id for r in teams.rows] == ["CSHARP", "CQUIET", "CBUSY"]
    assert teams.rows[0].participation == 2.0 and teams.rows[2].accuracy == 75


def test_stats_streak_and_weakest_categories(core, clock):
    for _ in range(3):
        play(core, clock, "C1", {"U1": True})
    asked = dispatch(core, caller(), "quiz identity")
    q = asked.question
    answer_practice(core, "U1", asked.prompt_id, (right_index(q) + 1) % len(q.choices))
    result = dispatch(core, caller(), "stats")
    assert isinstance(result, Stats)
    assert (result.answered, result.correct, result.streak) == (4, 3, 3)
    assert result.daily_answered == 3 and result.practice_answered == 1
    assert result.weakest[0][0] == "identity"


def test_forget_me_deletes_the_persons_data(core, clock):
    play(core, clock, "C1", {"U1": True, "U2": True})
    dispatch(core, caller(), "quiz")
    reply = dispatch(core, caller(), "forget me")
    assert isinstance(reply, Notice) and "deleted" in reply.text
    assert dispatch(core, caller(), "stats").answered == 0
    assert core.store.scores.user_totals("U2").daily_answered == 1


def test_help_lists_the_quiz_commands(core):
    usages = [e.usage for e in help_result().entries]
    assert any(u.startswith("quiz") for u in usages)
    assert any(u.startswith("daily") for u in usages)


# --- console ------------------------------------------------------------------------------


def shown_number(text: str, label: str) -> str:
    """The number the console shows in front of ``label``."""
    return next(
        line.split(".", 1)[0].strip() for line in text.splitlines() if line.endswith(f". {label}")
    )


def test_console_answer_words(core):
    session = Console(core, Caller("console", surface="console", is_admin=True))
    for _ in range(10):
        text = session.handle("quiz")
        prompt = core.store.practice.recent_practice("console", 1)[0]
        q = {x.id: x for x in core.kb.quiz_questions}[prompt]
        if q.is_owner_question:
            break
        session.handle(shown_number(text, choice_label(q.answer)))
    else:
        pytest.skip("no owner question drawn")
    before = core.store.scores.user_totals("console").practice_answered
    reply = session.handle("both")  # plain words answer an owner question: "both" is Shared
    assert reply.startswith("Right!" if q.answer == "shared" else "Not quite.")
    assert core.store.scores.user_totals("console").practice_answered == before + 1


def test_console_practice_quiz_takes_the_answer(core, clock):
    session = Console(core, Caller("console", surface="console", is_admin=True))
    text = session.handle("quiz")
    assert text.startswith("Quiz: ") and "  1. " in text and "Answer with a number" in text
    prompt = core.store.practice.recent_practice("console", 1)[0]
    q = {x.id: x for x in core.kb.quiz_questions}[prompt]
    assert session.handle("9") == f"Answer with a number from 1 to {len(q.choices)}."
    reply = session.handle(shown_number(text, choice_label(q.answer)))  # the quiz was still open
    assert reply.startswith("Right!") and q.explanation in reply
    assert core.store.scores.user_totals("console").practice_correct == 1
    assert "Accuracy: 100%" in session.handle("stats")
    play(core, clock, "C1", {"console": True})
    assert "console" in session.handle("leaderboard") and "15 pts" in session.handle("leaderboard")


# --- export ------------------------------------------------------------------------------


def test_scores_export_one_row_per_answer(core, clock, tmp_path, store_target):
    play(core, clock, "C1", {"U1": True, "U2": False})
    asked = dispatch(core, caller(), "quiz")
    answer_practice(core, "U1", asked.prompt_id, 0)
    answer_practice(core, "U1", asked.prompt_id, 1)  # a double click: still one row
    out = io.StringIO()
    assert run_export(store_target, out) == 0  # the file, or OFIN_DATABASE_URL's database
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 4
    assert sorted(line.split(",")[1] for line in lines[1:]) == ["daily", "daily", "practice"]
    assert run_export(tmp_path / "missing.db", io.StringIO()) == 1


def test_forget_workspace_is_for_admins_and_asks_for_the_team_id(core, clock):
    play(core, clock, "C1", {"U1": True, "U2": False})
    other = core.for_team("T2")
    other.store.declined.record_declined(question="a poem", user_id="U9", channel_id="C9")
    refused = dispatch(core, caller("U1"), "forget workspace")
    assert refused.kind == "error" and "admin" in refused.text
    asked = dispatch(core, caller("UADMIN", admin=True), "forget workspace")
    assert asked.kind == "error" and "forget workspace T1" in asked.text
    assert core.store.scores.leaderboard("C1")  # nothing deleted yet
    done = dispatch(core, caller("UADMIN", admin=True), "forget workspace T1")
    assert done.kind == "info" and "deleted everything" in done.text
    assert core.store.scores.leaderboard("C1") == [] and core.store.people.user("U1") is None
    assert other.store.declined.top_declined() == [
        ("a poem", 1)
    ]  # another workspace keeps its data
