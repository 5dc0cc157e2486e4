"""The fake server's flood control, with explicit clock readings."""

from .rate_limit import SendRateLimit


def test_global_window_admits_the_limit_then_asks_to_wait_whole_seconds() -> None:
    limit = SendRateLimit(messages_per_second=3)

    admitted = [limit.admit(chat_id, False, now=0.1 * chat_id) for chat_id in range(4)]

    assert admitted == [None, None, None, 1]
    assert limit.admit(99, False, now=1.05) is None  # the send at t=0.0 has left the window


def test_private_chat_gets_a_burst_then_one_message_per_second() -> None:
    limit = SendRateLimit(messages_per_second=100, per_chat_per_second=1, per_chat_burst=3)

    assert [limit.admit(7, True, now=0.0) for _ in range(3)] == [None, None, None]
    assert limit.admit(7, True, now=0.1) == 1
    assert limit.admit(8, True, now=0.1) is None  # other chats have their own allowance
    assert limit.admit(7, True, now=1.0) is None
    assert limit.admit(7, True, now=1.1) == 1


def test_groups_are_not_held_to_the_private_chat_rate() -> None:
    limit = SendRateLimit(messages_per_second=100, per_chat_burst=1)

    assert [limit.admit(-100, False, now=0.0) for _ in range(5)] == [None] * 5


def test_rejected_sends_do_not_use_up_the_allowance() -> None:
    limit = SendRateLimit(messages_per_second=1)

    assert limit.admit(1, False, now=0.0) is None
    assert [limit.admit(1, False, now=0.5) for _ in range(10)] == [1] * 10
    assert limit.admit(1, False, now=1.01) is None
