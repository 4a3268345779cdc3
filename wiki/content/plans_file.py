"""`plans.yaml`: the onboarding plan templates of the content folder. No database here.

templates:
  - name: Accounts payable analyst
    audience: New accounts payable analysts
    items:
      - {day: 1, read: procure-to-pay/invoice-processing/three-way-match}
      - {day: 3, learn: procure-to-pay/invoice-processing}
      - {day: 8, meet: procure-to-pay/payments}
      - {day: 2, task: Get your ERP access}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wiki.content.errors import ContentError, read_yaml_file

PLANS_FILE = "plans.yaml"

# The key of an item in the file → the plan item kind.
ITEM_KEYS = {"read": "read_page", "learn": "learn_process", "meet": "meet_expert", "task": "custom"}
KEY_OF_KIND = {kind: key for key, kind in ITEM_KEYS.items()}


@dataclass
class PlanItemEntry:
    kind: str
    target: str  # a page path, a process path, or (a task) its title
    day: int  # 1 is the first day
    title: str = ""  # empty: named after its page or process


@dataclass
class PlanTemplateEntry:
    name: str
    audience: str = ""
    items: list[PlanItemEntry] = field(default_factory=list)


def read_plans(path: Path) -> list[PlanTemplateEntry]:
    data = read_yaml_file(path)
    entries = []
    for number, item in enumerate(data.get("templates") or [], start=1):
        if not isinstance(item, dict) or not item.get("name"):
            raise ContentError(f"{path}: template {number} needs a name.")
        entries.append(
            PlanTemplateEntry(
                name=str(item["name"]),
                audience=str(item.get("audience") or ""),
                items=[
                    _item(entry, path, f"template {number}'s item {index}")
                    for index, entry in enumerate(item.get("items") or [], start=1)
                ],
            )
        )
    return entries


def _item(item: Any, path: Path, where: str) -> PlanItemEntry:
    keys = [key for key in ITEM_KEYS if isinstance(item, dict) and key in item]
    if len(keys) != 1:
        raise ContentError(f"{path}: {where} needs one of {', '.join(ITEM_KEYS)}.")
    day = item.get("day")
    if not isinstance(day, int) or not 1 <= day <= 366:
        raise ContentError(f"{path}: {where} needs a day from 1 (the first day) to 366.")
    return PlanItemEntry(
        kind=ITEM_KEYS[keys[0]],
        target=str(item[keys[0]]).strip("/"),
        day=day,
        title=str(item.get("title") or ""),
    )


def write_plans(path: Path, templates: list[PlanTemplateEntry]) -> None:
    items = []
    for template in templates:
        entry: dict[str, Any] = {"name": template.name}
        if template.audience:
            entry["audience"] = template.audience
        entry["items"] = [_item_dict(item) for item in template.items]
        items.append(entry)
    path.write_text(
        yaml.safe_dump({"templates": items}, sort_keys=False, allow_unicode=True,
                       default_flow_style=None),
        encoding="utf-8",
    )  # fmt: skip


def _item_dict(item: PlanItemEntry) -> dict[str, Any]:
    entry: dict[str, Any] = {"day": item.day, KEY_OF_KIND[item.kind]: item.target}
    if item.title and item.kind != "custom":
        entry["title"] = item.title
    return entry
