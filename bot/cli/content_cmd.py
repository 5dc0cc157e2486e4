"""`fraudbot content check`: validate every content file and run every rule's examples."""

from __future__ import annotations

import argparse

from bot.cli.common import add_content_option
from bot.engine import load_engine
from bot.services.content_check import RuleResult, check_examples


def register(subparsers: argparse._SubParsersAction) -> None:
    content = subparsers.add_parser("content", help="work with the YAML content base")
    actions = content.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate all content and run every rule's examples")
    check.add_argument("--type", dest="scam_type", default=None, help="only the rules of this scam type")
    check.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    add_content_option(check)
    check.set_defaults(handler=run_check)


def _table(results: list[RuleResult]) -> None:
    width = max((len(r.rule_id) for r in results), default=10)
    print(f"{'rule':<{width}}  {'type':<24} {'positive':>9} {'negative':>9}  result")
    for r in results:
        print(f"{r.rule_id:<{width}}  {r.scam_type:<24} {r.positives_passed:>4}/{r.positives:<4} "
              f"{r.negatives_passed:>4}/{r.negatives:<4}  {'pass' if r.passed else 'FAIL'}")


def run_check(args: argparse.Namespace) -> int:
    engine = load_engine(args.content)
    results = check_examples(engine, args.scam_type)
    if not args.quiet:
        _table(results)
    failures = [f for r in results for f in r.failures]
    for failure in failures:
        print(f"FAIL {failure.rule_id} {failure.polarity}: {failure.problem}\n     {failure.text}")
    total = sum(r.positives + r.negatives for r in results)
    print(f"\ncontent valid; {len(results)} rules, {total} examples, {len(failures)} failing")
    return 1 if failures else 0
