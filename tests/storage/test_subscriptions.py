"""Bulletin subscriptions."""

from __future__ import annotations

from bot.storage import subscriptions
from bot.storage.db import Database


async def test_subscribe_all_districts_then_some_then_leave(db: Database) -> None:
    everything = await subscriptions.subscribe(db, user_id=1, chat_id=101, lang="en")
    assert everything.all_districts and everything.active and everything.lang == "en"
    chosen = await subscriptions.subscribe(db, 1, 101, ["yinzhou", "cixi", "cixi"], "zh")
    assert chosen.districts == ("cixi", "yinzhou") and not chosen.all_districts
    assert chosen.created_at == everything.created_at
    assert await subscriptions.unsubscribe(db, 1)
    assert not await subscriptions.unsubscribe(db, 1)  # already gone
    assert not (await subscriptions.get_subscription(db, 1)).active


async def test_only_active_subscriptions_are_listed(db: Database) -> None:
    for user_id in (3, 1, 2):
        await subscriptions.subscribe(db, user_id, user_id * 10)
    await subscriptions.unsubscribe(db, 2)
    assert [s.user_id for s in await subscriptions.list_active(db)] == [1, 3]
    assert await subscriptions.count_active(db) == 2
    renewed = await subscriptions.subscribe(db, 2, 21)
    assert renewed.active and renewed.chat_id == 21
    assert await subscriptions.count_active(db) == 3


async def test_unknown_user_has_no_subscription(db: Database) -> None:
    assert await subscriptions.get_subscription(db, 404) is None
    assert not await subscriptions.unsubscribe(db, 404)
