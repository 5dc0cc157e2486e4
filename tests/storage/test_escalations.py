"""Escalation storage: cases, messages, staff-chat posts, the queue order and what survives a restart."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import escalations as store
from bot.storage.db import Database
from bot.storage.escalations import NewCase, NewMessage, SignalNote, VerdictSummary

T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
WAITS = {"urgent": timedelta(minutes=2), "high": timedelta(minutes=10), "normal": timedelta(minutes=20)}


def new_case(user_id: int, priority: str = "normal", **changes: object) -> NewCase:
    fields: dict[str, object] = {"user_id": user_id, "chat_id": user_id, "display_name": f"user {user_id}",
                                 "lang": "zh", "reason": "user_request", "priority": priority}
    fields.update(changes)
    return NewCase(**fields)  # type: ignore[arg-type]


async def insert(db: Database, user_id: int, priority: str = "normal", at: datetime = T0, **changes: object) -> int:
    async with db.transaction() as tx:
        return await store.insert_case(tx, new_case(user_id, priority, **changes), at)


async def test_a_case_and_its_verdict_summary_round_trip(db: Database) -> None:
    verdict = VerdictSummary("high", "after", 9.5, "impersonate_police", "冒充公检法", "Fake police", 50000.0,
                             (SignalNote("safe_account", "安全账户", "Safe account", "转到安全账户"),))
    case_id = await insert(db, 7, "urgent", verdict=verdict, reason="already_paid", inquiry_id=None)
    async with db.transaction() as tx:
        case = await store.get_case(tx, case_id)
    assert case is not None
    assert (case.user_id, case.priority, case.reason, case.status) == (7, "urgent", "already_paid", "open")
    assert case.created_at == T0 and case.verdict == verdict and not case.revealed


async def test_the_schema_refuses_a_second_active_case_for_one_user(db: Database) -> None:
    await insert(db, 7)
    with pytest.raises(sqlite3.IntegrityError):
        await insert(db, 7)


async def test_a_finished_case_does_not_block_a_new_one(db: Database) -> None:
    first = await insert(db, 7)
    async with db.transaction() as tx:
        assert await store.cancel_case(tx, first, T0)
    second = await insert(db, 7)
    async with db.transaction() as tx:
        active = await store.active_case_for_user(tx, 7)
    assert active is not None and active.id == second != first


async def test_claim_is_conditional_on_the_case_being_open(db: Database) -> None:
    case_id = await insert(db, 7)
    async with db.transaction() as tx:
        assert await store.claim_case(tx, case_id, 100, "王警官", T0)
        assert not await store.claim_case(tx, case_id, 101, "李警官", T0)
        case = await store.get_case(tx, case_id)
    assert case is not None and case.claimed_by == 100 and case.claimed_by_name == "王警官"


async def test_a_message_is_stored_once_per_source_update(db: Database) -> None:
    case_id = await insert(db, 7)
    async with db.transaction() as tx:
        first, new_first = await store.add_message(tx, case_id, NewMessage("user", "hi", source_update_id=55), T0)
        again, new_again = await store.add_message(tx, case_id, NewMessage("user", "hi", source_update_id=55), T0)
        _, new_without_id = await store.add_message(tx, case_id, NewMessage("bot", "verdict"), T0)
        stored = await store.case_messages(tx, case_id)
    assert new_first and not new_again and new_without_id
    assert again.id == first.id and len(stored) == 2


async def test_queue_order_is_urgent_then_high_then_normal_oldest_first(db: Database) -> None:
    normal_old = await insert(db, 1, "normal", T0)
    urgent_new = await insert(db, 2, "urgent", T0 + timedelta(minutes=5))
    high = await insert(db, 3, "high", T0 + timedelta(minutes=1))
    urgent_old = await insert(db, 4, "urgent", T0 + timedelta(minutes=2))
    async with db.transaction() as tx:
        order = [c.id for c in await store.active_cases(tx)]
        positions = {c.id: await store.queue_position(tx, c) for c in await store.active_cases(tx)}
    assert order == [urgent_old, urgent_new, high, normal_old]
    assert positions == {urgent_old: 1, urgent_new: 2, high: 3, normal_old: 4}


async def test_claimed_cases_do_not_count_towards_a_queue_position(db: Database) -> None:
    first = await insert(db, 1, "urgent", T0)
    second = await insert(db, 2, "urgent", T0 + timedelta(seconds=1))
    async with db.transaction() as tx:
        await store.claim_case(tx, first, 100, "王", T0)
        case = await store.get_case(tx, second)
        assert case is not None
        assert await store.queue_position(tx, case) == 1


async def test_due_for_announcement_uses_the_wait_of_each_priority(db: Database) -> None:
    urgent = await insert(db, 1, "urgent", T0)
    normal = await insert(db, 2, "normal", T0)
    never = await insert(db, 3, "high", T0)
    async with db.transaction() as tx:
        await store.mark_announced(tx, urgent, T0)
        await store.mark_announced(tx, normal, T0)
        at_one_minute = {c.id for c in await store.due_for_announcement(tx, T0 + timedelta(minutes=1), WAITS)}
        at_three = {c.id for c in await store.due_for_announcement(tx, T0 + timedelta(minutes=3), WAITS)}
        at_twenty = {c.id for c in await store.due_for_announcement(tx, T0 + timedelta(minutes=20), WAITS)}
    assert at_one_minute == {never}
    assert at_three == {never, urgent}
    assert at_twenty == {never, urgent, normal}


async def test_a_case_is_found_from_any_staff_chat_message_that_shows_it(db: Database) -> None:
    case_id = await insert(db, 7)
    staff_chat = -1001
    async with db.transaction() as tx:
        await store.set_card(tx, case_id, staff_chat, 500, 42, T0)
        await store.add_post(tx, case_id, staff_chat, 510, "announcement", T0)
        message, _ = await store.add_message(tx, case_id, NewMessage("user", "hello", source_update_id=1), T0)
        await store.mark_relayed(tx, message.id, 520, T0)
        found = [await store.find_by_post(tx, staff_chat, 500), await store.find_by_post(tx, staff_chat, 510),
                 await store.find_by_staff_message(tx, staff_chat, 520), await store.find_by_topic(tx, staff_chat, 42)]
        elsewhere = [await store.find_by_post(tx, -2002, 500), await store.find_by_staff_message(tx, -2002, 520),
                     await store.find_by_topic(tx, -2002, 42)]
    assert [c.id if c else None for c in found] == [case_id] * 4
    assert elsewhere == [None, None, None]


async def test_a_rating_is_accepted_once_from_the_cases_own_user_after_closing(db: Database) -> None:
    case_id = await insert(db, 7)
    async with db.transaction() as tx:
        assert not await store.set_rating(tx, case_id, 7, 5, T0)  # still open
        await store.close_case(tx, case_id, 100, "prevented", 3000.0, None, T0)
        assert not await store.set_rating(tx, case_id, 8, 1, T0)  # someone else
        assert await store.set_rating(tx, case_id, 7, 4, T0)
        assert not await store.set_rating(tx, case_id, 7, 1, T0)  # already rated
        case = await store.get_case(tx, case_id)
    assert case is not None and case.rating == 4 and case.rated_at == T0


async def test_open_cases_cards_and_messages_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    db = await Database(path).open()
    case_id = await insert(db, 7, "urgent")
    async with db.transaction() as tx:
        await store.set_card(tx, case_id, -1001, 500, 42, T0)
        await store.add_message(tx, case_id, NewMessage("user", "我刚转了钱", source_update_id=9), T0)
    await db.close()

    reopened = await Database(path).open()
    try:
        async with reopened.transaction() as tx:
            active = await store.active_cases(tx)
            by_card = await store.find_by_post(tx, -1001, 500)
            messages = await store.case_messages(tx, case_id)
    finally:
        await reopened.close()
    assert [c.id for c in active] == [case_id]
    assert by_card is not None and by_card.card_message_id == 500 and by_card.topic_id == 42
    assert [m.text for m in messages] == ["我刚转了钱"]


async def test_statistics_queries_count_only_inside_the_window(db: Database) -> None:
    inside, outside = T0 + timedelta(hours=1), T0 - timedelta(hours=1)
    a = await insert(db, 1, "urgent", inside)
    b = await insert(db, 2, "normal", outside)
    async with db.transaction() as tx:
        await store.close_case(tx, a, 100, "prevented", 1000.0, None, inside)
        await store.close_case(tx, b, 100, "prevented", 9999.0, None, outside)
        opened = await store.cases_opened(tx, T0, T0 + timedelta(days=1))
        totals = await store.outcome_totals(tx, T0, T0 + timedelta(days=1))
    assert opened == {"closed": 1}
    assert totals["prevented"].cases == 1 and totals["prevented"].amount == 1000.0


def test_stored_timestamps_sort_as_times() -> None:
    assert store.iso(datetime(2025, 6, 1, 16, 0, tzinfo=UTC) + timedelta(hours=8)) == "2025-06-02T00:00:00.000+00:00"
    assert store.iso(datetime(2025, 6, 1, 9)) < store.iso(datetime(2025, 6, 1, 10))


async def test_retention_drops_the_words_of_finished_cases_only(tmp_path) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.storage.db import Database
    from bot.storage.escalations import purge_finished_case_texts

    async with Database(tmp_path / "purge.sqlite3") as db:
        old = "2020-01-01T00:00:00.000+00:00"
        for case_id, status, closed in ((1, "closed", old), (2, "open", None)):
            await db.execute(
                "INSERT INTO escalations(id, user_id, chat_id, reason, priority, status, created_at, closed_at, note) "
                "VALUES (?, ?, ?, 'user_request', 'normal', ?, ?, ?, 'note')", (case_id, case_id, case_id, status, old,
                                                                              closed))
            await db.execute("INSERT INTO case_messages(escalation_id, direction, text, created_at) "
                             "VALUES (?, 'user', '我的卡号6222021234567890123', ?)", (case_id, old))
        async with db.transaction() as tx:
            assert await purge_finished_case_texts(tx, datetime.now(UTC) - timedelta(days=90)) == 1
        texts = [r[0] for r in await db.fetchall("SELECT text FROM case_messages ORDER BY escalation_id")]
        assert texts[0] is None and texts[1] is not None
