"""Broadcasts and deliveries: one per bulletin, counts, and settling what a crash left 'sending'."""

from __future__ import annotations

from bot.storage import bulletins, deliveries, subscriptions
from bot.storage.db import Database
from bot.storage.deliveries import INTERRUPTED, UNSUBSCRIBED


async def _bulletin(db: Database) -> int:
    return await bulletins.save_draft(db, week="2026-W23", area="ningbo", text_zh="中", text_en="en",
                                      district_lines={}, map_png=b"png", trend_png=None)


async def test_schema_has_the_delivery_parts_migration(db: Database) -> None:
    columns = {row[1] for row in await db.fetchall("PRAGMA table_info(deliveries)")}
    assert {"parts_done", "uncertain"} <= columns


async def test_a_bulletin_is_broadcast_once(db: Database) -> None:
    bulletin_id = await _bulletin(db)
    first = await deliveries.create_broadcast(db, bulletin_id, [(1, 11), (2, 22), (1, 11)], progress_chat_id=-5)
    again = await deliveries.create_broadcast(db, bulletin_id, [(3, 33)])
    assert again == first
    broadcast = await deliveries.get_broadcast(db, first)
    assert (broadcast.total, broadcast.status, broadcast.progress_chat_id) == (2, "running", -5)
    assert [d.user_id for d in await deliveries.deliveries(db, first)] == [1, 2]
    assert [b.id for b in await deliveries.unfinished_broadcasts(db)] == [first]
    await deliveries.finish_broadcast(db, first)
    assert await deliveries.unfinished_broadcasts(db) == []


async def test_counts_by_outcome(db: Database) -> None:
    broadcast_id = await deliveries.create_broadcast(db, await _bulletin(db), [(u, u) for u in range(1, 7)])
    await deliveries.mark_part_sent(db, broadcast_id, 1, 2, finished=True)
    await deliveries.mark_part_sent(db, broadcast_id, 2, 1, finished=False)
    await deliveries.mark_failed(db, broadcast_id, 3, "bad request")
    await deliveries.mark_failed(db, broadcast_id, 4, UNSUBSCRIBED)
    await subscriptions.subscribe(db, 5, 5)
    await deliveries.mark_blocked(db, broadcast_id, 5, "Forbidden")
    await deliveries.mark_sending(db, broadcast_id, 6)
    counts = await deliveries.counts(db, broadcast_id)
    assert (counts.sent, counts.pending, counts.failed, counts.skipped, counts.blocked, counts.sending) == (
        1, 1, 1, 1, 1, 1)
    assert (counts.total, counts.remaining) == (6, 2)
    assert not (await subscriptions.get_subscription(db, 5)).active  # blocking ends the subscription


async def test_interrupted_deliveries_are_never_resent(db: Database) -> None:
    broadcast_id = await deliveries.create_broadcast(db, await _bulletin(db), [(1, 1), (2, 2), (3, 3)])
    await deliveries.mark_sending(db, broadcast_id, 1)  # died while sending the map
    await deliveries.mark_part_sent(db, broadcast_id, 2, 1, finished=False)
    await deliveries.mark_sending(db, broadcast_id, 2)  # died while sending the text
    assert await deliveries.settle_interrupted(db, broadcast_id, part_count=2) == 2
    one, two, three = await deliveries.deliveries(db, broadcast_id)
    assert (one.status, one.parts_done, one.uncertain) == ("pending", 1, True)  # the text is still to send
    assert (two.status, two.parts_done, two.uncertain, two.error) == ("failed", 2, True, INTERRUPTED)
    assert (three.status, three.parts_done, three.uncertain) == ("pending", 0, False)
    assert (await deliveries.counts(db, broadcast_id)).uncertain == 2
    assert await deliveries.settle_interrupted(db, broadcast_id, part_count=2) == 0
