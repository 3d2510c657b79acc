"""Small helpers for writing ORM rows."""

from __future__ import annotations

from typing import Any


def assign_changed(target: Any, values: dict[str, Any]) -> bool:
    """Set the attributes whose value differs and say whether any did (so reloads stay no-ops)."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed
