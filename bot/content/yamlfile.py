"""Safe YAML reading with errors that point at the file and line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.content.errors import ContentError


class ContentLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's yes/no/on/off booleans, so a keyword like `off` stays a string."""


ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ContentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def read_yaml(path: Path) -> Any:
    """Load one YAML file with `yaml.safe_load`; syntax errors become ContentError with the line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ContentError(path, f"cannot read file ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(path, "file is not UTF-8 text") from exc
    try:
        return yaml.load(text, Loader=ContentLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise ContentError(path, f"YAML syntax error: {exc.problem}", line=line) from exc
    except yaml.YAMLError as exc:
        raise ContentError(path, f"YAML error: {exc}") from exc
