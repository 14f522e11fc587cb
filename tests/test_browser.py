"""A real browser: Voila serves notebooks/06-explorers.ipynb; headless Chromium picks a student, opens
the Communication tab and filters the Instructor view (see tests/browser.py for what it needs)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import canvasframe as cf

from .browser import ARTIFACTS, ROOT, browser_page, free_port, needs, sample_environment, wait_until_up

NOTEBOOK = ROOT / "notebooks" / "06-explorers.ipynb"
pytestmark = needs("voila")


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("voila")
    port = free_port()
    log = (tmp_path / "voila.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=sample_environment(tmp_path),
        cwd=NOTEBOOK.parent,
    )
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(url + "api/status")
    yield url
    proc.terminate()
    proc.wait(20)
    log.close()


@pytest.fixture
def page(voila):
    """A fresh page of the explorer notebook (each one is its own kernel in Voila)."""
    with browser_page(voila) as page:
        yield page


def _image_changes(page, selector: str, before: str | None) -> None:
    page.wait_for_function(
        "([selector, src]) => document.querySelector(selector).getAttribute('src') !== src",
        arg=[selector, before],
        timeout=60_000,
    )


def test_voila_explorer_shows_the_picked_students_figure(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Students").click()
    picker = page.locator(".cf-student-picker select")
    expect(picker).to_be_visible(timeout=120_000)
    first_image = page.locator("img.cf-student-heatmap").get_attribute("src", timeout=60_000)
    option = picker.locator("option").nth(1)
    label = option.inner_text()
    student_id = label.split()[0]
    picker.select_option(index=1)
    table = page.locator(".cf-student-table")
    expect(table).to_contain_text(student_id, timeout=60_000)
    heatmap = page.locator("img.cf-student-heatmap")
    expect(heatmap).to_be_visible()
    _image_changes(page, "img.cf-student-heatmap", first_image)
    page.screenshot(path=str(ARTIFACTS / "voila-course-explorer.png"), full_page=True)
    assert (ARTIFACTS / "voila-course-explorer.png").stat().st_size > 10_000


def test_voila_communication_tab_toggles_channels_and_rings_the_picked_student(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Communication").click()  # every channel loads now, in the kernel
    highlight = page.locator(".cf-discussion-highlight select")
    expect(highlight.locator("option")).not_to_have_count(1, timeout=120_000)  # more than "nobody"
    network = page.locator("img.cf-reply-network")
    expect(network).to_be_visible(timeout=60_000)
    expect(page.locator(".cf-topic-picker select option").first).to_be_visible()
    before = network.get_attribute("src")
    option = highlight.locator("option").nth(2)
    person = option.inner_text().split()[0]
    highlight.select_option(index=2)
    expect(page.locator(".cf-discussion-person")).to_contain_text(f"Highlighted: {person}", timeout=60_000)
    _image_changes(page, "img.cf-reply-network", before)
    channels = page.locator("img.cf-channel-network")
    expect(channels).to_be_visible(timeout=60_000)
    expect(page.locator(".cf-channel-summary")).to_contain_text("peer_review")
    before = channels.get_attribute("src")
    page.locator(".cf-channel-peer_review").click()  # the peer-review toggle: that channel leaves the network
    expect(page.locator(".cf-channel-summary")).not_to_contain_text("peer_review", timeout=60_000)
    _image_changes(page, "img.cf-channel-network", before)
    page.screenshot(path=str(ARTIFACTS / "voila-communication-tab.png"), full_page=True)
    assert (ARTIFACTS / "voila-communication-tab.png").stat().st_size > 10_000


def test_voila_instructor_view_previews_messages_and_cannot_send_on_the_sample(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Instructor").click()
    table_filter = page.locator(".cf-table-filter select")
    expect(table_filter).to_be_visible(timeout=120_000)
    rows = page.locator(".cf-student-table-report tbody tr")
    expect(rows.first).to_be_visible(timeout=60_000)
    everyone = rows.count()
    table_filter.select_option(label="missing ≥ 2")
    # The table shrinks to the filtered students, and the draft has one message for each of them.
    page.wait_for_function(
        """everyone => {
            const shown = document.querySelectorAll('.cf-student-table-report tbody tr').length;
            const drafted = document.querySelectorAll('.cf-message-preview tbody tr').length;
            return 0 < shown && shown < everyone && shown === drafted;
        }""",
        arg=everyone,
        timeout=60_000,
    )
    expect(page.locator(".cf-message-preview")).to_contain_text("Canvas shows")
    expect(page.locator("button.cf-send")).to_be_disabled()
    page.screenshot(path=str(ARTIFACTS / "voila-instructor-view.png"), full_page=True)


def test_voila_quizzes_tab_maps_the_quiz_and_redraws_the_picked_questions_options(page):
    from playwright.sync_api import expect

    from canvasframe._sample import sample_config
    from canvasframe.sandbox.institution import Institution

    inst = Institution(sample_config())
    quiz = inst.quizzes(inst.courses[cf.sample(quiet=True).sample_course_id])[0]
    page.get_by_role("tab", name="Quizzes").click()  # the quizzes load now, in the kernel
    table = page.locator(".cf-quiz-items table")
    expect(table).to_be_visible(timeout=120_000)
    assert table.locator("tbody tr").count() == len(quiz.questions)
    expect(page.locator("img.cf-item-map")).to_be_visible()
    before = page.locator("img.cf-quiz-options").get_attribute("src")
    page.locator(".cf-question-picker select").select_option(index=3)
    _image_changes(page, "img.cf-quiz-options", before)
    page.screenshot(path=str(ARTIFACTS / "voila-quizzes-tab.png"), full_page=True)
