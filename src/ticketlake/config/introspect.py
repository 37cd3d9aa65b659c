"""Walk the settings models by type: what a key path leads to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args, get_origin

from pydantic import (
    BaseModel,
)


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def child_type(tp: Any, step: int | str) -> Any:
    """Type found at ``step`` inside a value of type ``tp`` (None when unknown)."""
    if is_model(tp):
        field = tp.model_fields.get(str(step))
        return field.annotation if field else None
    origin = get_origin(tp)
    if origin is dict:
        return get_args(tp)[1]
    if origin is list:
        return get_args(tp)[0]
    return None


def type_at(tp: Any, loc: Sequence[int | str]) -> Any:
    for step in loc:
        tp = child_type(tp, step)
    return tp
