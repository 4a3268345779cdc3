"""The one error of reading a content folder, and reading its YAML files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class ContentError(Exception):
    """A content file cannot be read; the message names the file and, where known, the line."""


def read_yaml_file(path: Path) -> dict[str, Any]:
    """The mapping in a YAML file, empty when the file is missing; bad YAML names its line."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line_number = mark.line + 1 if mark else 1
        problem = getattr(error, "problem", None) or error
        raise ContentError(f"{path}:{line_number}: invalid YAML: {problem}.") from error
    if not isinstance(data, dict):
        raise ContentError(f"{path}:1: expected a mapping at the top.")
    return data
