"""The staff desk service: a case's whole life, races, access control, relays, the queue, statistics, cards."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.content.loader import ContentBase
from bot.engine.decide import Engine
from bot.services import desk_cards as cards
from bot.services.desk import (
    Actor,
    CaseFinished,
    CaseNotFound,
    CaseRequest,
    DeskService,
    DeskSettings,
    IncomingMessage,
    InvalidInput,
    NotAllowed,
    StaffPolicy,
    StatsWindow,
    default_priority,
    summarise_verdict,
)
from bot.storage import escalations as store
from bot.storage import inquiries
from bot.storage.db import Database
from bot.storage.escalations import AuditEntry

T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
STAFF_CHAT = -1001234567890
OFFICERS = frozenset(range(100, 120))
WANG = Actor(100, STAFF_CHAT, "王警官")
LI = Actor(101, STAFF_CHAT, "李警官")
POLICY = StaffPolicy(OFFICERS, STAFF_CHAT)


def make_desk(db: Database, **settings: object) -> DeskService:
    return DeskService(db, POLICY, DeskSettings(**settings), clock=lambda: T0)  # type: ignore[arg-type]


@pytest.fixture
def desk(db: Database) -> DeskService:
    return make_desk(db)


def request(user_id: int, *, priority: str = "normal", reason: str = "user_request", update_id: int | None = None,
            text: str = "对方让我先交保证金", **changes: object) -> CaseRequest:
    fields: dict[str, object] = {
        "user_id": user_id, "chat_id": user_id, "display_name": f"用户{user_id}", "lang": "zh", "reason": reason,
        "priority": priority, "messages": (IncomingMessage(text, source_update_id=update_id),),
    }
    fields.update(changes)
    return CaseRequest(**fields)  # type: ignore[arg-type]


async def audit(db: Database, case_id: int | None = None) -> list[AuditEntry]:
    async with db.transaction() as tx:
        return list(reversed(await store.audit_entries(tx, case_id=case_id, limit=10_000)))


# --- the whole life of a case ------------------------------------------------------------------------------

async def test_the_whole_life_of_a_case(desk: DeskService, db: Database, content: ContentBase) -> None:
    texts = content.texts
    opened = await desk.open_case(request(7, priority="urgent", reason="already_paid", update_id=1,
                                          text="我刚给安全账户转了5万，手机13812345678"))
    case = opened.case
    assert opened.created and opened.position == 1 and case.status == "open"
    notice = cards.render_queued_notice(texts, case, opened.position, lang="zh")
    assert "#" + str(case.id) in notice and "96110" in notice and "110" in notice

    await desk.attach_card(case.id, chat_id=STAFF_CHAT, message_id=500, topic_id=77, now=T0)
    assert (await desk.find_case_for_staff_message(STAFF_CHAT, reply_to_message_id=500)).id == case.id
    assert (await desk.find_case_for_staff_message(STAFF_CHAT, topic_id=77)).id == case.id

    claim = await desk.claim(WANG, case.id, now=T0 + timedelta(seconds=90))
    assert claim.won and claim.case.claimed_by_name == "王警官"

    reply = await desk.record_officer_message(WANG, case.id, text="请立即拨打96110", source_update_id=2,
                                              staff_message_id=510, now=T0 + timedelta(minutes=2))
    assert reply.new and reply.needs_relay and not reply.claimed_now
    await desk.mark_relayed(reply.message.id, now=T0 + timedelta(minutes=2))

    answer = await desk.record_user_message(7, text="好的，已经打了", source_update_id=3,
                                            now=T0 + timedelta(minutes=3))
    assert answer is not None and answer.case.id == case.id and answer.needs_relay
    await desk.mark_relayed(answer.message.id, staff_message_id=520, now=T0 + timedelta(minutes=3))
    assert (await desk.find_case_for_staff_message(STAFF_CHAT, reply_to_message_id=520)).id == case.id

    closed = await desk.close(WANG, case.id, "prevented", amount=50000, note="银行已止付",
                              now=T0 + timedelta(minutes=20))
    assert closed.closed and closed.case.status == "closed" and closed.case.amount == 50000
    assert await desk.record_user_message(7, text="谢谢", source_update_id=4) is None  # back to the engine
    assert "1 到 5 星" in cards.render_closed_notice(texts, closed.case, lang="zh")
    assert await desk.rate(7, case.id, 5, now=T0 + timedelta(minutes=21))

    view = await desk.case_view(case.id)
    card = cards.render_card(texts, view.case, view.messages, now=T0 + timedelta(minutes=22), lang="zh")
    assert "成功劝阻" in card and "¥50,000" in card and "王警官" in card and "⭐ 用户评价：5/5" in card
    assert [m.direction for m in view.messages] == ["user", "officer", "user"]
    assert [(e.action, e.allowed) for e in await audit(db, case.id)] == [
        ("claim", True), ("reply", True), ("close", True)]


async def test_a_cancelled_case_tells_the_user_and_lets_them_open_another(desk: DeskService) -> None:
    assert await desk.cancel_by_user(7) is None
    first = (await desk.open_case(request(7))).case
    cancelled = await desk.cancel_by_user(7, now=T0 + timedelta(minutes=1))
    assert cancelled is not None and cancelled.id == first.id and cancelled.status == "cancelled"
    assert await desk.active_case_for_user(7) is None
    second = await desk.open_case(request(7))
    assert second.created and second.case.id != first.id


# --- concurrency -------------------------------------------------------------------------------------------

async def test_of_twenty_concurrent_claims_exactly_one_wins(desk: DeskService, db: Database) -> None:
    case = (await desk.open_case(request(7))).case
    officers = [Actor(uid, STAFF_CHAT, f"officer {uid}") for uid in range(100, 120)]
    results = await asyncio.gather(*(desk.claim(o, case.id) for o in officers))
    winners = [r for r in results if r.won]
    assert len(winners) == 1
    winner = winners[0].case.claimed_by
    assert all(r.status == "taken" and r.case.claimed_by == winner for r in results if not r.won)
    assert {r.holder_name for r in results} == {f"officer {winner}"}
    claims = [e.detail for e in await audit(db, case.id) if e.action == "claim"]
    assert Counter(claims) == {"result=claimed": 1, "result=taken": 19}


async def test_claims_through_separate_connections_to_one_file_still_have_one_winner(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    databases = [await Database(path).open() for _ in range(4)]
    try:
        desks = [make_desk(d) for d in databases]
        case = (await desks[0].open_case(request(7))).case
        results = await asyncio.gather(*(
            desks[i % 4].claim(Actor(100 + i, STAFF_CHAT, f"o{i}"), case.id) for i in range(12)))
        assert sum(r.won for r in results) == 1
    finally:
        for database in databases:
            await database.close()


async def test_a_claim_on_a_claimed_case_by_its_holder_says_so(desk: DeskService) -> None:
    case = (await desk.open_case(request(7))).case
    await desk.claim(WANG, case.id)
    assert (await desk.claim(WANG, case.id)).status == "already_yours"
    await desk.close(WANG, case.id, "not_fraud")
    assert (await desk.claim(LI, case.id)).status == "finished"
    with pytest.raises(CaseNotFound):
        await desk.claim(WANG, 9999)


async def test_of_two_officers_closing_at_once_one_closes(desk: DeskService) -> None:
    case = (await desk.open_case(request(7))).case
    results = await asyncio.gather(desk.close(WANG, case.id, "prevented", amount=100),
                                   desk.close(LI, case.id, "lost", amount=200))
    assert sorted(r.closed for r in results) == [False, True]
    final = (await desk.case_view(case.id)).case
    winner = next(r for r in results if r.closed)
    assert final.outcome == winner.case.outcome and final.closed_by == winner.case.closed_by


async def test_a_hundred_users_and_five_officers_each_case_claimed_and_relayed_exactly_once(
        desk: DeskService, db: Database) -> None:
    opened = await asyncio.gather(*(desk.open_case(request(u, update_id=u * 10)) for u in range(1000, 1100)))
    assert all(o.created for o in opened) and len({o.case.id for o in opened}) == 100

    async def user_writes(user_id: int) -> list[bool]:
        # Each update arrives twice (a replay after a crash): only the first becomes a message.
        results = []
        for n in (1, 2, 3, 1, 2, 3):
            recorded = await desk.record_user_message(user_id, text=f"消息{n}", source_update_id=user_id * 10 + n)
            assert recorded is not None
            if recorded.needs_relay:
                await desk.mark_relayed(recorded.message.id, staff_message_id=user_id * 10 + n)
                results.append(True)
            else:
                results.append(False)
        return results

    async def officer_works(actor: Actor) -> list[int]:
        mine = []
        while True:
            waiting = [e.case.id for e in await desk.queue(actor) if e.case.status == "open"]
            if not waiting:
                return mine
            for case_id in waiting[:3]:
                if (await desk.claim(actor, case_id)).won:
                    mine.append(case_id)

    officers = [Actor(100 + i, STAFF_CHAT, f"o{i}") for i in range(5)]
    relays, claims = await asyncio.gather(
        asyncio.gather(*(user_writes(u) for u in range(1000, 1100))),
        asyncio.gather(*(officer_works(o) for o in officers)),
    )
    claimed = [case_id for per_officer in claims for case_id in per_officer]
    assert sorted(claimed) == sorted(o.case.id for o in opened)  # every case exactly once
    assert all(r == [True, True, True, False, False, False] for r in relays)
    async with db.transaction() as tx:
        per_case = [len(await store.case_messages(tx, o.case.id)) for o in opened]
    assert per_case == [4] * 100  # the opening message and three relayed ones
    won = [e for e in await audit(db) if e.action == "claim" and e.detail == "result=claimed"]
    assert len(won) == 100


async def test_one_user_pressing_twice_at_once_gets_one_case(desk: DeskService) -> None:
    results = await asyncio.gather(*(desk.open_case(request(7, update_id=50 + i)) for i in range(10)))
    assert sum(r.created for r in results) == 1 and len({r.case.id for r in results}) == 1
    view = await desk.case_view(results[0].case.id)
    assert len(view.messages) == 10


# --- merging -----------------------------------------------------------------------------------------------

async def test_a_second_request_joins_the_open_case_and_raises_its_priority(desk: DeskService,
                                                                           content: ContentBase) -> None:
    first = await desk.open_case(request(7, priority="normal", update_id=1))
    other = await desk.open_case(request(8, priority="high", update_id=2))
    assert other.position == 1 and first.case.id != other.case.id
    second = await desk.open_case(request(7, priority="urgent", reason="already_paid", update_id=3,
                                          text="我已经转账了"))
    assert not second.created and second.priority_raised and second.case.id == first.case.id
    assert second.case.priority == "urgent" and second.case.reason == "already_paid"
    assert second.position == 1  # now ahead of the high-priority case
    assert [m.text for m in second.new_messages] == ["我已经转账了"]
    assert all(m.relayed_at is None for m in second.new_messages)
    notice = cards.render_added_notice(content.texts, second.case, second.position, lang="zh",
                                       priority_raised=True)
    assert "96110" in notice


async def test_a_lower_request_keeps_the_higher_priority_and_replays_add_nothing(desk: DeskService) -> None:
    first = await desk.open_case(request(7, priority="urgent", reason="already_paid", update_id=1))
    again = await desk.open_case(request(7, priority="normal", update_id=1))
    assert not again.created and not again.priority_raised
    assert again.case.priority == "urgent" and again.case.reason == "already_paid"
    assert again.new_messages == () and len((await desk.case_view(first.case.id)).messages) == 1


async def test_a_request_replayed_after_its_case_closed_opens_nothing(desk: DeskService) -> None:
    first = await desk.open_case(request(7, priority="urgent", reason="already_paid", update_id=1))
    await desk.close(WANG, first.case.id, "prevented")
    replay = await desk.open_case(request(7, priority="urgent", reason="already_paid", update_id=1))
    assert not replay.created and replay.case.id == first.case.id and replay.case.status == "closed"
    assert await desk.active_case_for_user(7) is None
    fresh = await desk.open_case(request(7, update_id=2))
    assert fresh.created


async def test_a_request_while_claimed_goes_to_the_same_officer(desk: DeskService) -> None:
    first = await desk.open_case(request(7))
    await desk.claim(WANG, first.case.id)
    second = await desk.open_case(request(7, reason="clue", priority="high", text="对方账号6222021234567890123"))
    assert second.case.id == first.case.id and second.case.status == "claimed" and second.position is None


# --- access control ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("actor", [
    Actor(999, STAFF_CHAT, "stranger in the staff chat"),
    Actor(100, 100, "officer in a private chat"),
    Actor(100, -100999, "officer in another group"),
])
async def test_anyone_but_staff_in_the_staff_chat_is_denied_and_audited(desk: DeskService, db: Database,
                                                                        actor: Actor) -> None:
    case = (await desk.open_case(request(7))).case
    attempts = [
        desk.claim(actor, case.id), desk.close(actor, case.id, "other"), desk.reveal(actor, case.id),
        desk.record_officer_message(actor, case.id, text="hi"), desk.queue(actor), desk.stats(actor, "day"),
        desk.audit_trail(actor),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            await attempt
    entries = await audit(db)
    assert [(e.action, e.allowed, e.actor_id) for e in entries] == [
        (a, False, actor.user_id) for a in ("claim", "close", "reveal", "reply", "queue", "stats", "audit")]
    unchanged = (await desk.case_view(case.id))
    assert unchanged.case.status == "open" and not unchanged.case.revealed and len(unchanged.messages) == 1


def test_the_policy_needs_both_a_staff_member_and_the_staff_chat() -> None:
    assert POLICY.check(100, STAFF_CHAT)
    assert not POLICY.check(100, -1)
    assert not POLICY.check(1, STAFF_CHAT)
    assert not POLICY.check(None, STAFF_CHAT)
    assert not StaffPolicy(frozenset({100}), 0).check(100, 0)  # an unconfigured staff chat admits nobody


async def test_staff_lookups_never_map_messages_outside_the_staff_chat(desk: DeskService) -> None:
    case = (await desk.open_case(request(7))).case
    await desk.attach_card(case.id, chat_id=STAFF_CHAT, message_id=500, topic_id=9)
    assert await desk.find_case_for_staff_message(7, reply_to_message_id=500) is None
    assert await desk.find_case_for_staff_message(-5, topic_id=9) is None


async def test_users_reach_only_their_own_case(desk: DeskService) -> None:
    mine = (await desk.open_case(request(7))).case
    assert await desk.record_user_message(8, text="hello", source_update_id=99) is None
    await desk.close(WANG, mine.id, "other")
    assert not await desk.rate(8, mine.id, 1)
    with pytest.raises(InvalidInput):
        await desk.rate(7, mine.id, 6)


# --- relays ------------------------------------------------------------------------------------------------

async def test_a_replayed_update_is_not_relayed_twice(desk: DeskService) -> None:
    await desk.open_case(request(7))
    first = await desk.record_user_message(7, text="第一条", source_update_id=31)
    replay_before_relay = await desk.record_user_message(7, text="第一条", source_update_id=31)
    assert first.new and first.needs_relay
    assert not replay_before_relay.new and replay_before_relay.needs_relay  # the relay never happened
    await desk.mark_relayed(first.message.id, staff_message_id=600)
    replay_after_relay = await desk.record_user_message(7, text="第一条", source_update_id=31)
    assert not replay_after_relay.new and not replay_after_relay.needs_relay
    assert replay_after_relay.message.staff_message_id == 600


async def test_a_replay_after_the_case_closed_is_recognised_not_sent_to_the_engine(desk: DeskService) -> None:
    case = (await desk.open_case(request(7))).case
    await desk.record_user_message(7, text="x", source_update_id=31)
    await desk.close(WANG, case.id, "other")
    replay = await desk.record_user_message(7, text="x", source_update_id=31)
    assert replay is not None and not replay.new and not replay.needs_relay


async def test_officer_replies_are_idempotent_and_claim_an_unclaimed_case(desk: DeskService, db: Database) -> None:
    case = (await desk.open_case(request(7))).case
    first = await desk.record_officer_message(LI, case.id, text="您好", source_update_id=40, staff_message_id=700)
    again = await desk.record_officer_message(LI, case.id, text="您好", source_update_id=40, staff_message_id=700)
    assert first.new and first.claimed_now and first.case.claimed_by == LI.user_id
    assert not again.new and again.message.id == first.message.id and not again.claimed_now
    assert len((await desk.case_view(case.id)).messages) == 2


async def test_replying_to_a_finished_case_is_refused(desk: DeskService) -> None:
    case = (await desk.open_case(request(7))).case
    await desk.cancel_by_user(7)
    with pytest.raises(CaseFinished):
        await desk.record_officer_message(WANG, case.id, text="还在吗？")
    with pytest.raises(CaseNotFound):
        await desk.record_officer_message(WANG, 4242, text="?")


async def test_messages_recorded_but_not_relayed_are_listed_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    db = await Database(path).open()
    desk = make_desk(db)
    case = (await desk.open_case(request(7))).case
    sent = await desk.record_user_message(7, text="relayed", source_update_id=1)
    await desk.mark_relayed(sent.message.id, staff_message_id=10)
    await desk.record_user_message(7, text="lost in the crash", source_update_id=2)
    await db.close()

    db = await Database(path).open()
    try:
        pending = await make_desk(db).pending_relays()
    finally:
        await db.close()
    assert [(p.case.id, p.message.text) for p in pending] == [(case.id, "lost in the crash")]


async def test_a_user_who_blocked_the_bot_is_shown_on_the_card(desk: DeskService, content: ContentBase) -> None:
    case = (await desk.open_case(request(7))).case
    await desk.claim(WANG, case.id)
    blocked = await desk.mark_user_unreachable(case.id, now=T0 + timedelta(minutes=1))
    card = cards.render_card(content.texts, blocked, (), now=T0 + timedelta(minutes=2))
    assert blocked.user_unreachable_at is not None and "屏蔽" in card


# --- restart -----------------------------------------------------------------------------------------------

async def test_open_cases_and_their_cards_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    db = await Database(path).open()
    desk = make_desk(db)
    waiting = (await desk.open_case(request(7, priority="urgent"))).case
    held = (await desk.open_case(request(8))).case
    await desk.attach_card(waiting.id, chat_id=STAFF_CHAT, message_id=500, topic_id=11)
    await desk.attach_card(held.id, chat_id=STAFF_CHAT, message_id=501, topic_id=12)
    await desk.claim(WANG, held.id)
    await db.close()

    db = await Database(path).open()
    try:
        desk = make_desk(db)
        active = await desk.active_cases()
        by_card = await desk.find_case_for_staff_message(STAFF_CHAT, reply_to_message_id=500)
        by_topic = await desk.find_case_for_staff_message(STAFF_CHAT, topic_id=12)
        claim = await desk.claim(LI, waiting.id)  # the old card's button still works
    finally:
        await db.close()
    assert [c.id for c in active] == [waiting.id, held.id]
    assert by_card.id == waiting.id and by_card.card_message_id == 500
    assert by_topic.id == held.id and by_topic.claimed_by == WANG.user_id
    assert claim.won


# --- the queue and re-announcements ------------------------------------------------------------------------

async def test_the_queue_lists_by_priority_and_age_and_flags_cases_over_target(desk: DeskService,
                                                                             content: ContentBase) -> None:
    normal = (await desk.open_case(request(1), now=T0)).case
    urgent = (await desk.open_case(request(2, priority="urgent"), now=T0 + timedelta(minutes=5))).case
    high = (await desk.open_case(request(3, priority="high"), now=T0 + timedelta(minutes=1))).case
    held = (await desk.open_case(request(4, priority="urgent"), now=T0)).case
    await desk.claim(WANG, held.id, now=T0 + timedelta(minutes=1))
    now = T0 + timedelta(minutes=8)
    entries = await desk.queue(LI, now=now)
    assert [e.case.id for e in entries] == [urgent.id, high.id, normal.id, held.id]
    assert [e.position for e in entries] == [1, 2, 3, None]
    # urgent waited 3 min > 2; high 7 min < 10; normal 8 min < 30; the claimed one is no longer waiting
    assert [e.over_target for e in entries] == [True, False, False, False]
    text = cards.render_queue(content.texts, entries, now=now)
    assert "待认领 3 · 处理中 1" in text and "⚠️超时" in text and "王警官" in text
    assert text.index(f"#{urgent.id}") < text.index(f"#{high.id}") < text.index(f"#{normal.id}")


async def test_unclaimed_cases_are_re_announced_after_their_wait(desk: DeskService) -> None:
    urgent = (await desk.open_case(request(1, priority="urgent"), now=T0)).case
    normal = (await desk.open_case(request(2), now=T0)).case
    no_card = (await desk.open_case(request(3, priority="high"), now=T0)).case
    await desk.attach_card(urgent.id, chat_id=STAFF_CHAT, message_id=1, now=T0)
    await desk.attach_card(normal.id, chat_id=STAFF_CHAT, message_id=2, now=T0)

    async def due(minutes: float) -> set[int]:
        return {c.id for c in await desk.due_for_announcement(now=T0 + timedelta(minutes=minutes))}

    assert await due(1) == {no_card.id}  # never posted: post its card now
    assert await due(2) == {no_card.id, urgent.id}
    announced = await desk.mark_announced(urgent.id, chat_id=STAFF_CHAT, message_id=3,
                                          now=T0 + timedelta(minutes=2))
    assert announced.announce_count == 2
    assert await due(3) == {no_card.id}
    assert await due(4) == {no_card.id, urgent.id}
    assert await due(20) == {no_card.id, urgent.id, normal.id}
    await desk.claim(WANG, urgent.id, now=T0 + timedelta(minutes=21))
    assert urgent.id not in await due(30)
    found = await desk.find_case_for_staff_message(STAFF_CHAT, reply_to_message_id=3)
    assert found is not None and found.id == urgent.id


async def test_re_announce_waits_are_configurable(db: Database) -> None:
    desk = make_desk(db, reannounce_waits={"urgent": timedelta(seconds=30), "high": timedelta(minutes=1),
                                           "normal": timedelta(minutes=1)})
    case = (await desk.open_case(request(1, priority="urgent"))).case
    await desk.attach_card(case.id, chat_id=STAFF_CHAT, message_id=1, now=T0)
    assert [c.id for c in await desk.due_for_announcement(now=T0 + timedelta(seconds=31))] == [case.id]


def test_settings_must_cover_every_priority() -> None:
    with pytest.raises(ValueError, match="normal"):
        DeskSettings(first_response_targets={"urgent": timedelta(minutes=1), "high": timedelta(minutes=5)})


# --- statistics --------------------------------------------------------------------------------------------

async def test_statistics_match_hand_computed_figures(desk: DeskService, db: Database,
                                                      content: ContentBase) -> None:
    for update_id in range(5):  # five questions answered in the window, one long before
        await inquiries.add_inquiry(db, inquiries.InquiryRecord(
            7, 7, update_id, "telegram", "text", "q", "q", "low", None, None, 0, [], "unknown", False, None, None,
            "zh", 1.0))
    await db.execute("UPDATE inquiries SET created_at = ?", (store.iso(T0 + timedelta(minutes=30)),))
    await db.execute("UPDATE inquiries SET created_at = ? WHERE update_id = 0", (store.iso(T0 - timedelta(days=9)),))

    at = [T0 + timedelta(hours=h) for h in range(6)]
    a = (await desk.open_case(request(1, priority="urgent"), now=at[0])).case
    b = (await desk.open_case(request(2, priority="high"), now=at[1])).case
    c = (await desk.open_case(request(3), now=at[2])).case
    d = (await desk.open_case(request(4), now=at[3])).case
    e = (await desk.open_case(request(5), now=at[4])).case
    await desk.claim(WANG, a.id, now=at[0] + timedelta(minutes=1))   # 60 s, target 2 min: on time
    await desk.claim(LI, b.id, now=at[1] + timedelta(minutes=12))    # 720 s, target 10 min: late
    await desk.claim(WANG, c.id, now=at[2] + timedelta(minutes=5))   # 300 s, target 30 min: on time
    await desk.close(WANG, a.id, "prevented", amount=50000, now=at[5])
    await desk.close(LI, b.id, "prevented", amount=1200.5, now=at[5])
    await desk.close(WANG, c.id, "lost", amount=3000, now=at[5])
    await desk.close(WANG, d.id, "not_fraud", now=at[5])
    await desk.cancel_by_user(5, now=at[5])
    await desk.rate(1, a.id, 5, now=at[5])
    await desk.rate(2, b.id, 4, now=at[5])
    await desk.rate(3, c.id, 2, now=at[5])
    assert e.id

    now = T0 + timedelta(days=1)
    stats = await desk.stats(WANG, "week", now=now)
    assert (stats.consultations, stats.help_requests, stats.cancelled) == (4, 5, 1)
    assert (stats.claimed, stats.claimed_within_target) == (3, 2)
    assert stats.median_time_to_claim == timedelta(minutes=5)
    assert (stats.dissuasions, stats.amount_saved) == (2, 51200.5)
    assert (stats.lost, stats.amount_lost, stats.not_fraud, stats.other) == (1, 3000.0, 1, 0)
    assert stats.ratings == (5, 4, 2) and stats.rating_average == pytest.approx(11 / 3)

    # The 24 hours before T0+2h hold the cases opened at T0 and T0+1h and the claims of a and b.
    day = await desk.stats(WANG, "day", now=T0 + timedelta(hours=2))
    assert (day.help_requests, day.claimed, day.dissuasions) == (2, 2, 0)
    assert day.median_time_to_claim == timedelta(seconds=(60 + 720) / 2)

    text = cards.render_stats(content.texts, stats)
    for expected in ("过去7天", "咨询解答：4 次", "求助：5 件（其中撤回 1 件）", "认领用时中位数 5分钟",
                     "按时响应 2/3", "成功劝阻：2 件 · 挽回 ¥51,200.50", "损失 ¥3,000", "3.7/5（3 条评价）"):
        assert expected in text
    assert "Last 7 days".lower() in cards.render_stats(content.texts, stats, lang="en").lower()


async def test_statistics_of_an_empty_window_have_no_median(desk: DeskService, content: ContentBase) -> None:
    stats = await desk.stats_between(WANG, StatsWindow("custom", T0, T0 + timedelta(hours=1)))
    assert stats.median_time_to_claim is None and stats.rating_average is None
    text = cards.render_stats(content.texts, stats, lang="en")
    assert "no ratings yet" in text and "2025-06-01 08:00" in text
    with pytest.raises(InvalidInput):
        await desk.stats(WANG, "year")  # type: ignore[arg-type]


async def test_close_checks_the_outcome_and_the_amount(desk: DeskService) -> None:
    case = (await desk.open_case(request(7))).case
    with pytest.raises(InvalidInput):
        await desk.close(WANG, case.id, "won")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        await desk.close(WANG, case.id, "not_fraud", amount=100)
    with pytest.raises(InvalidInput):
        await desk.close(WANG, case.id, "prevented", amount=-1)
    assert (await desk.case_view(case.id)).case.status == "open"


# --- privacy and cards -------------------------------------------------------------------------------------

async def test_cards_mask_personal_data_until_an_officer_reveals_it(desk: DeskService, db: Database,
                                                                   content: ContentBase) -> None:
    case = (await desk.open_case(request(7, text="我的卡6222021234567890123，电话13812345678",
                                         display_name="张三 13987654321"))).case
    view = await desk.case_view(case.id)
    masked = cards.render_card(content.texts, view.case, view.messages, now=T0)
    assert "6222021234567890123" not in masked and "13812345678" not in masked and "13987654321" not in masked
    assert "***************0123" in masked and "138****5678" in masked and "🔒" in masked

    revealed = await desk.reveal(WANG, case.id)
    shown = cards.render_card(content.texts, revealed.case, revealed.messages, now=T0)
    assert revealed.case.revealed and "6222021234567890123" in shown and "13812345678" in shown
    assert [(e.action, e.actor_id) for e in await audit(db, case.id)] == [("reveal", WANG.user_id)]
    relay = await desk.record_user_message(7, text="新号码13700001111", source_update_id=5)
    assert "13700001111" in cards.render_staff_relay(content.texts, revealed.case, relay.message)


async def test_stored_text_is_masked_when_configured(db: Database) -> None:
    desk = make_desk(db, mask_stored_text=True)
    case = (await desk.open_case(request(7, text="电话13812345678"))).case
    await desk.record_user_message(7, text="卡6222021234567890123", source_update_id=8)
    view = await desk.case_view(case.id)
    assert [m.text for m in view.messages] == ["电话138****5678", "卡***************0123"]


async def test_a_card_shows_the_verdict_and_its_signals(desk: DeskService, engine: Engine,
                                                       content: ContentBase) -> None:
    text = "我是公安局的，你的账户涉嫌洗钱，马上把钱转到安全账户，不要告诉家人"
    verdict = engine.assess(text)
    summary = summarise_verdict(verdict, content)
    case = (await desk.open_case(request(7, reason="engine", priority="high", verdict=summary, text=text))).case
    view = await desk.case_view(case.id)
    assert view.case.verdict == summary
    card = cards.render_card(content.texts, view.case, view.messages, now=T0 + timedelta(minutes=15),
                             target=timedelta(minutes=10))
    assert f"#{case.id}" in card and "🟠" in card and "高" in card and "已等待 15分钟" in card
    assert "超过首次响应目标（10分钟）" in card
    assert "机器人判断：高风险" in card and summary.title_zh in card
    assert all(s.label_zh in card for s in summary.signals)
    english = cards.render_card(content.texts, view.case, view.messages, now=T0, lang="en")
    assert "Bot verdict: high risk" in english and summary.title_en in english


async def test_a_long_conversation_keeps_the_card_under_the_telegram_limit(desk: DeskService,
                                                                          content: ContentBase) -> None:
    case = (await desk.open_case(request(7, display_name="名" * 200))).case
    for n in range(300):
        await desk.record_user_message(7, text=f"第{n}条 " + "很长的描述😀" * 60, source_update_id=1000 + n)
    view = await desk.case_view(case.id)
    card = cards.render_card(content.texts, view.case, view.messages, now=T0)
    assert cards.telegram_length(card) <= cards.TELEGRAM_LIMIT
    assert "第299条" in card and "第0条" not in card and "条消息未显示" in card


async def test_short_notices_render_in_both_languages(desk: DeskService, content: ContentBase) -> None:
    texts = content.texts
    case = (await desk.open_case(request(7, priority="urgent"))).case
    claim = await desk.claim(WANG, case.id)
    taken = await desk.claim(LI, case.id)
    for lang in ("zh", "en"):
        assert "96110" in cards.render_queued_notice(texts, case, 1, lang=lang)
        assert "王警官" in cards.render_claim_answer(texts, taken, lang=lang)
        assert str(case.id) in cards.render_claim_answer(texts, claim, lang=lang)
        assert str(case.id) in cards.render_officer_joined(texts, case, desk.settings.officer_name(lang), lang=lang)
        assert cards.render_officer_message(texts, "反诈民警", "别转账", lang=lang).endswith("\n别转账")
        assert len(cards.rating_labels(texts, lang=lang)) == 5
        assert str(case.id) in cards.render_reannouncement(texts, case, now=T0, lang=lang)
        assert cards.render_queue(texts, [], now=T0, lang=lang)
    assert desk.settings.officer_name("en") == "Duty officer"
    assert texts.render("desk.user.no_case", "en") and texts.render("desk.user.cancelled", "zh", case_id=1)


def test_every_desk_text_has_the_same_placeholders_in_both_languages(content: ContentBase) -> None:
    from string import Formatter

    def names(template: str) -> set[str]:
        return {name for _, name, _, _ in Formatter().parse(template) if name}

    desk_keys = [k for k in content.texts.entries if k.startswith("desk.")]
    assert len(desk_keys) > 80
    for key in desk_keys:
        entry = content.texts.entries[key]
        assert names(entry["zh"]) == names(entry["en"]), key
        assert "lang" not in names(entry["zh"]), key  # would clash with render()'s own argument


@pytest.mark.parametrize(("reason", "verdict_priority", "expected"), [
    ("already_paid", None, "urgent"),
    ("user_request", None, "normal"),
    ("user_request", "urgent", "urgent"),
    ("engine", "normal", "high"),
    ("clue", "high", "high"),
])
def test_default_priority_takes_the_higher_of_reason_and_verdict(reason: str, verdict_priority: str | None,
                                                                expected: str) -> None:
    assert default_priority(reason, verdict_priority) == expected  # type: ignore[arg-type]
