"""Find entities in normalised text: links (checked against official domains), phone numbers and short
codes, card and ID numbers, amounts and app names."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.engine.verdict import Entities, Link, Phone

_URL_RE = re.compile(
    r"(?:(?:https?|hxxps?)://|www\.)[^\s\u3000-\u303f\uff00-\uffef\u4e00-\u9fff<>\"']+"
    r"|(?<![a-z0-9@.-])(?:[a-z0-9-]+\.)+(?:com|cn|net|org|top|xyz|vip|cc|io|me|info|club|shop|site|online|"
    r"icu|work|link|app|co|tk|ml|ga|cf|gq|pw|ltd|wang|ren|fun|live|bid|win|hk|tw|us|ru)(?::\d+)?(?:/[^\s\u4e00-\u9fff]*)?"
    r"|(?<![0-9.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:/[^\s\u4e00-\u9fff]*)?"
)
_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
_OVERSEAS_RE = re.compile(r"(?<![\d+])(?:\+|00)(?!86)([1-9]\d{0,2})[ -]?\d{6,12}(?!\d)")
_LANDLINE_RE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{7,8})(?!\d)")
_SHORT_RE = re.compile(r"(?<!\d)(\d{3,6})(?!\d)")
_CARD_RE = re.compile(r"(?<!\d)(\d{16,19})(?!\d)")
_ID_RE = re.compile(r"(?<!\d)(\d{17}[\dx])(?![\dx])")
_AMOUNT_RE = re.compile(
    r"(?:[¥￥]|rmb|人民币)\s?(\d+(?:\.\d+)?)"
    r"|(\d+(?:\.\d+)?)\s?(?:元|块|rmb|yuan|usdt|u\b|美元|美金)"
    r"|(?:转|汇|付|交|充|打|投|借|贷|垫|存)(?:了|过|进|入|到|给)?(?:他|她|对方)?(\d{3,}(?:\.\d+)?)(?![\d.])"
)
_DIGIT_SWAPS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})


@dataclass(frozen=True)
class OfficialDirectory:
    """Official numbers and domains from content/official.yaml, in lookup-friendly form."""

    short_codes: dict[str, str] = field(default_factory=dict)
    emergency: frozenset[str] = frozenset()
    domains: dict[str, str] = field(default_factory=dict)
    brands: tuple[str, ...] = ()
    shorteners: frozenset[str] = frozenset()
    app_aliases: dict[str, str] = field(default_factory=dict)
    app_kinds: dict[str, str] = field(default_factory=dict)

    def official_domain(self, host: str) -> str | None:
        for domain, name in self.domains.items():
            if host == domain or host.endswith("." + domain):
                return name
        return None


@dataclass(frozen=True)
class Found:
    """An entity and where it stood in the normalised text (for quoting)."""

    kind: str
    value: str
    span: tuple[int, int]


def _host_of(url: str) -> tuple[str, int | None]:
    candidate = url if "://" in url else "http://" + url
    candidate = candidate.replace("hxxp", "http", 1)
    try:
        parts = urlsplit(candidate)
        return (parts.hostname or "").strip("."), parts.port
    except ValueError:
        return "", None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def judge_link(url: str, directory: OfficialDirectory) -> Link:
    """Official, look-alike, shortener, raw IP or unknown, with the reasons."""
    host, port = _host_of(url)
    reasons: list[str] = []
    if port not in (None, 80, 443):
        reasons.append("port")
    if _is_ip(host):
        return Link(url, host, "ip", (*reasons, "ip"))
    official = directory.official_domain(host)
    if official and not reasons:
        return Link(url, host, "official", (), official)
    if host in directory.shorteners or any(host.endswith("." + s) for s in directory.shorteners):
        return Link(url, host, "shortener", (*reasons, "shortener"))
    labels = host.split(".")
    if any(label.startswith("xn--") for label in labels):
        reasons.append("punycode")
    plain = host.translate(_DIGIT_SWAPS)
    brand_hits = [b for b in directory.brands if b in host or b in plain]
    if brand_hits:
        reasons.append("brand:" + brand_hits[0])
    if reasons and (brand_hits or "punycode" in reasons or "port" in reasons):
        return Link(url, host, "lookalike", tuple(reasons))
    return Link(url, host, "unknown", tuple(reasons))


def find_links(text: str) -> list[Found]:
    found = []
    for match in _URL_RE.finditer(text):
        url = match.group(0).rstrip(".,;:!?)]}>")
        if url.count(".") == 0:
            continue
        found.append(Found("link", url, (match.start(), match.start() + len(url))))
    return found


def find_phones(text: str, directory: OfficialDirectory) -> list[tuple[Phone, tuple[int, int]]]:
    phones: list[tuple[Phone, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    for match in _MOBILE_RE.finditer(text):
        phones.append((Phone(match.group(1), "mobile"), match.span()))
        taken.append(match.span())
    for match in _OVERSEAS_RE.finditer(text):
        if free(match.span()):
            phones.append((Phone(match.group(0), "overseas"), match.span()))
            taken.append(match.span())
    for match in _LANDLINE_RE.finditer(text):
        if free(match.span()) and len(match.group(0)) <= 13:
            phones.append((Phone(match.group(0), "landline"), match.span()))
            taken.append(match.span())
    for match in _SHORT_RE.finditer(text):
        number = match.group(1)
        if not free(match.span()):
            continue
        if number in directory.emergency:
            phones.append((Phone(number, "emergency", directory.short_codes.get(number)), match.span()))
        elif number in directory.short_codes:
            phones.append((Phone(number, "short_code", directory.short_codes[number]), match.span()))
    return phones


def find_cards(text: str) -> list[Found]:
    """Bank-card-like numbers: 16–19 digits; Luhn is not required (many UnionPay cards skip it)."""
    return [Found("card", m.group(1), m.span()) for m in _CARD_RE.finditer(text) if not _ID_RE.fullmatch(m.group(1))]


def find_id_numbers(text: str) -> list[Found]:
    return [Found("id", m.group(1), m.span()) for m in _ID_RE.finditer(text)]


def find_amounts(text: str) -> list[float]:
    amounts = []
    for match in _AMOUNT_RE.finditer(text):
        value = match.group(1) or match.group(2) or match.group(3)
        try:
            amounts.append(float(value))
        except ValueError:
            continue
    return amounts


def find_apps(text: str, directory: OfficialDirectory) -> list[str]:
    return sorted({name for alias, name in directory.app_aliases.items() if alias in text})


def extract(text: str, directory: OfficialDirectory) -> Entities:
    """All entities of a normalised message."""
    links = tuple(judge_link(f.value, directory) for f in find_links(text))
    phones = tuple(phone for phone, _ in find_phones(text, directory))
    return Entities(
        links=links,
        phones=phones,
        cards=tuple(f.value for f in find_cards(text)),
        id_numbers=tuple(f.value for f in find_id_numbers(text)),
        amounts=tuple(find_amounts(text)),
        apps=tuple(find_apps(text, directory)),
    )


__all__ = ["Found", "OfficialDirectory", "extract", "find_links", "find_phones", "judge_link"]
