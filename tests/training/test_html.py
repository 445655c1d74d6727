"""The HTML report in a real headless browser (Debian's chromium), and its chart as a PNG."""

from __future__ import annotations

import base64
import html.parser
import io
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from bot.terminal.report import run_report
from bot.training.chart import HEIGHT_PX, WIDTH_PX
from tests.report_seed import PEOPLE, QUIET, seed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after checking the signature)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("html")
    store, core, truth = seed(folder / "ofin.db")
    store.close()
    out = io.StringIO()
    assert run_report(
        period_text="2026-Q4", fmt="html", answers=False, db_path=folder / "ofin.db", out=out,
        workspace="Example Corp",
    ) == 0  # fmt: skip
    path = folder / "report.html"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_html_is_self_contained_and_its_chart_is_a_png_of_the_expected_size(page):
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["'](https?:|//)""", text)  # nothing fetched from outside
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 1
    assert png_size(base64.b64decode(images[0])) == (WIDTH_PX, HEIGHT_PX)

    class Cells(html.parser.HTMLParser):
        rows = 0

        def handle_starttag(self, tag, attrs):
            self.rows += tag == "tr"

    parser = Cells()
    parser.feed(text)
    assert parser.rows > len(PEOPLE)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_html_report_in_headless_chromium(page, tmp_path):
    profile = tmp_path / "profile"
    base = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--window-size=1280,2400"]
    shot = tmp_path / "report.png"
    done = subprocess.run(
        [*base, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=90
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert png_size(shot.read_bytes()) == (1280, 2400)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    dom = subprocess.run(
        [*base, "--dump-dom", page.as_uri()], capture_output=True, timeout=90, text=True
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r'<table id="people">.*?<tbody>(.*?)</tbody>', dom.stdout, re.S)
    assert body, "the people table is missing from the rendered DOM"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    assert len(rows) == len(PEOPLE)  # one row per person, the quiet ones included
    first_cells = sorted(re.findall(r"<td>(U\d+)</td>", body.group(1)))
    assert first_cells == sorted(PEOPLE)
    quiet_rows = [r for r in rows if any(f"<td>{u}</td>" in r for u in QUIET)]
    assert all("no answers" in r for r in quiet_rows) and len(quiet_rows) == 2
    assert "Example Corp" in dom.stdout and "2026-Q4" in dom.stdout
    assert re.search(r"<img[^>]+class=\"chart\"", dom.stdout)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_printed_pdf_numbers_its_pages_and_repeats_the_people_header(page, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    pdf = tmp_path / "report.pdf"
    done = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",  # the page numbers must come from the page's own CSS
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    pages = [p.extract_text() for p in pypdf.PdfReader(pdf).pages]
    total = len(pages)
    assert total >= 2
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {total}" in text
    # The people table starts on page 1 (no half-empty first page) and goes on with its header.
    assert "U000" in pages[0]
    assert "U039" not in pages[0]
    continued = next(t for t in pages[1:] if "U039" in t)
    assert "Person Name Email Status" in continued
