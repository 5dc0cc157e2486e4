"""`fraudbot ask` and `fraudbot eval`: the engine from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.common import add_content_option, add_lang_option, fail, read_stdin_text
from bot.content.loader import ContentBase
from bot.engine import Engine, load_engine
from bot.engine.inputs import input_problem
from bot.services.evaluation import EvalFileError, EvalReport, evaluate, read_labelled
from bot.services.replies import render_input_problem, render_verdict, verdict_record


def register(subparsers: argparse._SubParsersAction) -> None:
    ask = subparsers.add_parser("ask", help="judge one message and print the reply a user would get")
    ask.add_argument("text", nargs="?", help="the message (read from standard input when omitted)")
    ask.add_argument("--json", action="store_true", help="print one JSON object (the contract's fields)")
    ask.add_argument("--jsonl", action="store_true",
                     help='read JSON lines {"text": ...} on stdin, write one object per line')
    add_lang_option(ask)
    add_content_option(ask)
    ask.set_defaults(handler=run_ask)

    evaluation = subparsers.add_parser("eval", help="score the rule base on a labelled JSON-lines file")
    evaluation.add_argument("file", type=Path)
    evaluation.add_argument("--show-misses", action="store_true", help="list every miss and false alarm")
    add_content_option(evaluation)
    evaluation.set_defaults(handler=run_eval)


def answer(engine: Engine, text: str, lang: str) -> dict[str, object]:
    """The contract record for one message, input problems included."""
    content: ContentBase = engine.content
    problem = input_problem(text)
    verdict = engine.assess("" if problem else text)
    reply = render_input_problem(content, problem, lang) if problem else render_verdict(content, verdict, lang)
    return verdict_record(verdict, reply, lang)


def _jsonl(engine: Engine, lang: str) -> int:
    for number, line in enumerate(sys.stdin.buffer, start=1):
        raw = line.decode("utf-8", errors="replace").strip()
        if not raw:
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            record = {"error": f"line {number}: not valid JSON ({exc.msg})"}
        if isinstance(record, dict) and "error" not in record:
            text = record.get("text")
            line_lang = record.get("lang", lang)
            output = answer(engine, text if isinstance(text, str) else "", "en" if line_lang == "en" else "zh")
        else:
            output = record if isinstance(record, dict) else {"error": f"line {number}: expected an object"}
        sys.stdout.write(json.dumps(output, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


def run_ask(args: argparse.Namespace) -> int:
    engine = load_engine(args.content)
    if args.jsonl:
        return _jsonl(engine, args.lang)
    text = args.text if args.text is not None else read_stdin_text()
    record = answer(engine, text, args.lang)
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        print(record["reply"])
    return 0


def _print_report(report: EvalReport, show_misses: bool) -> None:
    print(f"messages: {report.total} (scams {report.scams}, benign {report.benign}, ambiguous {report.ambiguous})")
    print(f"recall (scams flagged medium/high): {report.recall:.1%} ({report.scams_flagged}/{report.scams})")
    print(f"false-alarm rate (benign flagged):  {report.false_alarm_rate:.1%} "
          f"({report.benign_flagged}/{report.benign})")
    print(f"ambiguous flagged:                  "
          f"{report.ratio(report.ambiguous_flagged, report.ambiguous):.1%}")
    print(f"type accuracy:                      {report.type_accuracy:.1%} ({report.type_correct}/{report.typed})")
    print(f"stage accuracy:                     {report.stage_accuracy:.1%} "
          f"({report.stage_correct}/{report.staged})")
    print(f"'after' recognised:                 {report.after_recall:.1%} ({report.after_found}/{report.after})")
    labels = sorted({a for a, _ in report.confusion})
    predicted = sorted({p for _, p in report.confusion})
    width = max((len(x) for x in labels), default=8) + 1
    print("\nconfusion matrix (rows: expected, columns: judged)")
    print(" " * width + " ".join(f"{p[:6]:>6}" for p in predicted))
    for label in labels:
        print(f"{label:<{width}}" + " ".join(f"{report.confusion[(label, p)] or '.':>6}" for p in predicted))
    if show_misses and report.misses:
        print("\nmisses:")
        for text, problem in report.misses:
            print(f"- {problem}: {text[:80]}")


def run_eval(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        return fail(f"{args.file}: file not found")
    try:
        messages = read_labelled(args.file)
    except EvalFileError as exc:
        return fail(str(exc))
    _print_report(evaluate(load_engine(args.content), messages), args.show_misses)
    return 0
