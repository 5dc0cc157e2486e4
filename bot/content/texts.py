"""The one lookup for user-facing texts: `content/texts/*.yaml`, each key with `zh` and `en`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Formatter

from bot.content.errors import ContentError
from bot.content.yamlfile import read_yaml

LANGUAGES = ("zh", "en")
DEFAULT_LANG = "zh"


def normalise_lang(lang: str | None) -> str:
    """Map a Telegram language code or user choice to one of our languages (Chinese by default)."""
    if lang and lang.lower().startswith("en"):
        return "en"
    return DEFAULT_LANG


@dataclass(frozen=True)
class Texts:
    entries: dict[str, dict[str, str]]

    def render(self, key: str, lang: str, **values: object) -> str:
        """The text for `key` in `lang`, with `{placeholders}` filled in."""
        try:
            template = self.entries[key][normalise_lang(lang)]
        except KeyError as exc:
            raise KeyError(f"no text {key!r}") from exc
        return template.format(**values) if values else template

    def has(self, key: str) -> bool:
        return key in self.entries


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def _check_entry(path: Path, key: object, entry: object) -> dict[str, str]:
    if not isinstance(key, str):
        raise ContentError(path, "text keys must be strings", field=str(key))
    if not isinstance(entry, dict):
        raise ContentError(path, "expected a mapping with zh and en", field=key)
    for lang in LANGUAGES:
        value = entry.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise ContentError(path, f"missing or empty '{lang}' text", field=f"{key}.{lang}")
    # A translation may leave out a value (e.g. the city name), but may not ask for one the other lacks
    # unless both do: callers always pass the union, so only malformed templates are errors here.
    for lang in LANGUAGES:
        try:
            _placeholders(entry[lang])
        except ValueError as exc:
            raise ContentError(path, f"malformed placeholder: {exc}", field=f"{key}.{lang}") from None
    return {lang: entry[lang] for lang in LANGUAGES}


def load_texts(directory: Path) -> Texts:
    """Read every `*.yaml` under `directory`; a key may be defined only once."""
    entries: dict[str, dict[str, str]] = {}
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ContentError(directory, "no text files found")
    for path in files:
        data = read_yaml(path) or {}
        if not isinstance(data, dict):
            raise ContentError(path, "expected a mapping of text keys")
        for key, entry in data.items():
            if key in entries:
                raise ContentError(path, "text key defined twice", field=str(key))
            entries[key] = _check_entry(path, key, entry)
    return Texts(entries)
