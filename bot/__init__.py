"""Fraud-awareness outreach bot: instant, explained scam verdicts, a staff desk and a weekly bulletin."""

__version__ = "0.1.0"
