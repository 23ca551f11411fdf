"""Chapter 13 reads at 1366 px and on a phone (issue 22, item 3).

Builds the introduction and the results chapter from the committed notebook (no execution, as
``tests/test_browser.py`` does for the whole book), opens the page in headless Chromium at
1366 x 900 and at 400 x 860 (a phone), and checks what a reader would otherwise meet: nothing
wider than the window (the page never scrolls sideways), no cell output that scrolls
sideways, every column of the claims ledger inside the window, every figure scaled into its
column, and no two tick labels of a comparison plot overlapping (checked on the figures
themselves, in matplotlib). Screenshots of the ledger go to
``_build/screenshots/13_results_<width>.png``, of the whole page to ``..._<width>_full.png``.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import test_browser as tb
import yaml

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = ((1366, 900), (400, 860))

MEASURE = r"""
const inner = window.innerWidth;
const article = document.querySelector('article') || document.body;
const right = article.getBoundingClientRect().right;
const out = {inner: inner, page: document.documentElement.scrollWidth, article: right};
out.wideOutputs = Array.from(article.querySelectorAll('.cell_output, .output'))
  .filter(o => o.scrollWidth > o.clientWidth + 1)
  .map(o => (o.innerText || '').slice(0, 60) + ' ' + o.scrollWidth + '>' + o.clientWidth);
out.wideTables = Array.from(article.querySelectorAll('table'))
  .filter(t => t.getBoundingClientRect().right > inner + 1)
  .map(t => (t.innerText || '').slice(0, 60) + ' ' + Math.round(t.getBoundingClientRect().right));
const ledger = article.querySelector('table.qbook-table');
out.ledgerCells = ledger ? Array.from(ledger.querySelectorAll('th, td'))
  .filter(c => c.getBoundingClientRect().width > 0)
  .map(c => Math.round(c.getBoundingClientRect().right)) : [];
out.ledgerRows = ledger ? ledger.querySelectorAll('tbody tr').length : 0;
out.images = Array.from(article.querySelectorAll('.cell_output img'))
  .map(i => [Math.round(i.getBoundingClientRect().right), i.naturalWidth]);
if (ledger) { ledger.scrollIntoView(); }
return out;
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    why = tb._missing_browser()
    if why:
        pytest.skip(why)
    toc = tmp_path_factory.mktemp("toc") / "_toc.yml"
    toc.write_text(
        yaml.safe_dump(
            {"format": "jb-book", "root": "book/intro", "chapters": [{"file": "book/13_results"}]}
        )
    )
    html, log = tb.build_without_execution(tmp_path_factory.mktemp("book13"), toc)
    handler = functools.partial(tb._Quiet, directory=str(html))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/book/13_results.html"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    seen = {}
    tb.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS:
        opts = webdriver.ChromeOptions()
        opts.binary_location = tb.CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
            opts.add_argument(flag)
        opts.add_argument(f"--window-size={width},{height}")
        opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
        driver = webdriver.Chrome(options=opts, service=Service(tb.CHROMEDRIVER))
        try:
            driver.set_script_timeout(60)
            # exactly this width (a headless window has a minimum width of its own)
            metrics = {"width": width, "height": height, "deviceScaleFactor": 1}
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride", {**metrics, "mobile": width < 700}
            )
            driver.get(url)
            assert driver.execute_async_script(tb.WAIT_READY) == "ok"
            seen[width] = driver.execute_script(MEASURE)
            driver.save_screenshot(str(tb.SCREENSHOTS / f"13_results_{width}.png"))
            shot = driver.execute_cdp_cmd(  # the whole page, for a reader's-eye review
                "Page.captureScreenshot", {"captureBeyondViewport": True, "format": "png"}
            )
            (tb.SCREENSHOTS / f"13_results_{width}_full.png").write_bytes(
                base64.b64decode(shot["data"])
            )
        finally:
            driver.quit()
    httpd.shutdown()
    httpd.server_close()
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("width", [w for w, _ in WIDTHS])
def test_nothing_is_wider_than_the_window(page, width):
    seen = page[width]
    assert seen["page"] <= seen["inner"], f"the page scrolls sideways: {json.dumps(seen)[:400]}"
    assert not seen["wideTables"], seen["wideTables"]
    assert not seen["wideOutputs"], seen["wideOutputs"]
    assert all(right <= seen["inner"] + 1 for right, _ in seen["images"]), seen["images"]


@pytest.mark.slow
@pytest.mark.parametrize("width", [w for w, _ in WIDTHS])
def test_every_column_of_the_ledger_is_in_view(page, width):
    seen = page[width]
    assert seen["inner"] == width
    assert seen["ledgerRows"] >= 10
    assert seen["ledgerCells"] and max(seen["ledgerCells"]) <= seen["inner"] + 1, seen


def test_comparison_plots_have_no_overlapping_tick_labels():
    """Every plot of the chapter, drawn from the book's recorded rows, at the page's size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qbook.common import claims, report

    rows = claims.load_origins(ROOT / "no-such-folder")
    df = report.results_frame(rows.to_dict("records"))
    pairs = report.comparable_metrics(df)
    assert pairs
    for chapter, metric in pairs[:12]:
        ax = report.plot_metric(df, chapter, metric)
        fig = ax.figure
        fig.canvas.draw()
        for labels in (ax.get_yticklabels(), ax.get_xticklabels()):
            boxes = [t.get_window_extent() for t in labels if t.get_text()]
            for i, a in enumerate(boxes):
                assert not any(a.overlaps(b) for b in boxes[i + 1 :]), (chapter, metric)
        right = fig.get_window_extent().x1
        assert ax._left_title.get_window_extent().x1 <= right + 1, (chapter, metric)
        plt.close(fig)
