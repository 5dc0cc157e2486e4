"""The bulletin's pictures: the district map coloured by cases, and the eight-week trend. Offline only.

Chinese needs a CJK font. It is loaded by path from the `noto-cjk-sans-otc` package: asked for by name,
matplotlib silently draws empty boxes when its font cache predates the font. The Figure API (no pyplot)
keeps rendering free of global state, so pictures can be drawn in a worker thread.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from matplotlib import font_manager, patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry import Polygon

from bot.content.texts import Texts
from bot.services.bulletin.area import Area
from bot.services.bulletin.boundaries import Boundaries, parts
from bot.services.bulletin.figures import WeekFigures
from bot.services.bulletin.week import format_date_range

CJK_FAMILY = "Noto Sans CJK SC"  # the Simplified Chinese face of the collection
MAP_CLASSES = 5
NO_CASES_COLOUR = "#f0f0f0"
CASE_COLOURS = ("#fee8c8", "#fdbb84", "#fc8d59", "#e34a33", "#b30000")  # ColorBrewer OrRd
DPI = 150


class FontMissing(RuntimeError):
    """The CJK font package is not installed: Chinese labels would come out as empty boxes."""


def cjk_font_path() -> Path:
    try:
        import noto_cjk_sans_otc
    except ImportError as exc:
        raise FontMissing("install the noto-cjk-sans-otc package for Chinese labels on the bulletin pictures") from exc
    return Path(str(noto_cjk_sans_otc.FONT_PATH))


@cache
def cjk_font() -> FontProperties:
    """The CJK font, registered with matplotlib by path once per process."""
    path = cjk_font_path()
    if not any(entry.name == CJK_FAMILY for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    if not any(entry.name == CJK_FAMILY and Path(entry.fname) == path for entry in font_manager.fontManager.ttflist):
        raise FontMissing(f"{path} does not provide {CJK_FAMILY}")
    return FontProperties(family=CJK_FAMILY)


def _font(size: float) -> FontProperties:
    """The package ships the Regular weight only: headings are set larger, not bold."""
    font = cjk_font().copy()
    font.set_size(size)
    return font


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _dates(figures: WeekFigures, lang: str) -> str:
    return format_date_range(figures.week.monday, figures.week.sunday, lang)


# -- map -------------------------------------------------------------------------------------------------


def case_classes(largest: int, classes: int = MAP_CLASSES) -> list[tuple[int, int]]:
    """Legend classes (low, high) of equal 'nice' width covering 1..largest; class 0 is separate."""
    if largest <= 0:
        return []
    raw = largest / classes
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(1, math.ceil(step))
    return [(i * step + 1, (i + 1) * step) for i in range(math.ceil(largest / step))]


def _class_colour(cases: int, classes: list[tuple[int, int]]) -> str:
    if cases <= 0:
        return NO_CASES_COLOUR
    index = next(i for i, (_, high) in enumerate(classes) if cases <= high)
    colours = CASE_COLOURS if len(classes) >= len(CASE_COLOURS) else CASE_COLOURS[-len(classes) :]
    return colours[min(index, len(colours) - 1)]


def _polygon_path(polygon: Polygon) -> MplPath:
    rings = [polygon.exterior, *polygon.interiors]
    vertices = np.concatenate([np.asarray(ring.coords) for ring in rings])
    codes = np.concatenate(
        [[MplPath.MOVETO] + [MplPath.LINETO] * (len(ring.coords) - 2) + [MplPath.CLOSEPOLY] for ring in rings]
    )
    return MplPath(vertices, codes)


def render_map(
    figures: WeekFigures,
    area: Area,
    boundaries: Boundaries,
    texts: Texts,
    langs: Sequence[str] = ("zh", "en"),
) -> bytes:
    """PNG of the area's districts coloured by this week's cases, each labelled with its name and count.

    Titles and legend are in every language of `langs`; district labels in the first one.
    """
    figure = Figure(figsize=(8, 8.4), layout="constrained")
    ax = figure.add_subplot()
    counts = {d.district: d.cases for d in figures.districts}
    classes = case_classes(max(counts.values(), default=0))
    for district in area.districts:
        colour = _class_colour(counts.get(district.id, 0), classes)
        for polygon in parts(boundaries.shapes[district.id]):
            ax.add_patch(PathPatch(_polygon_path(polygon), facecolor=colour, edgecolor="#555555", linewidth=0.6))
    _label_districts(ax, figures, area, boundaries, langs[0])
    minx, miny, maxx, maxy = _bounds(boundaries)
    pad = 0.02 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))  # degrees of longitude shrink with latitude
    ax.set_axis_off()
    title = texts.render("bulletin.map.title", langs[0], area=area.name.get(langs[0]), week=str(figures.week))
    figure.suptitle(title, fontproperties=_font(18))
    subtitle = "\n".join(texts.render("bulletin.map.subtitle", lang, dates=_dates(figures, lang)) for lang in langs)
    ax.set_title(subtitle, fontproperties=_font(10), color="#333333")
    _legend(ax, classes, texts, langs)
    figure.text(
        0.99,
        0.005,
        boundaries.attribution + " · GCJ-02",
        ha="right",
        va="bottom",
        fontproperties=_font(7),
        color="#777777",
    )
    if figures.synthetic:
        _watermark(figure, texts, langs)
    return _png(figure)


def _bounds(boundaries: Boundaries) -> tuple[float, float, float, float]:
    boxes = np.array([shape.bounds for shape in boundaries.shapes.values()])
    return boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()


def _label_districts(ax: Axes, figures: WeekFigures, area: Area, boundaries: Boundaries, lang: str) -> None:
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    for district in area.districts:
        if district.label_at is not None:
            x, y = district.label_at
        else:
            # the largest part's representative point: always inside the district, unlike a centroid
            largest = max(parts(boundaries.shapes[district.id]), key=lambda p: p.area)
            point = largest.representative_point()
            x, y = point.x, point.y
        cases = figures.district(district.id).cases
        ax.text(
            x,
            y,
            f"{district.short.get(lang)}\n{cases}",
            ha="center",
            va="center",
            fontproperties=_font(11),
            path_effects=halo,
            zorder=5,
        )


def _legend(ax: Axes, classes: list[tuple[int, int]], texts: Texts, langs: Sequence[str]) -> None:
    handles = [Patch(facecolor=NO_CASES_COLOUR, edgecolor="#555555", label="0")]
    for low, high in classes:
        handles.append(
            Patch(
                facecolor=_class_colour(high, classes),
                edgecolor="#555555",
                label=str(low) if low == high else f"{low}–{high}",
            )
        )
    legend = ax.legend(
        handles=handles,
        title=" / ".join(texts.render("bulletin.map.legend", lang) for lang in langs),
        loc="upper right",
        prop=_font(9),
        title_fontproperties=_font(9),
        frameon=True,
    )
    legend.get_frame().set_alpha(0.9)


def _watermark(figure: Figure, texts: Texts, langs: Sequence[str]) -> None:
    figure.text(
        0.5,
        0.5,
        " ".join(texts.render("bulletin.map.watermark", lang) for lang in langs),
        ha="center",
        va="center",
        rotation=30,
        fontproperties=_font(44),
        color="#cc0000",
        alpha=0.25,
    )


# -- trend -----------------------------------------------------------------------------------------------


def render_trend(figures: WeekFigures, area: Area, texts: Texts, langs: Sequence[str] = ("zh", "en")) -> bytes:
    """PNG of the last weeks' cases (bars) and amount in 万元 (line); this week's bar stands out."""
    points = figures.trend
    figure = Figure(figsize=(8, 4.6), layout="constrained")
    ax = figure.add_subplot()
    x = np.arange(len(points))
    cases = [p.cases for p in points]
    colours = [CASE_COLOURS[1]] * (len(points) - 1) + [CASE_COLOURS[3]]
    bars = ax.bar(x, cases, color=colours, width=0.6)
    for bar, value in zip(bars, cases, strict=True):
        ax.annotate(
            str(value),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            xytext=(0, 2),
            textcoords="offset points",
            fontproperties=_font(9),
        )
    ax.set_xticks(x, [f"{p.week}\n{p.week.monday:%m/%d}" for p in points])
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(_font(8))
    ax.set_ylabel(" / ".join(texts.render("bulletin.trend.cases", lang) for lang in langs), fontproperties=_font(9))
    ax.set_ylim(0, max([*cases, 1]) * 1.18)
    amount_ax = ax.twinx()
    amount_ax.plot(x, [p.amount / 10_000 for p in points], color="#444444", marker="o", linewidth=1.5)
    amount_ax.set_ylim(0, max([p.amount / 10_000 for p in points] + [1]) * 1.18)
    amount_ax.set_ylabel(
        " / ".join(texts.render("bulletin.trend.amount", lang) for lang in langs), fontproperties=_font(9)
    )
    for label in amount_ax.get_yticklabels():
        label.set_fontproperties(_font(8))
    for spine in ("top",):
        ax.spines[spine].set_visible(False)
        amount_ax.spines[spine].set_visible(False)
    title = "\n".join(
        texts.render("bulletin.trend.title", lang, area=area.name.get(lang), weeks=len(points)) for lang in langs
    )
    ax.set_title(title, fontproperties=_font(13))
    if figures.synthetic:
        _watermark(figure, texts, langs)
    return _png(figure)
