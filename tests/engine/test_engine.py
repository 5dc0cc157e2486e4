"""The engine on the shipped rule base: the seeds' concrete scams, stages, escalation, explanations."""

from __future__ import annotations

import pytest

from bot.engine.decide import Engine

SEED_SCAMS = [
    # 001: fake Shanghai police, "safe account"
    ("您好，我们是上海市公安局，您名下信用卡透支涉嫌洗黑钱，请把存款汇入指定安全账户接受审查", "impersonate_police"),
    # 001: 95533 points-for-cash and 95588 frozen account SMS from pseudo base stations
    ("【95533】尊敬的建行用户：您的账户已满5000积分可兑换5%现金，请登录手机网ccb-jf.com兑换", "bank_sms_phishing"),
    ("【95588】工商银行提示：您的账户已被冻结，请点击 http://icbc-jd.cc 解除限制", "bank_sms_phishing"),
    # 002: training agency pressing for payment before the offer ends
    ("我要报考工程师，网上的培训机构说优惠活动马上结束，让我立刻往他们银行账户汇款，可信吗", "fake_shopping_service"),
    # 004: 蚂蚁保 refund/compensation "deposit"
    ("淘宝蚂蚁保官方打电话说商品不能按时发货，除了退款还赔50元，让我加微信扫码付4万保证金", "fake_customer_service"),
    # 003: e-commerce refund scam before 618
    ("618前有人冒充电商客服打电话说我买的东西有质量问题要网购退赔，让我下载软件操作退款", "fake_customer_service"),
    # 003: the bulletin's dominant types
    ("有个老师拉我进炒股群，说跟着他买内幕股票稳赚不赔，日收益10%", "investment"),
    ("兼职刷单，先垫付500元做任务，完成三单就能提现返佣金", "task_rebate"),
    ("网贷说我贷款已经审批通过，但要先交3000元解冻费才能放款", "fake_loan"),
]


@pytest.mark.parametrize(("text", "scam_type"), SEED_SCAMS)
def test_every_concrete_scam_in_the_seeds_is_caught(engine: Engine, text: str, scam_type: str) -> None:
    verdict = engine.assess(text)
    assert verdict.risk in ("medium", "high")
    assert verdict.scam_type == scam_type


def test_issue_example_is_high_risk_police_scam_quoting_the_safe_account(engine: Engine) -> None:
    verdict = engine.assess("一个自称上海公安的人说我卡涉嫌洗钱，让我把钱转到安全账户，是真的吗？")
    assert (verdict.risk, verdict.scam_type, verdict.stage) == ("high", "impersonate_police", "before")
    assert any("安全账户" in hit.quote for hit in verdict.hits)


def test_already_paid_is_urgent(engine: Engine) -> None:
    verdict = engine.assess("我已经按警官说的把肆万元转到安全账户了，现在联系不上他")
    assert verdict.stage == "after"
    assert verdict.escalate and verdict.priority == "urgent"


def test_gave_the_code_counts_as_after(engine: Engine) -> None:
    verdict = engine.assess("客服说帮我退款，我把手机收到的验证码告诉他了")
    assert verdict.stage == "after" and verdict.risk != "low"


def test_not_yet_paid_is_before(engine: Engine) -> None:
    verdict = engine.assess("对方让我转到安全账户，我还没转，是骗子吗")
    assert verdict.stage == "before"


def test_high_risk_with_large_amount_is_escalated_high(engine: Engine) -> None:
    verdict = engine.assess("网上的老师带我炒股稳赚不赔，让我往他给的账户转20万")
    assert verdict.risk == "high" and verdict.escalate and verdict.priority == "high"


@pytest.mark.parametrize("text", [
    "【工商银行】您尾号1234的账户11月20日支出200.00元，余额3,456.78元。",
    "您的验证码为482913，5分钟内有效，请勿泄露给他人。",
    "我在淘宝APP里申请了退款，钱已经原路退回了",
    "今天天气不错，晚上一起吃饭吗",
    "派出所通知下周一去办理身份证，需要带户口本",
])
def test_hard_benign_look_alikes_are_low_risk(engine: Engine, text: str) -> None:
    assert engine.assess(text).risk == "low"


def test_dodged_spellings_are_caught(engine: Engine) -> None:
    plain = engine.assess("客服让我加微信扫二维码退款，先交保证金")
    dodged = engine.assess("客 服 让 我 加 V信 扫 二 唯 码 退 款，先交保 证 金")
    assert dodged.scam_type == plain.scam_type and dodged.risk == plain.risk


def test_lookalike_link_is_flagged_and_official_link_is_not(engine: Engine) -> None:
    fake = engine.assess("请登录 http://icbc-vip.com.cn.xn--abc.top 验证")
    assert any(link.verdict == "lookalike" for link in fake.entities.links)
    real = engine.assess("请登录 https://www.icbc.com.cn 查看")
    assert [link.verdict for link in real.entities.links] == ["official"]


def test_entities_are_extracted(engine: Engine) -> None:
    verdict = engine.assess("打95588或者13812345678，卡号6222021234567890123，转4万元，用向日葵")
    kinds = {phone.kind for phone in verdict.entities.phones}
    assert {"short_code", "mobile"} <= kinds
    assert verdict.entities.cards == ("6222021234567890123",)
    assert 40000 in verdict.entities.amounts
    assert "向日葵" in verdict.entities.apps


def test_assess_never_raises_on_junk(engine: Engine) -> None:
    for junk in ["", " ", "😀" * 50, "\x00\xff" * 100, "a" * 100_000, "一" * 100_000]:
        engine.assess(junk)


def test_english_keywords_do_not_match_inside_other_words(engine: Engine) -> None:
    assert engine.assess("I had a coffee and felt happy, then paid the feed bill at the shop").risk == "low"


def test_what_they_demanded_is_not_what_the_user_did(engine: Engine) -> None:
    verdict = engine.assess("对方自称警察，还让我把银行卡号和密码报给他核对，我没理他")
    assert verdict.stage != "after"


def test_otherwise_is_not_a_negation(engine: Engine) -> None:
    plain = engine.assess("客服说必须先交保证金才能退款")
    with_otherwise = engine.assess("客服说必须先交保证金才能退款，不然退款失败")
    assert with_otherwise.risk == plain.risk


@pytest.mark.parametrize(("url", "verdict"), [
    ("http://t.cn/A6xyz", "shortener"),
    ("http://192.168.3.7:8080/pay", "ip"),
    ("https://icbc.com.cn:8443/login", "lookalike"),
    ("http://xn--icbc-bank.com/", "lookalike"),
    ("http://1cbc-secure.com/", "lookalike"),
    ("https://www.icbc.com.cn/", "official"),
    ("http://example-shop.top/", "unknown"),
])
def test_links_are_checked_against_the_official_domains(engine: Engine, url: str, verdict: str) -> None:
    [link] = engine.assess(f"请打开 {url} 办理").entities.links
    assert link.verdict == verdict


def test_official_claims_from_an_ordinary_mobile_are_flagged(engine: Engine) -> None:
    verdict = engine.assess("我是公安局的警官，有事请回电13912345678")
    assert "mobile_claims_official" in verdict.signals


def test_overseas_numbers_and_short_codes_are_listed(engine: Engine, content) -> None:
    from bot.services.replies import render_verdict

    verdict = engine.assess("银行客服+85291234567让我转账，我又打了95588核实")
    kinds = {p.kind for p in verdict.entities.phones}
    assert {"overseas", "short_code"} <= kinds
    reply = render_verdict(content, verdict, "zh")
    assert "95588" in reply and "境外" in reply
