"""Properties of the shared argument checks: valid values come back unchanged (as the
documented type), every invalid value raises ``ValueError`` naming the argument, and no
value, however hostile, makes a check fail with anything else."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crucible_scenarios.validation import (
    MAX_SEED,
    brief_repr,
    make_rng,
    require_choice,
    require_float,
    require_int,
)
from tests.unit.properties import exercises

FAST = settings(max_examples=50, deadline=None)
names = st.from_regex(r"[a-z][a-z_]{2,14}", fullmatch=True)


def _deep_list(depth: int) -> list[object]:
    nested: list[object] = []
    for _ in range(depth):
        nested = [nested]
    return nested


#: Objects that are neither numbers nor text: containers, None, arrays, deep nesting.
non_numbers = st.one_of(
    st.none(), st.text(max_size=20), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(lambda n: np.arange(n), st.integers(0, 4)),
    st.builds(_deep_list, st.integers(1, 5000)), st.just(object()), st.binary(max_size=5),
)


# --- make_rng ----------------------------------------------------------------------------

@exercises(make_rng)
@FAST
@given(seed=st.integers(0, MAX_SEED), use_numpy=st.booleans())
def test_make_rng_same_seed_same_stream(seed: int, use_numpy: bool) -> None:
    value = np.uint32(seed) if use_numpy else seed
    first = make_rng(value).random(8)
    second = make_rng(seed).random(8)
    np.testing.assert_array_equal(first, second)
    # The reference generator is numpy's PCG64 from the same integer seed.
    np.testing.assert_array_equal(first, np.random.Generator(np.random.PCG64(seed)).random(8))
    generator = np.random.default_rng(seed)
    assert make_rng(generator) is generator


@exercises(make_rng)
@FAST
@given(seed=st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_SEED + 1),
                      st.integers(min_value=2**4000), st.floats(allow_nan=True),
                      st.booleans(), non_numbers))
def test_make_rng_rejects_anything_but_a_seed_in_range(seed: object) -> None:
    with pytest.raises(ValueError, match="seed"):
        make_rng(seed)  # type: ignore[arg-type]


# --- require_int -------------------------------------------------------------------------

@exercises(require_int)
@FAST
@given(name=names, low=st.integers(-10**6, 10**6), span=st.integers(0, 10**6),
       offset=st.floats(0.0, 1.0), use_numpy=st.booleans())
def test_require_int_returns_values_within_bounds(name: str, low: int, span: int,
                                                  offset: float, use_numpy: bool) -> None:
    value = low + int(offset * span)
    given_value = np.int64(value) if use_numpy else value
    result = require_int(name, given_value, low=low, high=low + span)
    assert result == value and type(result) is int
    assert require_int(name, given_value) == value


@exercises(require_int)
@FAST
@given(name=names, low=st.integers(-1000, 1000), span=st.integers(0, 1000),
       outside=st.integers(1, 10**30), above=st.booleans())
def test_require_int_out_of_range_names_the_argument(name: str, low: int, span: int,
                                                     outside: int, above: bool) -> None:
    value = low + span + outside if above else low - outside
    with pytest.raises(ValueError, match=re.escape(name)):
        require_int(name, value, low=low, high=low + span)


@exercises(require_int)
@FAST
@given(name=names, value=st.one_of(st.floats(), st.booleans(), non_numbers))
def test_require_int_rejects_non_integers(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=re.escape(name)):
        require_int(name, value)


# --- require_float -----------------------------------------------------------------------

@exercises(require_float)
@FAST
@given(name=names, low=st.floats(-1e6, 1e6), span=st.floats(1e-3, 1e6),
       share=st.floats(0.0, 1.0), low_open=st.booleans(), high_open=st.booleans())
def test_require_float_accepts_inner_values_and_applies_open_bounds(
        name: str, low: float, span: float, share: float, low_open: bool,
        high_open: bool) -> None:
    high = low + span
    value = min(max(low + share * span, low), high)
    kwargs = {"low": low, "high": high, "low_open": low_open, "high_open": high_open}
    on_edge = (value == low and low_open) or (value == high and high_open)
    if on_edge:
        with pytest.raises(ValueError, match=re.escape(name)):
            require_float(name, value, **kwargs)  # type: ignore[arg-type]
    else:
        result = require_float(name, value, **kwargs)  # type: ignore[arg-type]
        assert result == value and type(result) is float
    # The closed interval always holds both ends.
    assert require_float(name, low, low=low, high=high) == low
    assert require_float(name, high, low=low, high=high) == high


@exercises(require_float)
@FAST
@given(name=names, value=st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf]), st.integers(min_value=2**1100),
    st.integers(max_value=-(2**1100)), st.booleans(), non_numbers))
def test_require_float_rejects_non_finite_and_non_numbers(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=re.escape(name)):
        require_float(name, value)


@exercises(require_float)
@FAST
@given(name=names, low=st.floats(-1e6, 1e6), below=st.floats(1e-3, 1e6))
def test_require_float_below_the_lower_bound_names_the_argument(name: str, low: float,
                                                                below: float) -> None:
    with pytest.raises(ValueError, match=re.escape(name)):
        require_float(name, low - below, low=low)
    with pytest.raises(ValueError, match=re.escape(name)):
        require_float(name, low + below, high=low)


# --- require_choice ----------------------------------------------------------------------

@exercises(require_choice)
@FAST
@given(name=names, options=st.lists(st.text(min_size=1, max_size=8), min_size=1,
                                    max_size=6, unique=True), data=st.data())
def test_require_choice_accepts_members_and_rejects_the_rest(
        name: str, options: list[str], data: st.DataObject) -> None:
    member = data.draw(st.sampled_from(options))
    assert require_choice(name, member, iter(options)) == member
    other = data.draw(st.one_of(st.text(max_size=8), non_numbers, st.integers(),
                                st.builds(np.array, st.just(options))))
    if isinstance(other, str) and other in options:
        return
    with pytest.raises(ValueError, match=re.escape(name)):
        require_choice(name, other, options)


# --- brief_repr --------------------------------------------------------------------------

@exercises(brief_repr)
@FAST
@given(value=st.one_of(non_numbers, st.integers(), st.integers(min_value=10**5000),
                       st.text(min_size=1000, max_size=5000), st.floats()))
def test_brief_repr_is_short_and_never_fails(value: object) -> None:
    text = brief_repr(value)
    assert isinstance(text, str) and 0 < len(text) <= 200


@exercises(brief_repr)
@FAST
@given(value=st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                       st.text(st.characters(categories=["L", "N", "P"]), max_size=30)))
def test_brief_repr_of_small_values_is_their_repr(value: object) -> None:
    assert brief_repr(value) == repr(value)

