"""The stable scam-type ids of the taxonomy (DESIGN.md); the CLI, tests and content use them."""

SCAM_TYPES: tuple[str, ...] = (
    "impersonate_police",
    "fake_customer_service",
    "bank_sms_phishing",
    "investment",
    "task_rebate",
    "fake_loan",
    "fake_credit",
    "impersonate_acquaintance",
    "romance",
    "game_trade",
    "fake_shopping_service",
)
