"""The map and trend pictures render offline, with every Chinese glyph present."""

from __future__ import annotations

import io
import warnings

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from bot.content.texts import Texts
from bot.services.bulletin.area import Area
from bot.services.bulletin.boundaries import load_boundaries
from bot.services.bulletin.charts import case_classes, cjk_font, cjk_font_path, render_map, render_trend
from bot.services.bulletin.demo import generate_demo_cases
from bot.services.bulletin.figures import compute_figures
from bot.services.bulletin.week import IsoWeek
from tests.services.bulletin.handmade import W23, history

WEEK = IsoWeek(2026, 24)


def _no_glyph_warnings(render):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render()
    missing = [str(w.message) for w in caught if "Glyph" in str(w.message) or "findfont" in str(w.message)]
    assert missing == []
    assert [str(w.message) for w in caught] == []
    return png


def _image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.fixture(scope="module")
def ningbo_figures(ningbo: Area):
    return compute_figures(generate_demo_cases(ningbo, WEEK, weeks=9, seed=5), WEEK, ningbo)


def test_the_font_comes_from_the_pip_package() -> None:
    assert cjk_font_path().name == "NotoSansCJK-Regular.ttc"
    assert cjk_font().get_family() == ["Noto Sans CJK SC"]


def test_missing_glyphs_would_be_caught() -> None:
    """The check below can fail: matplotlib's default font has no Chinese glyphs and warns about each."""
    figure = Figure()
    figure.text(0.5, 0.5, "宁波反诈地图", family="DejaVu Sans")
    FigureCanvasAgg(figure)
    with pytest.raises(UserWarning, match="Glyph"):
        figure.savefig(io.BytesIO(), format="png")


def test_ningbo_map_renders_every_district_without_missing_glyphs(ningbo: Area, ningbo_figures,
                                                                  bulletin_texts: Texts) -> None:
    boundaries = load_boundaries(ningbo)
    png = _no_glyph_warnings(lambda: render_map(ningbo_figures, ningbo, boundaries, bulletin_texts))
    image = _image(png)
    assert image.format == "PNG" and image.size == (1200, 1260)
    assert len(image.getcolors(1 << 16) or []) > 50  # filled districts, labels and text, not a blank page


def test_zhoushan_map_renders(bulletin_texts: Texts) -> None:
    from bot.services.bulletin.area import load_area

    zhoushan = load_area("zhoushan")
    figures = compute_figures(generate_demo_cases(zhoushan, WEEK, weeks=3, seed=2), WEEK, zhoushan)
    _no_glyph_warnings(lambda: render_map(figures, zhoushan, load_boundaries(zhoushan), bulletin_texts))


def test_trend_renders_without_missing_glyphs(ningbo: Area, ningbo_figures, bulletin_texts: Texts) -> None:
    assert len(ningbo_figures.trend) == 8
    image = _image(_no_glyph_warnings(lambda: render_trend(ningbo_figures, ningbo, bulletin_texts)))
    assert image.size == (1200, 690)


def test_pictures_of_a_first_and_an_empty_week(testland: Area, bulletin_texts: Texts) -> None:
    boundaries = load_boundaries(testland)
    for week in (IsoWeek(2026, 20), W23.shift(1)):
        figures = compute_figures(history(), week, testland)
        _no_glyph_warnings(lambda f=figures: render_map(f, testland, boundaries, bulletin_texts))
        _no_glyph_warnings(lambda f=figures: render_trend(f, testland, bulletin_texts))


def test_district_colours_follow_the_case_counts(testland: Area, bulletin_texts: Texts) -> None:
    figures = compute_figures(history(), W23, testland)  # b 6, c 2, a 2, d 0
    image = _image(render_map(figures, testland, load_boundaries(testland), bulletin_texts)).convert("RGB")
    width, height = image.size
    # sample each square's lower part (labels sit at the centre); districts run a, b, c, d from west to east
    samples = [image.getpixel((int(width * x), int(height * 0.62))) for x in (0.17, 0.39, 0.61, 0.83)]
    a, b, c, d = samples
    assert a == c  # same class
    assert d == (240, 240, 240)  # no cases: grey
    assert sum(b) < sum(a) < sum(d)  # more cases, darker


def test_legend_classes() -> None:
    assert case_classes(0) == []
    assert case_classes(6) == [(1, 2), (3, 4), (5, 6)]
    assert case_classes(67) == [(1, 20), (21, 40), (41, 60), (61, 80)]
    assert case_classes(1) == [(1, 1)]
