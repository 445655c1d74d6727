"""The docs stay true: a short README, and every count, link and cited file checked.

README.md and docs/*.md are read as text. A figure about the knowledge base is compared with the
knowledge base as it loads today, so adding an item fails here until the docs say so; a link or a
source path that no longer leads anywhere fails too.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.kb.loader import load

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = (README, *sorted((ROOT / "docs").glob("*.md")))
README_LIMIT = 12_000  # bytes: "a README of a few screens"

# Files another branch writes and this one links to: absent until that branch lands, then checked
# like any other link target.
PENDING = {"docs/engine.md": "the engine v3 branch"}

# "N items", "N services", "N quiz questions" that do not count the knowledge base, exactly as
# written, with why. Each must still occur somewhere, so the list cannot rot.
NOT_KB_COUNTS = {
    "28 resources → 7 services": "an example template's services (the user guide's matrix)",
}

# "210 items", "85 services", "331 quiz questions", and the "85-service" of "an 85-service base".
COUNT = re.compile(r"\b(\d[\d,]*)(?:\s+|-)(item|service|quiz\s+question)s?\b")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
# A source path: under one of the repository's folders, ending where the path ends.
SOURCE_PATH = re.compile(r"(?<![\w./])((?:bot|tests|bench|knowledge|docs)/[\w./-]*[\w/])")
MODULE = re.compile(r"(?<![\w./])(bot(?:\.[a-z_][a-z0-9_]*)+)")
# A path a record cites as it was may say so: "`bot/…/gone.py` (removed in v3)".
REMOVED = re.compile(r"`?\s*\(removed\b")


def kind_of(match: re.Match[str]) -> str:
    """The knowledge base figure a count is about: "items", "services" or "quiz questions"."""
    return re.sub(r"\s+", " ", match.group(2)) + "s"


def doc_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def prose(text: str) -> str:
    """The text without fenced code blocks, where '#' starts a comment, not a heading."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor in a Markdown file, numbered as GitHub numbers repeats."""
    seen: Counter[str] = Counter()
    found = set()
    for line in prose(path.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"#{1,6}\s+(.*)", line)
        if match:
            base = slug(match.group(1))
            found.add(base if not seen[base] else f"{base}-{seen[base]}")
            seen[base] += 1
    return found


@pytest.fixture(scope="module")
def kb_counts() -> dict[str, int]:
    kb = load()
    return {
        "items": len(kb.items),
        "services": len(kb.services),
        "quiz questions": len(kb.quiz_questions),
    }


def test_the_readme_is_a_few_screens() -> None:
    size = len(README.read_bytes())
    assert size <= README_LIMIT, f"README.md is {size} bytes; move detail into docs/"


def test_the_docs_folder_has_its_pages() -> None:
    wanted = {"user-guide.md", "operations.md", "architecture.md", "knowledge-base.md"}
    assert wanted <= {p.name for p in DOCS}


def test_the_readme_states_the_knowledge_base_counts(kb_counts: dict[str, int]) -> None:
    stated = {kind_of(m) for m in COUNT.finditer(README.read_text())}
    assert stated >= set(kb_counts), "the README should say how big the knowledge base is"


@pytest.mark.parametrize("path", DOCS, ids=doc_id)
def test_every_count_matches_the_knowledge_base(path: Path, kb_counts: dict[str, int]) -> None:
    text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
    for phrase in NOT_KB_COUNTS:
        text = text.replace(phrase, "")
    wrong = [
        f"{m.group(0)!r} (the knowledge base has {kb_counts[kind]} {kind})"
        for m in COUNT.finditer(text)
        for kind in [kind_of(m)]
        if int(m.group(1).replace(",", "")) != kb_counts[kind]
    ]
    assert not wrong, f"{doc_id(path)}: " + "; ".join(wrong)


def test_every_exception_to_the_counts_is_still_written() -> None:
    text = " ".join(re.sub(r"\s+", " ", p.read_text(encoding="utf-8")) for p in DOCS)
    assert [p for p in NOT_KB_COUNTS if p not in text] == []


@pytest.mark.parametrize("path", DOCS, ids=doc_id)
def test_every_relative_link_leads_somewhere(path: Path) -> None:
    broken = []
    for target in LINK.findall(prose(path.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            if doc_id(dest) not in PENDING:
                broken.append(f"{target}: no such file")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {doc_id(dest)}")
    assert not broken, f"{doc_id(path)}: " + "; ".join(broken)


@pytest.mark.parametrize("path", DOCS, ids=doc_id)
def test_every_cited_source_file_exists(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    missing = []
    for match in SOURCE_PATH.finditer(text):
        cited = match.group(1).rstrip(".")
        if (ROOT / cited).exists() or REMOVED.match(text, match.end()):
            continue
        if cited in PENDING:
            continue
        missing.append(cited)
    for match in MODULE.finditer(text):
        module = match.group(1).replace(".", "/")
        if not ((ROOT / f"{module}.py").exists() or (ROOT / module).is_dir()):
            missing.append(match.group(1))
    assert not missing, f"{doc_id(path)} cites what does not exist: {sorted(set(missing))}"


def test_the_checks_catch_what_they_should(tmp_path: Path) -> None:
    assert slug("Your stack's responsibility matrix") == "your-stacks-responsibility-matrix"
    assert slug("Training evidence: reports") == "training-evidence-reports"
    found = COUNT.finditer("210 items, 85 services and 331 quiz\nquestions; an 85-service base")
    assert [(m.group(1), kind_of(m)) for m in found] == [
        ("210", "items"),
        ("85", "services"),
        ("331", "quiz questions"),
        ("85", "services"),
    ]
    assert SOURCE_PATH.findall("see `bot/answer/matcher.py`, then bot/slack/listeners/.") == [
        "bot/answer/matcher.py",
        "bot/slack/listeners/",
    ]
    assert REMOVED.match("` (removed in v3)", 0)
    assert LINK.findall("[a](docs/x.md#y) and <https://z>") == ["docs/x.md#y"]


def test_the_readme_states_the_engine_as_measured() -> None:
    """The headline is the held-out set's floor and the reliability table is the fitted one."""
    import yaml

    data = ROOT / "tests" / "data"
    text = README.read_text(encoding="utf-8")
    floors = yaml.safe_load((data / "engine_floors.yaml").read_text(encoding="utf-8"))
    named = re.search(r"\(set ([A-Z]+): \d+ questions", text)
    assert named, "the README's headline should name its held-out set: '(set X: 160 questions'"
    headline = f"heldout_{named.group(1).lower()}.yaml"
    assert headline in floors, f"{headline} should be a held-out set in engine_floors.yaml"
    figure = floors[headline]
    size = len(yaml.safe_load((data / headline).read_text(encoding="utf-8")))
    assert f"{size} questions" in text
    assert f"**{figure['right']}%**" in text
    share = f"{100 * figure['opposite'] / size:.1f}%"
    assert f"the opposite owner for **{figure['opposite']}** ({share})" in text
    engine = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    owners = "owner" if figure["opposite"] == 1 else "owners"
    shipped = f"at {figure['right']}% right with {figure['opposite']} opposite {owners}"
    assert shipped in " ".join(engine.split()), f"docs/engine.md should say {shipped!r}"
    rows = yaml.safe_load((data / "engine_reliability.yaml").read_text(encoding="utf-8"))
    for row in rows:
        line = f"| {row['predicted']:.2f} | {row['observed']:.2f} | {row['questions']} |"
        assert line in text, line


# Pages a command writes; the docs link them instead of retyping their figures.
GENERATED = {
    "docs/benchmarks.md": "make bench",
    "docs/soak.md": "make soak",
    "docs/report-benchmark.md": "make bench-report",
}


@pytest.mark.parametrize("page", sorted(GENERATED))
def test_generated_pages_say_what_wrote_them_and_are_linked(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    assert first.startswith("# ") and first.endswith("(generated)"), first
    assert f"Written by `{GENERATED[page]}`" in rest and "Do not edit" in rest
    name = Path(page).name
    linking = [p for p in DOCS if p.name != name and f"]({name}" in p.read_text(encoding="utf-8")]
    assert linking, f"no page of docs/ links {page}"


def test_the_soak_figures_are_not_retyped() -> None:
    """operations.md explains the soak and links its page; a measured latency there is retyped."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    retyped = re.findall(r"\bp(?:50|99) \d[\d,.]* ms|\d[\d,.]* clicks/s|\bRSS \d", text)
    assert retyped == [], "soak figures belong in docs/soak.md (make soak): " + ", ".join(retyped)
