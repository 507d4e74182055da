"""The report as one self-contained HTML page with charts, and its PDF printed by headless Chromium."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import pytest

from silkroute import report, report_html
from silkroute.maps import corridor_map
from silkroute.maps.offline import offline_html

from .browser import require_chromium

PAIRS = (("Kashgar", "Istanbul"), ("Xi'an", "Duisburg"))


@pytest.fixture(scope="module")
def small() -> report.Report:
    return report.run(replace(report.ReportConfig.load(), pairs=PAIRS, draws=300, seed=2))


@pytest.fixture(scope="module")
def page(small: report.Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    m = corridor_map(small.comparisons, small.base_network, small.catalog)
    path = tmp_path_factory.mktemp("report") / "report.html"
    return report_html.write(small, path, map_html=offline_html(m.get_root().render()))


def test_page_is_self_contained_and_draws_the_report(small: report.Report, page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    # no external resource: every src/href is inline (data:) or an in-page anchor
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", text.split("srcdoc=")[0])
    assert all(not r.startswith(("http:", "https:", "//")) for r in refs), refs
    assert text.count("<svg") >= 3 * len(PAIRS)  # breakdown, distribution and tornado per pair
    for f in small.findings:
        assert html.escape(f.label) in text
        for r in f.comparison.results[small.config.claim.scenario]:
            assert r.corridor in text
        assert f.sensitivity is not None and html.escape(f.sensitivity.top(1)[0].label) in text
    for sentence in small.sentences:
        assert html.escape(sentence.split(":")[0]) in text
    assert "Model check" in text and "day ranges met" in text
    assert html.escape("Assumptions on the claim corridors' routes") in text and "Railway" in text  # sources quoted
    assert "<iframe" in text and "leaflet" in text.lower()  # the offline map


@pytest.mark.browser
def test_page_prints_to_pdf_with_its_tables(small: report.Report, page: Path, tmp_path: Path) -> None:
    require_chromium()
    import pypdf

    pdf = report_html.to_pdf(page, tmp_path / "report.pdf")
    reader = pypdf.PdfReader(str(pdf))
    pages = len(reader.pages)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert 1 + len(PAIRS) <= pages <= 40, pages  # a page per pair section at least, not an endless print
    for f in small.findings:
        assert f.label.replace(" → ", "") in text.replace(" → ", "").replace("\n", "") or f.label in text
    for header in ("corridor", "km", "days", "break-even", "baseline", "source"):
        assert header in text, header
    assert "What decides it" in text and "Model check" in text
