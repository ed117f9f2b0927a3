"""Grouping (zone, block) keys for the sums per zone and distance block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoneplan.measure.sums import block_sums as bs


def test_first_seen_codes_hand_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys hashed two at a time still come out in the order they first occur."""
    monkeypatch.setattr(bs, "FACTOR_CHUNK", 2)
    codes, uniq = bs.first_seen_codes(np.array([9, 4, 4, 9, 7, 1, 7, 4], dtype=np.int64))
    assert uniq.tolist() == [9, 4, 7, 1]
    assert codes.tolist() == [0, 1, 1, 0, 2, 3, 2, 1]
    assert codes.dtype == np.intp


@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 16])
def test_first_seen_codes_equal_factorize(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """In chunks or not, the codes and keys pandas.factorize gives (sums taken with them
    are then the same to the last bit)."""
    monkeypatch.setattr(bs, "FACTOR_CHUNK", chunk)
    rng = np.random.default_rng(3)
    keys = (np.sort(rng.integers(0, 5_000, 1_000)) * 977 + 13).astype(np.int64)
    rng.shuffle(keys[:400])
    want_codes, want_uniq = pd.factorize(keys, sort=False)
    codes, uniq = bs.first_seen_codes(keys)
    np.testing.assert_array_equal(codes, want_codes)
    np.testing.assert_array_equal(uniq, want_uniq)
    weights = rng.random(keys.size)
    np.testing.assert_array_equal(np.bincount(codes, weights=weights),
                                  np.bincount(want_codes, weights=weights))
