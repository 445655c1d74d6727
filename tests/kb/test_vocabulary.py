"""The engine's vocabulary files are checked by `kb check`, problems as file:line."""

from __future__ import annotations

from pathlib import Path

from bot.kb.vocabulary import check_vocabulary

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_vocabulary_is_clean() -> None:
    assert check_vocabulary(ROOT / "knowledge" / "vocabulary") == []


def test_problems_name_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "english.yaml").write_text(
        "filler: [who, Whose]\nphrases:\n  host os: two words\nsynonyms: {}\n"
        "lower_layer_words: [firmware]\nguest_layer_words: [guest]\nextra: 1\n"
    )
    (tmp_path / "glossary.yaml").write_text("patch:\n  es: [parche]\n  xx: [foo]\n  fr: oops\n")
    found = {(Path(p.file).name, p.line, p.message) for p in check_vocabulary(tmp_path)}
    assert ("english.yaml", 1, "not a lowercase word: 'Whose'") in found
    assert ("english.yaml", 3, "must map to one lowercase term: 'two words'") in found
    assert ("english.yaml", 7, "unknown key 'extra'") in found
    assert any(
        f == "glossary.yaml" and line == 3 and "unknown language 'xx'" in m for f, line, m in found
    )
    assert ("glossary.yaml", 4, "forms must be a list of non-empty words") in found


def test_the_vocabulary_schema_names_keys_lists_and_missing_parts_at_their_lines(
    tmp_path: Path,
) -> None:
    (tmp_path / "english.yaml").write_text(
        "filler: who\nphrases:\n  host os: hostos\nsynonyms:\n  Servers: server\n"
        "lower_layer_words: [firmware]\n"
    )
    (tmp_path / "glossary.yaml").write_text("patch: parche\nguard:\n  de: [wache, '']\n")
    found = [(Path(p.file).name, p.line, p.message) for p in check_vocabulary(tmp_path)]
    assert found == [
        ("english.yaml", 1, "missing key 'guest_layer_words'"),
        ("english.yaml", 1, "'filler' must be a list of words"),
        ("english.yaml", 5, "not lowercase: 'Servers'"),
        ("glossary.yaml", 1, "'patch' must map languages to forms"),
        ("glossary.yaml", 3, "forms must be a list of non-empty words"),
    ]
