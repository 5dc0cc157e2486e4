"""The one place that turns a verdict into the text a user reads (Telegram, terminal and CLI alike)."""

from __future__ import annotations

from bot.content.loader import ContentBase
from bot.engine.inputs import InputProblem
from bot.engine.normalise import MAX_CHARS
from bot.engine.verdict import Link, Phone, SignalHit, Verdict

MAX_REASONS = 5


def _title(content: ContentBase, verdict: Verdict, lang: str) -> str | None:
    if not verdict.scam_type:
        return None
    return content.scam_types[verdict.scam_type].title.get(lang)


def _reason_line(content: ContentBase, hit: SignalHit, lang: str) -> str:
    texts = content.texts
    if hit.quote:
        return texts.render("verdict.why_item", lang, label=hit.label(lang), quote=hit.quote)
    return texts.render("verdict.why_item_plain", lang, label=hit.label(lang))


def _reasons(content: ContentBase, verdict: Verdict, lang: str) -> list[str]:
    shown = [h for h in verdict.hits if h.weight > 0 and h.kind != "stage_before"][:MAX_REASONS]
    if not shown:
        return []
    return [content.texts.render("verdict.why", lang), *(_reason_line(content, h, lang) for h in shown)]


def _advice(content: ContentBase, verdict: Verdict, lang: str) -> list[str]:
    texts = content.texts
    if verdict.stage == "after" and verdict.risk != "low":
        lines = [texts.render("verdict.what_now", lang), texts.render("verdict.after_steps", lang)]
        if verdict.rule_id:
            lines.append(content.rule(verdict.rule_id).rule.advice.after.get(lang))
        return lines
    if verdict.risk == "low":
        return [texts.render("verdict.low_disclaimer", lang)]
    advice = (content.rule(verdict.rule_id).rule.advice.now.get(lang) if verdict.rule_id
              else texts.render("verdict.generic_advice_medium", lang))
    return [texts.render("verdict.what_now", lang), advice]


def _link_line(content: ContentBase, link: Link, lang: str) -> str:
    return content.texts.render(f"verdict.link.{link.verdict}", lang, url=link.url, name=link.official_name or "")


def _phone_line(content: ContentBase, phone: Phone, lang: str) -> str:
    return content.texts.render(f"verdict.phone.{phone.kind}", lang, number=phone.number,
                                name=phone.official_name or "")


def _entities(content: ContentBase, verdict: Verdict, lang: str) -> list[str]:
    lines = [_link_line(content, link, lang) for link in verdict.entities.links]
    lines += [_phone_line(content, phone, lang) for phone in verdict.entities.phones]
    return [content.texts.render("verdict.links", lang), *lines] if lines else []


def banner(content: ContentBase, verdict: Verdict, lang: str) -> str:
    key = "after" if verdict.stage == "after" and verdict.risk != "low" else verdict.risk
    return content.texts.render(f"verdict.banner.{key}", lang)


def render_verdict(content: ContentBase, verdict: Verdict, lang: str) -> str:
    """Banner, type, the user's own words that triggered each signal, what to do, numbers and links."""
    texts = content.texts
    blocks: list[list[str]] = [[banner(content, verdict, lang)]]
    title = _title(content, verdict, lang)
    if title:
        blocks[0].append(texts.render("verdict.type", lang, title=title))
    if verdict.risk != "low" and verdict.rule_id:
        blocks[0].append(content.rule(verdict.rule_id).rule.explanation.get(lang))
    blocks.append(_reasons(content, verdict, lang))
    blocks.append(_advice(content, verdict, lang))
    blocks.append(_entities(content, verdict, lang))
    if verdict.risk == "high" or verdict.stage == "after":
        blocks.append([texts.render("verdict.emergency_numbers", lang)])
    if verdict.truncated:
        blocks.append([texts.render("verdict.truncated", lang, chars=MAX_CHARS)])
    return "\n\n".join("\n".join(block) for block in blocks if block)


def render_input_problem(content: ContentBase, problem: InputProblem, lang: str) -> str:
    key = {"empty": "input.empty", "no_text": "input.no_text", "binary": "input.binary"}[problem]
    return content.texts.render(key, lang)


def verdict_record(verdict: Verdict, reply: str, lang: str) -> dict[str, object]:
    """The JSON contract of `fraudbot ask --json` (DESIGN.md)."""
    return {
        "risk": verdict.risk,
        "scam_type": verdict.scam_type,
        "rule_id": verdict.rule_id,
        "score": verdict.score,
        "signals": verdict.signals,
        "stage": verdict.stage,
        "escalate": verdict.escalate,
        "priority": verdict.priority,
        "reply": reply,
        "lang": lang,
    }
