"""JupyterLab in a real browser: open notebooks/06-explorers.ipynb, run every cell, use the explorers.

JupyterLab (the dev extra) runs on 127.0.0.1 with a token; Debian's chromium, driven by Playwright,
runs all cells from the Run menu and checks that the widgets render, that a picked student's
figure and the Communication tab's reply network appear, that no cell shows an error and that the page
logs no JavaScript error.
"""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest

from .browser import ARTIFACTS, ROOT, browser_page, free_port, requires, sample_environment, wait_until_up

NOTEBOOK = ROOT / "notebooks" / "06-explorers.ipynb"


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a copy of the notebook (running it there must not change the checkout's)."""
    import nbformat

    folder = tmp_path / "notebooks"
    folder.mkdir()
    # Without its saved outputs and widget state: everything on the page comes from this run.
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, folder / NOTEBOOK.name)
    token, port = secrets.token_hex(16), free_port()
    log = (tmp_path / "jupyterlab.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}", "--ServerApp.allow_root=True",
         "--LabApp.news_url=", "--LabApp.extension_manager=readonly"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=sample_environment(tmp_path) | {"JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config")},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/status?token={token}")
        yield f"{base}/lab/tree/{NOTEBOOK.name}?token={token}"
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def _run_all_cells(page) -> None:
    """Run > Run All Cells once the kernel is connected and idle; again if no cell starts (a busy
    machine can take the first click before the notebook is ready for it)."""
    from playwright.sync_api import expect

    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=180_000)
    for _ in range(3):
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        try:  # the copy has no execution counts: "[1]:" means this run started
            expect(page.locator(".jp-InputPrompt", has_text="[1]:").first).to_be_visible(timeout=60_000)
            return
        except AssertionError:
            continue
    raise AssertionError("Run All Cells never started the notebook's first cell")


def _drawn(page, selector: str) -> None:
    """Wait until the image holds a decoded picture (an empty Image widget shows a broken icon)."""
    page.wait_for_function(
        "s => { const img = document.querySelector(s); return img && img.complete && img.naturalWidth > 100; }",
        arg=selector,
        timeout=120_000,
    )


@requires("jupyterlab")
def test_jupyterlab_runs_the_explorer_notebook(lab):
    from playwright.sync_api import expect

    errors: list[str] = []
    with browser_page(lab, console_errors=errors) as page:
        expect(page.locator(".jp-Notebook")).to_be_visible(timeout=120_000)
        _run_all_cells(page)
        picker = page.locator(".cf-student-picker select")
        expect(picker).to_be_attached(timeout=180_000)
        page.get_by_role("tab", name="Students").first.click()
        label = picker.locator("option").nth(1).inner_text()
        picker.select_option(index=1)
        expect(page.locator(".cf-student-table").first).to_contain_text(label.split()[0], timeout=60_000)
        _drawn(page, "img.cf-student-heatmap")
        page.get_by_role("tab", name="Communication").first.click()
        # Loaded when the tab opens: the Highlight list fills with everyone in the network, then it is drawn.
        expect(page.locator(".cf-discussion-highlight select option")).not_to_have_count(1, timeout=120_000)
        _drawn(page, "img.cf-reply-network")
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-explorers.png"), full_page=True)
        assert page.locator("[data-mime-type='application/vnd.jupyter.error']").count() == 0
    assert errors == []
