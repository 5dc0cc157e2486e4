"""Escalation from channels without a staff chat (the terminal): the case is queued and logged all the same."""

from __future__ import annotations

from bot.services.desk import (
    CaseRequest,
    DeskService,
    IncomingMessage,
    StaffPolicy,
    default_priority,
    summarise_verdict,
)
from bot.services.inquiries import Answer, InquiryService

TERMINAL_USER = 0


async def open_terminal_case(inquiries: InquiryService, answer: Answer, lang: str, *, urgent: bool) -> int:
    """Queue a case for the terminal user; returns its number."""
    desk = DeskService(inquiries.db, StaffPolicy(frozenset(), 0))
    verdict = answer.verdict
    priority = "urgent" if urgent else default_priority("user_request", verdict.priority if verdict else None)
    request = CaseRequest(
        user_id=TERMINAL_USER, chat_id=TERMINAL_USER, display_name="terminal", lang=lang,
        reason="already_paid" if urgent else "user_request", priority=priority, inquiry_id=answer.inquiry_id,
        messages=(IncomingMessage(text=answer.reply, direction="bot"),),
        verdict=summarise_verdict(verdict, inquiries.content) if verdict else None,
    )
    result = await desk.open_case(request)
    return result.case.id
