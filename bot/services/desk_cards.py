"""The staff desk as plain text: case cards, the queue, statistics and the short notices around them.

Pure functions of the case data and the texts, no Telegram: the adapter sends what they return as plain
text (no parse mode). Personal data is masked unless the case was revealed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.content.texts import Texts
from bot.privacy import mask_text
from bot.services.desk import ClaimResult, DeskStats, QueueEntry
from bot.storage.escalations import Case, CaseMessage, VerdictSummary

TELEGRAM_LIMIT = 4096  # characters, as Telegram counts them (UTF-16 code units)
MAX_MESSAGE_CHARS = 500  # one message inside a card
MAX_NAME_CHARS = 40
MAX_QUOTE_CHARS = 60
MAX_QUEUE_LINES = 40
PRIORITY_ICONS = {"urgent": "🔴", "high": "🟠", "normal": "🟢"}
STAR = "⭐"


def telegram_length(text: str) -> int:
    """Length as Telegram measures it: emoji outside the BMP count twice."""
    return len(text.encode("utf-16-le")) // 2


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _shown(text: str, reveal: bool) -> str:
    return text if reveal else mask_text(text)


def format_duration(texts: Texts, delta: timedelta, lang: str) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        return texts.render("desk.duration.seconds", lang, seconds=seconds)
    minutes = seconds // 60
    if minutes < 60:
        return texts.render("desk.duration.minutes", lang, minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return texts.render("desk.duration.hours", lang, hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return texts.render("desk.duration.days", lang, days=days, hours=hours)


def format_money(texts: Texts, amount: float, lang: str) -> str:
    figure = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    return texts.render("desk.money", lang, amount=figure)


def display_name(case: Case, *, reveal: bool) -> str:
    return _clip(_shown(case.display_name or f"#{case.user_id % 10000:04d}", reveal), MAX_NAME_CHARS)


# --- the card ---------------------------------------------------------------------------------------------

def _status_lines(texts: Texts, case: Case, lang: str, now: datetime, target: timedelta | None,
                  reveal: bool) -> list[str]:
    wait = format_duration(texts, case.waiting(now), lang)
    if case.status == "open":
        lines = [texts.render("desk.card.status.open", lang, wait=wait)]
        if target is not None and case.waiting(now) > target:
            lines.append(texts.render("desk.card.over_target", lang,
                                      target=format_duration(texts, target, lang)))
        return lines
    if case.status == "cancelled":
        return [texts.render("desk.card.status.cancelled", lang)]
    officer = case.claimed_by_name or str(case.claimed_by or "")
    lines = []
    if case.claimed_at is not None:
        lines.append(texts.render("desk.card.status.claimed", lang, officer=officer, wait=wait))
    if case.status == "closed":
        lines.append(_closed_line(texts, case, lang))
        if case.note:
            lines.append(texts.render("desk.card.note", lang, note=_clip(_shown(case.note, reveal), 300)))
        if case.rating is not None:
            lines.append(texts.render("desk.card.rating", lang, rating=case.rating))
    return lines


def _closed_line(texts: Texts, case: Case, lang: str) -> str:
    outcome = texts.render(f"desk.outcome.{case.outcome or 'other'}", lang)
    if case.amount is not None and case.outcome in ("prevented", "lost"):
        key = "desk.card.saved" if case.outcome == "prevented" else "desk.card.lost"
        outcome += " · " + texts.render(key, lang, money=format_money(texts, case.amount, lang))
    return texts.render("desk.card.status.closed", lang, outcome=outcome)


def _verdict_lines(texts: Texts, verdict: VerdictSummary | None, lang: str, reveal: bool) -> list[str]:
    if verdict is None:
        return [texts.render("desk.card.verdict_none", lang)]
    parts = [texts.render(f"desk.risk.{verdict.risk}", lang)]
    title = verdict.title(lang)
    if title:
        parts.append(title)
    parts.append(texts.render(f"desk.stage.{verdict.stage}", lang))
    if verdict.amount:
        parts.append(texts.render("desk.card.amount", lang, money=format_money(texts, verdict.amount, lang)))
    lines = [texts.render("desk.card.verdict", lang, verdict=" · ".join(parts))]
    for signal in verdict.signals:
        quote = _clip(_shown(signal.quote, reveal), MAX_QUOTE_CHARS) if signal.quote else ""
        if quote:
            lines.append(texts.render("desk.card.signal", lang, label=signal.label(lang), quote=quote))
        else:
            lines.append(texts.render("desk.card.signal_plain", lang, label=signal.label(lang)))
    return lines


def _message_line(texts: Texts, case: Case, message: CaseMessage, lang: str, reveal: bool) -> str:
    sender = texts.render(f"desk.card.from.{message.direction}", lang)
    if message.direction == "officer" and message.author_id == case.claimed_by and case.claimed_by_name:
        sender = f"👮 {case.claimed_by_name}"
    body = _shown(message.text or "", reveal)
    if message.photo_file_id:
        body = f"{texts.render('desk.user.photo', lang)} {body}".strip()
    return texts.render("desk.card.line", lang, sender=sender, text=_clip(body, MAX_MESSAGE_CHARS))


def _fit_messages(texts: Texts, lines: list[str], lang: str, budget: int) -> list[str]:
    """The newest messages that fit in `budget`, with a note when older ones are left out."""
    kept: list[str] = []
    used = 0
    for line in reversed(lines):
        cost = telegram_length(line) + 1
        if used + cost > budget - 40:  # room for the "earlier messages" note
            break
        kept.append(line)
        used += cost
    kept.reverse()
    dropped = len(lines) - len(kept)
    return ([texts.render("desk.card.trimmed", lang, count=dropped)] if dropped else []) + kept


def render_card(texts: Texts, case: Case, messages: Sequence[CaseMessage], *, now: datetime, lang: str = "zh",
                reveal: bool | None = None, target: timedelta | None = None) -> str:
    """The card in the staff chat: who, how urgent, how long waiting, the bot's view, the talk, the status.

    `reveal` defaults to whether an officer revealed the case; `target` is the priority's first-response
    target, flagged when an open case has waited longer. Always under Telegram's 4096-character limit.
    """
    show = case.revealed if reveal is None else reveal
    rule = texts.render("desk.card.rule", lang)
    title = texts.render("desk.card.title", lang, icon=PRIORITY_ICONS[case.priority], case_id=case.id,
                         priority=texts.render(f"desk.priority.{case.priority}", lang),
                         reason=texts.render(f"desk.reason.{case.reason}", lang))
    head = [title, rule, *_status_lines(texts, case, lang, now, target, show)]
    if case.user_unreachable_at is not None and case.active:
        head.append(texts.render("desk.card.unreachable", lang))
    user_lang = texts.render(f"desk.lang.{'en' if case.lang == 'en' else 'zh'}", lang)
    head.append(texts.render("desk.card.user", lang, name=display_name(case, reveal=show), language=user_lang))
    head += _verdict_lines(texts, case.verdict, lang, show)
    foot = [rule, texts.render("desk.card.revealed" if show else "desk.card.masked", lang)]
    if case.active:
        foot.append(texts.render("desk.card.reply_hint", lang))
    heading = (texts.render("desk.card.messages", lang, count=len(messages)) if messages
               else texts.render("desk.card.no_messages", lang))
    fixed = "\n".join([*head, rule, heading, *foot])
    body = _fit_messages(texts, [_message_line(texts, case, m, lang, show) for m in messages], lang,
                         TELEGRAM_LIMIT - telegram_length(fixed) - 2)
    text = "\n".join([*head, rule, heading, *body, *foot])
    return _hard_limit(text)


def _hard_limit(text: str) -> str:
    """Last resort if the fixed parts alone were too long (they are bounded, so this should never cut)."""
    while telegram_length(text) > TELEGRAM_LIMIT:
        text = text[: len(text) - (telegram_length(text) - TELEGRAM_LIMIT) - 1] + "…"
    return text


# --- the queue and statistics -----------------------------------------------------------------------------

def render_queue(texts: Texts, entries: Sequence[QueueEntry], *, now: datetime, lang: str = "zh") -> str:
    """`/queue`: waiting cases first (numbered, late ones flagged), then those in hand."""
    if not entries:
        return texts.render("desk.queue.empty", lang)
    waiting = [e for e in entries if e.case.status == "open"]
    in_hand = [e for e in entries if e.case.status != "open"]
    lines = [texts.render("desk.queue.title", lang, open=len(waiting), claimed=len(in_hand))]
    late = sum(1 for e in waiting if e.over_target)
    if late:
        lines.append(texts.render("desk.queue.over_target", lang, count=late))
    shown = 0
    if waiting:
        lines += ["", texts.render("desk.queue.open_heading", lang)]
        for entry in waiting[:MAX_QUEUE_LINES]:
            lines.append(_open_line(texts, entry, lang))
            shown += 1
    room = MAX_QUEUE_LINES - shown
    if in_hand and room > 0:
        lines += ["", texts.render("desk.queue.claimed_heading", lang)]
        for entry in in_hand[:room]:
            lines.append(_claimed_line(texts, entry, now, lang))
            shown += 1
    if shown < len(entries):
        lines.append(texts.render("desk.queue.more", lang, count=len(entries) - shown))
    return _hard_limit("\n".join(lines))


def _open_line(texts: Texts, entry: QueueEntry, lang: str) -> str:
    case = entry.case
    return texts.render(
        "desk.queue.open_line", lang, position=entry.position, icon=PRIORITY_ICONS[case.priority],
        case_id=case.id, priority=texts.render(f"desk.priority.{case.priority}", lang),
        wait=format_duration(texts, entry.waiting, lang),
        late=texts.render("desk.queue.late", lang) if entry.over_target else "",
        name=display_name(case, reveal=case.revealed),
        reason=texts.render(f"desk.reason.{case.reason}", lang))


def _claimed_line(texts: Texts, entry: QueueEntry, now: datetime, lang: str) -> str:
    case = entry.case
    return texts.render(
        "desk.queue.claimed_line", lang, icon=PRIORITY_ICONS[case.priority], case_id=case.id,
        priority=texts.render(f"desk.priority.{case.priority}", lang),
        officer=case.claimed_by_name or str(case.claimed_by or ""),
        age=format_duration(texts, now - case.created_at, lang),
        name=display_name(case, reveal=case.revealed))


def render_stats(texts: Texts, stats: DeskStats, *, lang: str = "zh") -> str:
    """`/stats`: the figures the seed articles quote, one per line."""
    window = stats.window
    if window.period in ("day", "week", "month"):
        lines = [texts.render(f"desk.stats.title.{window.period}", lang)]
    else:
        lines = [texts.render("desk.stats.title.custom", lang, start=f"{window.start:%Y-%m-%d %H:%M}",
                              end=f"{window.end:%Y-%m-%d %H:%M}")]
    median_wait = stats.median_time_to_claim
    median = (format_duration(texts, median_wait, lang) if median_wait is not None
              else texts.render("desk.stats.no_median", lang))
    lines += [
        texts.render("desk.stats.consultations", lang, count=stats.consultations),
        texts.render("desk.stats.help_requests", lang, count=stats.help_requests, cancelled=stats.cancelled),
        texts.render("desk.stats.claims", lang, count=stats.claimed, median=median,
                     within=stats.claimed_within_target),
        texts.render("desk.stats.prevented", lang, count=stats.dissuasions,
                     money=format_money(texts, stats.amount_saved, lang)),
        texts.render("desk.stats.lost", lang, count=stats.lost,
                     money=format_money(texts, stats.amount_lost, lang)),
        texts.render("desk.stats.other_outcomes", lang, not_fraud=stats.not_fraud, other=stats.other),
    ]
    if stats.rating_average is None:
        lines.append(texts.render("desk.stats.no_ratings", lang))
    else:
        lines.append(texts.render("desk.stats.ratings", lang, average=f"{stats.rating_average:.1f}",
                                  count=len(stats.ratings)))
    return "\n".join(lines)


# --- short notices ----------------------------------------------------------------------------------------

def render_queued_notice(texts: Texts, case: Case, position: int | None, *, lang: str) -> str:
    """To the user when their case opens: their place, and for urgent cases what to do this minute."""
    parts = [texts.render("desk.user.queued", lang, case_id=case.id, position=position or 1)]
    if case.priority == "urgent":
        parts.append(texts.render("desk.user.urgent_steps", lang))
    return "\n\n".join(parts)


def render_added_notice(texts: Texts, case: Case, position: int | None, *, lang: str,
                        priority_raised: bool = False) -> str:
    """To the user when a further request joined their active case."""
    if case.status == "open":
        text = texts.render("desk.user.added_waiting", lang, case_id=case.id, position=position or 1)
    else:
        text = texts.render("desk.user.added_claimed", lang, case_id=case.id)
    if priority_raised and case.priority == "urgent":
        text += "\n\n" + texts.render("desk.user.urgent_steps", lang)
    return text


def render_officer_joined(texts: Texts, case: Case, officer_name: str, *, lang: str) -> str:
    return texts.render("desk.user.officer_joined", lang, name=officer_name, case_id=case.id)


def render_officer_message(texts: Texts, officer_name: str, text: str | None, *, lang: str) -> str:
    """An officer's words as the user receives them, under the configured display name."""
    prefix = texts.render("desk.user.officer_prefix", lang, name=officer_name)
    return f"{prefix}\n{text}" if text else prefix


def render_closed_notice(texts: Texts, case: Case, *, lang: str) -> str:
    """To the user when the case is closed: the closing words and the rating request (buttons 1–5)."""
    return "\n\n".join([texts.render("desk.user.closed", lang, case_id=case.id),
                        texts.render("desk.user.rating_request", lang)])


def rating_labels(texts: Texts, *, lang: str) -> list[tuple[int, str]]:
    """(rating, button label) for the one-tap satisfaction buttons."""
    return [(n, texts.render("desk.button.rate", lang, stars=STAR * n)) for n in range(1, 6)]


def render_claim_answer(texts: Texts, result: ClaimResult, *, lang: str = "zh") -> str:
    """The short answer to whoever pressed Claim."""
    case = result.case
    if result.status == "taken":
        return texts.render("desk.staff.taken", lang, case_id=case.id,
                            officer=case.claimed_by_name or str(case.claimed_by))
    return texts.render(f"desk.staff.{result.status}", lang, case_id=case.id)


def render_staff_relay(texts: Texts, case: Case, message: CaseMessage, *, lang: str = "zh") -> str:
    """A user's later message as shown in the staff chat (masked unless the case was revealed)."""
    header = texts.render("desk.staff.user_message", lang, case_id=case.id,
                          name=display_name(case, reveal=case.revealed))
    body = _shown(message.text or "", case.revealed)
    if message.photo_file_id:
        body = f"{texts.render('desk.user.photo', lang)} {body}".strip()
    return _hard_limit(f"{header}\n{body}")


def render_reannouncement(texts: Texts, case: Case, *, now: datetime, lang: str = "zh") -> str:
    return texts.render("desk.staff.reannounce", lang, case_id=case.id,
                        priority=texts.render(f"desk.priority.{case.priority}", lang),
                        wait=format_duration(texts, case.waiting(now), lang))
