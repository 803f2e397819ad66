"""docs/sandbox.md lists every recipe with the label it builds."""

from __future__ import annotations

import re
from pathlib import Path

from world_kit import World

from c5attn.sandbox.world import RECIPES

DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"
CODES = (
    "manual-invoice-or-ship",
    "capture-failed",
    "released-but-canceled",
    "completed-but-canceled",
    "deposit-but-canceled",
)
ROW = re.compile(r"^\| `([a-z-]+)` \| [\d.]+ % \| ([^|]+) \|", re.MULTILINE)


def test_the_recipe_table_names_every_recipe_with_its_label(world: World) -> None:
    documented = {name: label.strip() for name, label in ROW.findall(DOC.read_text(encoding="utf-8"))}

    assert set(documented) == {recipe.name for recipe in RECIPES}
    for name, label in documented.items():
        numbers = re.findall(r"\d", label.split("(")[0])
        expected = [CODES[int(number) - 1] for number in numbers]
        built = {tuple(entry["scenarios"]) for entry in world.labels.values() if entry["kind"] == name}
        assert built == {tuple(expected)}, name
