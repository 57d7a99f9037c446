"""Every frame type a socket can receive, found from the `TypedDict`s in each app's `events.py`.

A frame is declared by a `TypedDict` whose `type` key is a `Literal` of the frame's type
(e.g. `type: Literal["feed.post"]`), in the `events` module of any installed app.
`check_frame` validates a frame against its declaration: the keys (required, optional,
no others) and the value types, recursively. The tests run it on every frame a socket
receives and every frame a service sends, so a declaration cannot drift from the code.
"""

import importlib
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin, is_typeddict

from django.apps import apps


class FrameShapeError(AssertionError):
    """A frame does not match its declaration (or has none)."""


def _frame_types(declaration: type) -> tuple[str, ...]:
    hint = typing.get_type_hints(declaration).get("type")
    if get_origin(hint) is Literal:
        return tuple(value for value in get_args(hint) if isinstance(value, str))
    return ()


@cache
def declared_frames() -> dict[str, type]:
    """`{frame type: its TypedDict}` over every installed app's `events` module."""
    found: dict[str, type] = {}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.events")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.events":
                raise
            continue
        for value in vars(module).values():
            if is_typeddict(value) and value.__module__ == module.__name__:
                for frame_type in _frame_types(value):
                    if frame_type in found and found[frame_type] is not value:
                        raise FrameShapeError(f"frame type {frame_type!r} is declared twice")
                    found[frame_type] = value
    return found


def check_frame(frame: Mapping) -> None:
    """Raise `FrameShapeError` unless `frame` matches the declaration of its `type`."""
    if not isinstance(frame, Mapping) or not isinstance(frame.get("type"), str):
        raise FrameShapeError(f"a frame is a mapping with a string 'type': {frame!r}")
    declaration = declared_frames().get(frame["type"])
    if declaration is None:
        raise FrameShapeError(f"frame type {frame['type']!r} is declared in no app's events.py")
    _check_typeddict(frame, declaration, frame["type"])


def _check_typeddict(value: Any, declaration: type, path: str) -> None:
    if not isinstance(value, Mapping):
        raise FrameShapeError(f"{path}: expected an object ({declaration.__name__}), got {value!r}")
    hints = typing.get_type_hints(declaration)
    required = set(declaration.__required_keys__)
    keys = set(value)
    if missing := required - keys:
        raise FrameShapeError(f"{path}: missing {sorted(missing)} ({declaration.__name__})")
    if extra := keys - set(hints):
        raise FrameShapeError(f"{path}: undeclared {sorted(extra)} ({declaration.__name__})")
    for key in keys:
        _check(value[key], hints[key], f"{path}.{key}")


def _check(value: Any, hint: Any, path: str) -> None:
    origin = get_origin(hint)
    if origin in (NotRequired, Required):
        _check(value, get_args(hint)[0], path)
    elif hint is Any:
        return
    elif hint is None or hint is type(None):
        if value is not None:
            raise FrameShapeError(f"{path}: expected null, got {value!r}")
    elif origin is Literal:
        if value not in get_args(hint):
            raise FrameShapeError(f"{path}: expected one of {get_args(hint)}, got {value!r}")
    elif origin in (Union, types.UnionType):
        errors = []
        for option in get_args(hint):
            try:
                _check(value, option, path)
                return
            except FrameShapeError as error:
                errors.append(str(error))
        raise FrameShapeError(" / ".join(errors))
    elif is_typeddict(hint):
        _check_typeddict(value, hint, path)
    elif origin is list or hint is list:
        if not isinstance(value, list):
            raise FrameShapeError(f"{path}: expected a list, got {value!r}")
        (item,) = get_args(hint) or (Any,)
        for index, element in enumerate(value):
            _check(element, item, f"{path}[{index}]")
    elif origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise FrameShapeError(f"{path}: expected an object, got {value!r}")
        key_type, value_type = get_args(hint) or (Any, Any)
        for key, element in value.items():
            _check(key, key_type, f"{path} key")
            _check(element, value_type, f"{path}[{key!r}]")
    elif hint is bool:
        if not isinstance(value, bool):
            raise FrameShapeError(f"{path}: expected a boolean, got {value!r}")
    elif hint is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise FrameShapeError(f"{path}: expected an integer, got {value!r}")
    elif hint is float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise FrameShapeError(f"{path}: expected a number, got {value!r}")
    elif hint is str:
        if not isinstance(value, str):
            raise FrameShapeError(f"{path}: expected a string, got {value!r}")
    else:
        raise FrameShapeError(f"{path}: the declaration uses {hint!r}, which the checker does not know")
