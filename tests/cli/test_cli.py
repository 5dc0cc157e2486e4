"""The `fraudbot` command as users and scripts call it."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_FIELDS = {"risk", "scam_type", "rule_id", "score", "signals", "stage", "escalate", "priority", "reply",
                   "lang"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ask_prints_the_reply_a_user_would_get(capsys) -> None:
    code, out, _ = run(capsys, "ask", "一个自称上海公安的人说我卡涉嫌洗钱，让我把钱转到安全账户，是真的吗？")
    assert code == 0 and "安全账户" in out and "110" in out


def test_ask_json_has_exactly_the_contract_fields(capsys) -> None:
    code, out, _ = run(capsys, "ask", "--json", "--lang", "en", "Pay 500 yuan deposit first to release your loan")
    record = json.loads(out)
    assert code == 0 and set(record) == CONTRACT_FIELDS
    assert record["lang"] == "en" and record["risk"] in ("medium", "high")
    assert isinstance(record["signals"], list) and isinstance(record["escalate"], bool)


def test_ask_jsonl_answers_every_line_in_order(capsys, monkeypatch) -> None:
    lines = [{"text": "今天天气不错"}, {"text": "刷单返利先垫付"}, {"text": ""}, "not json",
             {"text": "hi", "lang": "en"}]
    raw = "\n".join(json.dumps(x, ensure_ascii=False) if isinstance(x, dict) else x for x in lines) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw.encode()), encoding="utf-8"))
    code, out, _ = run(capsys, "ask", "--jsonl")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 5
    assert records[0]["risk"] == "low" and records[1]["risk"] != "low"
    assert "error" in records[3] and records[4]["lang"] == "en"


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f"])
def test_ask_bad_input_gives_a_clear_message(capsys, text: str) -> None:
    code, out, err = run(capsys, "ask", "--json", text)
    assert code == 0 and json.loads(out)["risk"] == "low" and "Traceback" not in err
    assert "文字" in json.loads(out)["reply"]


def test_ask_huge_input_is_answered(capsys) -> None:
    code, out, _ = run(capsys, "ask", "--json", "安全账户" * 25_000)
    assert code == 0 and "6000" in json.loads(out)["reply"]


def test_binary_on_stdin_gives_no_traceback(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 50
    result = subprocess.run([sys.executable, "-m", "bot", "ask"], input=junk, capture_output=True, check=False)
    assert result.returncode == 0 and b"Traceback" not in result.stderr


def test_content_check_prints_a_per_rule_table(capsys) -> None:
    code, out, _ = run(capsys, "content", "check")
    assert "rule" in out and "positive" in out and re.search(r"\d+ rules, \d+ examples", out)
    assert code in (0, 1)


def test_malformed_yaml_names_file_and_line(capsys, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    target = content / "rules" / "fake_loan.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "\n  broken: [unclosed\n", encoding="utf-8")
    code, _, err = run(capsys, "content", "check", "--content", str(content))
    assert code == 2 and "fake_loan.yaml" in err and re.search(r"fake_loan\.yaml:\d+", err)


def test_invalid_field_names_file_rule_and_field(capsys, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    target = content / "rules" / "fake_loan.yaml"
    text = target.read_text(encoding="utf-8")
    target.write_text(re.sub(r"weight: [\d.]+", "weight: lots", text, count=1), encoding="utf-8")
    code, _, err = run(capsys, "ask", "--content", str(content), "hello")
    assert code == 2 and "fake_loan.yaml" in err and "rule " in err and "weight" in err


def test_eval_prints_the_figures(capsys) -> None:
    code, out, _ = run(capsys, "eval", str(ROOT / "tests" / "data" / "eval.jsonl"))
    for figure in ("recall", "false-alarm", "type accuracy", "stage accuracy", "confusion matrix"):
        assert figure in out
    assert code == 0


def test_eval_reports_a_bad_line(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{broken\n', encoding="utf-8")
    code, _, err = run(capsys, "eval", str(bad))
    assert code == 2 and "bad.jsonl:2" in err


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    for name in subparsers.choices:
        assert f"./dev {name}" in readme, f"`fraudbot {name}` is not in the README"


def test_chat_answers_like_the_bot_and_logs_the_inquiry(tmp_path: Path) -> None:
    db = tmp_path / "chat.sqlite3"
    script = "客服让我扫码退款先交保证金\n3\n/types\n1\n/quit\n"
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--db", str(db)], input=script.encode(),
                            capture_output=True, check=False, timeout=60)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "保证金" in out and "有帮助" in out and "谢谢" in out and "识别要点" in out
    listing = subprocess.run([sys.executable, "-m", "bot", "inquiries", "--db", str(db)], capture_output=True,
                             check=False)
    assert "fake_customer_service" in listing.stdout.decode()


def test_yaml_words_like_off_stay_keywords(tmp_path: Path) -> None:
    from bot.content.yamlfile import read_yaml

    path = tmp_path / "words.yaml"
    path.write_text("any: [off, yes, 12333]\nflag: true\n", encoding="utf-8")
    assert read_yaml(path) == {"any": ["off", "yes", 12333], "flag": True}


@pytest.mark.parametrize(("config_text", "expected"), [
    ("telegram: {token: ''}\n", "no Telegram token"),
    ("telegram: {token: 'not-a-token'}\n", "looks wrong"),
    ("telegram: {tokn: x}\n", "telegram.tokn"),
    ("storage: {database: [1, 2]}\n", "storage.database"),
])
def test_run_explains_config_and_token_problems_without_a_traceback(tmp_path: Path, monkeypatch,
                                                                    config_text: str, expected: str) -> None:
    monkeypatch.delenv("FRAUDBOT_TOKEN", raising=False)
    config = tmp_path / "config.yaml"
    config.write_text(config_text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config)], capture_output=True,
                            check=False, timeout=60, env={k: v for k, v in __import__("os").environ.items()
                                                          if k != "FRAUDBOT_TOKEN"})
    assert result.returncode == 2
    assert expected in result.stderr.decode() and b"Traceback" not in result.stderr
