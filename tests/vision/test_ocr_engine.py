"""The OCR engine loads once, lazily and thread-safely, degrades to "not available", and reads tall pictures
in tiles that cover every line once."""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import sys
import threading
import time
from collections.abc import Sequence
from itertools import pairwise
from types import ModuleType

import pytest

from bot.vision import ocr, ocr_installed, warm_up
from bot.vision.decode import ocr_scale
from bot.vision.settings import OCR_SETTINGS


@pytest.fixture
def fresh_engine_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the process-wide engine for one test (the real one comes back afterwards)."""
    monkeypatch.setattr(ocr, "_engine", None)
    monkeypatch.setattr(ocr, "_load_attempted", False)


class _LibGLMissing(importlib.abc.MetaPathFinder):
    """Fails the OCR import the way opencv-python does on a server without libGL."""

    def find_spec(self, name: str, path: Sequence[str] | None, target: ModuleType | None = None) -> None:
        if name == "rapidocr_onnxruntime":
            raise ImportError("libGL.so.1: cannot open shared object file: No such file or directory")


@pytest.mark.usefixtures("fresh_engine_state")
def test_concurrent_first_readers_load_the_engine_once(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[int] = []

    def slow_load(settings: object) -> object:
        loads.append(1)
        time.sleep(0.05)
        return "engine"

    monkeypatch.setattr(ocr, "_load_engine", slow_load)
    engines: list[object] = []
    threads = [threading.Thread(target=lambda: engines.append(ocr.get_engine())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(loads) == 1
    assert engines == ["engine"] * 8


@pytest.mark.usefixtures("fresh_engine_state")
def test_missing_ocr_package_means_not_available_and_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)

    assert ocr.get_engine() is None
    assert warm_up() is False
    monkeypatch.delitem(sys.modules, "rapidocr_onnxruntime")
    assert ocr.get_engine() is None, "the failed load is remembered, not repeated for every picture"


@pytest.mark.usefixtures("fresh_engine_state")
def test_opencv_without_libgl_logs_how_to_switch_to_the_headless_build(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delitem(sys.modules, "rapidocr_onnxruntime", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_LibGLMissing(), *sys.meta_path])

    with caplog.at_level(logging.WARNING, logger="bot.vision.ocr"):
        assert ocr.get_engine() is None

    assert "opencv-python-headless" in caplog.text


def test_ocr_installed_answers_without_loading_anything() -> None:
    assert ocr_installed() == (importlib.util.find_spec("rapidocr_onnxruntime") is not None)


def test_engine_runs_on_at_most_two_threads_for_this_two_core_machine() -> None:
    assert 1 <= OCR_SETTINGS.intra_op_threads <= 2
    assert OCR_SETTINGS.inter_op_threads == 1


@pytest.mark.parametrize("height", [100, 2000, 2001, 4030, 8158, 20_000])
def test_tiles_cover_the_picture_and_own_every_row_exactly_once(height: int) -> None:
    spans = list(ocr.tile_spans(1000, height))

    assert spans[0][0] == 0
    assert spans[-1][1] == height
    assert all(bottom - top <= OCR_SETTINGS.tile_long_side for top, bottom, _, _ in spans)
    owned = [(keep_from, keep_to) for _, _, keep_from, keep_to in spans]
    assert owned[0][0] == 0 and owned[-1][1] == height
    assert all(earlier[1] == later[0] for earlier, later in pairwise(owned))
    for top, bottom, keep_from, keep_to in spans:
        line_height = 100  # any line this tall, centred in the band's own range, lies inside the band
        assert top <= keep_from - line_height / 2 or top == 0
        assert keep_to + line_height / 2 <= bottom or bottom == height


def test_narrow_tall_pictures_get_shorter_tiles_so_the_detector_does_not_upscale_a_huge_strip() -> None:
    spans = list(ocr.tile_spans(300, 6000))

    assert max(bottom - top for top, bottom, _, _ in spans) <= 900


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        pytest.param((1080, 2340), (923, 2000), id="phone screenshot: long side to 2000"),
        pytest.param((591, 1280), (591, 1280), id="Telegram-compressed photo: never enlarged"),
        pytest.param((5472, 3648), (2000, 1333), id="20-megapixel photo"),
        pytest.param((1080, 8000), (900, 6667), id="long screenshot keeps its width"),
        pytest.param((12000, 1500), (4096, 512), id="panorama capped harder"),
    ],
)
def test_pictures_are_scaled_so_text_stays_legible_and_work_stays_bounded(
        size: tuple[int, int], expected: tuple[int, int]) -> None:
    scale = ocr_scale(*size)

    assert (round(size[0] * scale), round(size[1] * scale)) == expected
