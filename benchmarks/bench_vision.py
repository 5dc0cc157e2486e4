"""Picture reading figures: cold load, warm OCR latency on generated chat screenshots, peak memory.

    python benchmarks/bench_vision.py [--count 20]

Prints the engine's cold load time and first reading; warm latency (p50/p95/max) on clean and degraded
(half size, blurred, JPEG quality 30) chat screenshots, and how many chat lines came back exactly; first
readings at phone resolutions not seen before; a 20-megapixel photo; how long an asyncio event loop stalls
while a picture is read in a worker thread; peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import resource
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

from bot.vision import ocr, read_image
from bot.vision.settings import OCR_SETTINGS
from tests.vision.images import render_chat_screenshot, render_photo, to_png

# Screenshot sizes of common phones, and of Telegram's compressed copies (long side 1280 or 2560).
PHONE_SIZES = [(1170, 2532), (1284, 2778), (1440, 3200), (720, 1600), (591, 1280), (1182, 2560)]

# Messages in the style of each scam type, written for this benchmark.
MESSAGES = [
    "您好，这里是市公安局反洗钱中心，您的银行卡涉嫌一起洗钱案件",
    "为配合调查，请把名下资金转入我们指定的安全账户进行核查",
    "本案属于机密，不要告诉任何人，也不要挂断电话",
    "您在我们平台购买的商品质量有问题，现为您办理双倍理赔退款",
    "您开通了百万保障服务，不取消的话每月会自动扣费八百元",
    "请打开支付宝扫描下方二维码，按照提示操作即可收到退款",
    "【建设银行】尊敬的客户，您的积分即将清零，今日可兑换现金礼包",
    "您的账户存在异常已被冻结，请点击链接完成身份验证后解冻",
    "老师带单每天稳赚百分之三十，保本保息，名额有限今晚截止",
    "平台提现需要先缴纳百分之二十的保证金，缴纳后立即到账",
    "点赞关注一单返佣金十元，完成三个任务就能全部提现",
    "您的贷款已经审批通过，需要先交两千元解冻费才能放款",
    "您大学时开通的校园贷账户没有注销，会影响个人征信",
    "我是你们王总，换了新微信号，急需转一笔钱给客户，先别打电话",
    "宝贝，我表哥在这个博彩平台有内部漏洞，跟着我投一定能赚",
    "你的游戏账号交易资金被冻结了，需要充值一笔保证金才能解冻",
    "培训报名今晚就截止了，现在转账学费可以优惠一半，名额不多",
    "验证码发给我一下，我帮你把退款操作完成，马上就到账",
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def describe(seconds: list[float]) -> str:
    return (f"p50 {statistics.median(seconds):.3f} s  p95 {percentile(seconds, 0.95):.3f} s  "
            f"max {max(seconds):.3f} s  (n={len(seconds)})")


def screenshots(count: int, *, degraded: bool) -> list[tuple[list[str], bytes]]:
    chooser = random.Random(95533)
    chats = []
    for _ in range(count):
        lines = chooser.sample(MESSAGES, chooser.randint(2, 5))
        chats.append((lines, render_chat_screenshot(lines, degraded=degraded)))
    return chats


def letters(text: str) -> str:
    """Text without punctuation and spaces, which OCR may drop at the end of a wrapped line."""
    return "".join(char for char in text if char.isalnum())


def measure(chats: list[tuple[list[str], bytes]]) -> tuple[list[float], int, int]:
    seconds, exact, total = [], 0, 0
    for lines, data in chats:
        reading = read_image(data)
        seconds.append(reading.seconds)
        read_lines = {letters(line) for line in reading.lines}
        exact += sum(letters(line) in read_lines for line in lines)
        total += len(lines)
    return seconds, exact, total


async def loop_stall_while_reading(data: bytes) -> tuple[float, float]:
    """Largest gap between 10 ms ticks of the event loop while a picture is read with asyncio.to_thread."""
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            stalls.append(now - last - 0.01)
            last = now

    task = asyncio.create_task(ticker())
    reading = await asyncio.to_thread(read_image, data)
    done.set()
    await task
    return reading.seconds, max(stalls)


def other_sizes(screenshot: bytes) -> list[float]:
    """Readings of one screenshot at resolutions not seen yet: each new size costs more the first time."""
    original = Image.open(io.BytesIO(screenshot))
    resized = [to_png(original.resize(size, Image.Resampling.BICUBIC)) for size in PHONE_SIZES]
    return [read_image(data).seconds for data in resized]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="screenshots of each kind (default 20)")
    parser.add_argument("--threads", type=int, default=OCR_SETTINGS.intra_op_threads,
                        help=f"intra-op threads (default {OCR_SETTINGS.intra_op_threads})")
    args = parser.parse_args()

    settings = replace(OCR_SETTINGS, intra_op_threads=args.threads)
    print(f"settings: long side {settings.long_side} px, {settings.intra_op_threads} intra-op threads")
    print(f"rss before OCR: {peak_rss_mb():.0f} MB")
    started = time.perf_counter()
    if ocr.get_engine(settings) is None:
        sys.exit("OCR is not installed: pip install .[vision]")
    print(f"cold load (import + models): {time.perf_counter() - started:.2f} s")
    clean = screenshots(args.count, degraded=False)
    degraded = screenshots(args.count, degraded=True)
    print(f"first reading (cold inference): {read_image(clean[0][1]).seconds:.2f} s")
    started = time.perf_counter()
    ocr.warm_up()
    print(f"warm_up(): {time.perf_counter() - started:.2f} s")

    for name, chats in (("clean", clean), ("degraded", degraded)):
        seconds, exact, total = measure(chats)
        print(f"warm {name:8} {describe(seconds)}  lines read exactly (punctuation aside) "
              f"{exact}/{total} ({exact / total:.0%})")
    print(f"first reading at other phone sizes {describe(other_sizes(clean[0][1]))}")
    photo = render_photo()
    print(f"20-megapixel photo: {read_image(photo).seconds:.2f} s, then {read_image(photo).seconds:.2f} s")
    seconds, stall = asyncio.run(loop_stall_while_reading(clean[1][1]))
    print(f"event loop during a {seconds:.2f} s reading in a thread: longest stall {stall * 1000:.0f} ms")
    print(f"peak rss: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
