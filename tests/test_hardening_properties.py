"""Hypothesis properties of this round's hardening: what any input does, not only the examples we thought of."""

from __future__ import annotations

import warnings

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import canvasframe as cf
from canvasframe._csv import FORMULA_STARTS, neutralise_formulas
from canvasframe.errors import redact, remember_secret, without_foreign_causes
from canvasframe.transforms import TRANSFORMS

_IDS = st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6)), min_size=0, max_size=40)


@given(_IDS)
def test_a_listing_keeps_each_identity_once_and_the_first_listed(pairs):
    frame = pd.DataFrame(pairs, columns=["student_id", "assignment_id"]).assign(course_id=1, row=range(len(pairs)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept = TRANSFORMS["submissions"].deduplicated("submissions", frame, "test")
    expected = frame.drop_duplicates(["course_id", "student_id", "assignment_id"], keep="first")
    pd.testing.assert_frame_equal(kept, expected.reset_index(drop=True))
    assert bool(caught) == (len(expected) < len(frame))  # a warning exactly when a row was dropped
    assert not caught or all(issubclass(w.category, cf.CanvasframeWarning) for w in caught)


@given(st.lists(st.text(max_size=12), max_size=20))
def test_no_cell_starts_a_formula_and_other_text_is_untouched(texts):
    safe = neutralise_formulas(pd.DataFrame({"text": pd.Series(texts, dtype=object)}))["text"].tolist()
    for before, after in zip(texts, safe, strict=True):
        assert not after.startswith(FORMULA_STARTS)
        assert after == (f"'{before}" if before.startswith(FORMULA_STARTS) else before)
    assert neutralise_formulas(pd.DataFrame({"text": pd.Series(safe, dtype=object)}))["text"].tolist() == safe


_SECRET = "a-secret-token-0123456789abcdef"
remember_secret(_SECRET)


@given(st.text(max_size=40), st.text(max_size=40), st.integers(0, 3))
def test_an_error_chain_keeps_only_canvasframes_errors_and_no_secret(before, after, depth):
    """However deep and whatever the text, nothing foreign and no known secret is left reachable."""
    foreign = ConnectionError(f"{before}{_SECRET}{after}")  # a requests-like error holding the secret
    error: BaseException = cf.NetworkError(None, "https://x.test", detail=f"{before}{_SECRET}")
    error.__cause__ = foreign
    for _ in range(depth):  # canvasframe errors raised while handling others stay linked
        outer = cf.ServerError(500, "https://x.test", f"{after}{_SECRET}")
        outer.__context__ = error
        error = outer
    cleaned = without_foreign_causes(error)
    chain, current = [], cleaned
    while current is not None:
        chain.append(current)
        current = current.__cause__ or current.__context__
    assert len(chain) == depth + 1 and all(isinstance(e, cf.CanvasframeError) for e in chain)
    assert all(_SECRET not in str(e) and _SECRET not in repr(e.args) for e in chain)
    assert redact(_SECRET) == "[secure]"
