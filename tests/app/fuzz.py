"""A widget fuzzer for AppTest: finds every control on a page and moves it to its
extremes or to random values, so each page can be checked never to raise."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streamlit.testing.v1 import AppTest

HOSTILE_TEXT = (
    "", "   ", "<script>alert('x')</script>", "=cmd|' /C calc'!A0", "**bold** [x](y)",
    "a" * 5000, "日本語 ✓ 😀", "' OR 1=1 --", "\\n\\t", "-1e309",
)
#: Buttons a fuzzer must not press: they end a live run or download a file.
SKIPPED_BUTTONS = ("Stop",)


@dataclass
class Move:
    """One control change: a description for failure messages and the action."""

    description: str
    apply: Callable[[AppTest], Any]


def _ident(widget: Any) -> str:
    return widget.key or widget.label


def _locate(kind: str, key: str | None, index: int) -> Callable[[AppTest], Any]:
    def find(at: AppTest) -> Any:
        if key:
            return getattr(at, kind)(key=key)
        return getattr(at, kind)[index]

    return find


def _numeric_bounds(widget: Any, kind: str) -> tuple[float, float, float, bool]:
    proto = widget.proto
    is_int = proto.data_type == 0
    if kind == "number_input":
        value = float(widget.value if widget.value is not None else 0)
        low = proto.min if proto.has_min else value - 1000
        high = proto.max if proto.has_max else value + 1000
    else:
        low, high = proto.min, proto.max
    step = proto.step or (1 if is_int else (high - low) / 100 or 1)
    return float(low), float(high), float(step), is_int


def _value_at(low: float, high: float, step: float, is_int: bool, fraction: float) -> float:
    steps = int((high - low) / step) if step else 0
    value = low + round(fraction * steps) * step
    value = min(max(value, low), high)
    return round(value) if is_int else round(value, 10)


def extreme_moves(at: AppTest) -> list[Move]:
    """Moves that set each control to each of its extremes (min, max, every option)."""
    moves: list[Move] = []
    for kind in ("slider", "number_input"):
        for i, widget in enumerate(getattr(at, kind)):
            if widget.proto.disabled or (kind == "slider" and widget.proto.data_type > 1):
                continue
            low, high, step, is_int = _numeric_bounds(widget, kind)
            find = _locate(kind, widget.key, i)
            is_range = isinstance(widget.value, tuple | list)
            for name, fraction in (("min", 0.0), ("max", 1.0)):
                value = _value_at(low, high, step, is_int, fraction)
                target: Any = (value, value) if is_range else value
                moves.append(Move(f"{kind} {_ident(widget)!r} = {name} ({target})",
                                  lambda at, f=find, v=target: f(at).set_value(v)))
    for kind in ("selectbox", "radio", "select_slider", "segmented_control", "pills"):
        for i, widget in enumerate(getattr(at, kind)):
            if widget.proto.disabled:
                continue
            find = _locate(kind, widget.key, i)
            options = list(widget.options) if hasattr(widget, "options") else []
            for option in options:
                moves.append(Move(f"{kind} {_ident(widget)!r} = {option!r}",
                                  lambda at, f=find, o=option: _choose(f(at), o)))
    for i, widget in enumerate(at.multiselect):
        if widget.proto.disabled:
            continue
        find = _locate("multiselect", widget.key, i)
        moves.append(Move(f"multiselect {_ident(widget)!r} = []",
                          lambda at, f=find: f(at).set_value([])))
        moves.append(Move(f"multiselect {_ident(widget)!r} = all",
                          lambda at, f=find, o=list(widget.options): f(at).set_value(o)))
    for kind in ("checkbox", "toggle"):
        for i, widget in enumerate(getattr(at, kind)):
            if widget.proto.disabled:
                continue
            find = _locate(kind, widget.key, i)
            for value in (True, False):
                moves.append(Move(f"{kind} {_ident(widget)!r} = {value}",
                                  lambda at, f=find, v=value: f(at).set_value(v)))
    for kind in ("text_input", "text_area"):
        for i, widget in enumerate(getattr(at, kind)):
            if widget.proto.disabled:
                continue
            find = _locate(kind, widget.key, i)
            for text in HOSTILE_TEXT[:6]:
                moves.append(Move(f"{kind} {_ident(widget)!r} = {text[:20]!r}",
                                  lambda at, f=find, t=text: f(at).input(t)))
    return moves


def _choose(widget: Any, option: Any) -> Any:
    """Select ``option`` on a select-like widget, whatever its value type."""
    if widget.__class__.__name__ == "ButtonGroup":
        return widget.set_value([option] if isinstance(widget.value, list) else option)
    if hasattr(widget, "set_value"):
        return widget.set_value(option)
    return widget.select(option)


def button_moves(at: AppTest) -> list[Move]:
    """Presses of every enabled button except those that stop a live run."""
    moves = []
    for i, widget in enumerate(at.button):
        if widget.proto.disabled or widget.label in SKIPPED_BUTTONS:
            continue
        find = _locate("button", widget.key, i)
        moves.append(Move(f"button {_ident(widget)!r}", lambda at, f=find: f(at).click()))
    return moves


def random_moves(at: AppTest, rng: random.Random, *, max_moves: int = 3,
                 press_probability: float = 0.25) -> list[Move]:
    """A random combination: a few random control changes, sometimes a button press."""
    pool = extreme_moves(at)
    moves = rng.sample(pool, min(len(pool), rng.randint(1, max_moves))) if pool else []
    moves += _random_numeric(at, rng)
    buttons = button_moves(at)
    if buttons and rng.random() < press_probability:
        moves.append(rng.choice(buttons))
    return moves


def _random_numeric(at: AppTest, rng: random.Random) -> list[Move]:
    moves = []
    for kind in ("slider", "number_input"):
        for i, widget in enumerate(getattr(at, kind)):
            if widget.proto.disabled or rng.random() > 0.3:
                continue
            if kind == "slider" and widget.proto.data_type > 1:
                continue
            low, high, step, is_int = _numeric_bounds(widget, kind)
            a, b = sorted(_value_at(low, high, step, is_int, rng.random()) for _ in range(2))
            target: Any = (a, b) if isinstance(widget.value, tuple | list) else a
            find = _locate(kind, widget.key, i)
            moves.append(Move(f"{kind} {_ident(widget)!r} = {target}",
                              lambda at, f=find, v=target: f(at).set_value(v)))
    return moves
