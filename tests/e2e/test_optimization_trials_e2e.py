"""The Optimization Playground's "Your trials" source in a real browser: upload a trial
file, read what the page says it read, download the study with the suggestions and
check that it parses back into the same space with the suggested rows to fill in."""

from __future__ import annotations

from pathlib import Path

import pytest

from crucible_io.trials import read_trials
from tests.e2e.conftest import assert_no_exception, save_screenshot, wait_for_app
from tests.e2e.test_optimization_e2e import _open

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "trials" / \
    "prompt_tuning_trials.csv"


def test_upload_trials_and_download_the_study(page) -> None:  # type: ignore[no-untyped-def]
    _open(page)
    page.get_by_test_id("stButtonGroup").get_by_text("Your trials", exact=True).click()
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(FIXTURE))
    page.get_by_text("Try next").first.wait_for(state="visible", timeout=120_000)
    wait_for_app(page, timeout_ms=180_000)
    assert_no_exception(page)
    assert page.get_by_text("with a score").first.is_visible()
    for kind in ("CSV", "JSON"):
        button = page.get_by_role("button", name=f"Download the study ({kind})")
        button.scroll_into_view_if_needed()
        with page.expect_download() as download:
            button.click()
        path = Path(download.value.path())
        assert download.value.suggested_filename == f"study.{kind.lower()}"
        study = read_trials(path, name=download.value.suggested_filename)
        original = read_trials(FIXTURE)
        # the page's space went through its editor text (six significant digits)
        for got, want in zip(study.space.dimensions, original.space.dimensions, strict=True):
            assert (got.name, got.kind, got.log, got.categories) == (
                want.name, want.kind, want.log, want.categories)
            assert (got.low, got.high) == pytest.approx((want.low, want.high), rel=1e-5)
        assert int(study.frame["score"].isna().sum()) == 5  # the suggestions, to fill in
        assert int(study.frame["score"].notna().sum()) == 8
        for row in study.frame[study.space.names].to_dict("records"):
            assert study.space.contains(row)
    assert_no_exception(page)
    save_screenshot(page, "optimization-your-trials", height=5200)
