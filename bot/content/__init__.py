"""Loading and validation of the YAML content base (content/)."""

from bot.content.errors import ContentError
from bot.content.loader import ContentBase, RuleEntry, load_content
from bot.content.texts import Texts, load_texts, normalise_lang

__all__ = ["ContentBase", "ContentError", "RuleEntry", "Texts", "load_content", "load_texts", "normalise_lang"]
