"""The queueing wait: its limits (ρ→0, ρ→1), monotonicity, the finite continuation, and the calibration."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silkroute import assignment, queueing


def test_no_load_gives_the_base_dwell() -> None:
    assert queueing.kingman_wait_h(0.0, 1.5, 4.8) == 0.0
    q = queueing.QueueModel(4.8, 55.0, 0.98)
    assert q.wait_h(0.0, 880.0) == 0.0
    assert q.wait_h(1e-9, 880.0) == pytest.approx(0.0, abs=1e-6)


def test_the_wait_grows_without_bound_as_utilisation_reaches_one() -> None:
    waits = [queueing.kingman_wait_h(1.0 - 10.0**-k, 1.5, 4.8) for k in range(1, 8)]
    assert all(b > a for a, b in itertools.pairwise(waits))
    assert waits[-1] > 1e6
    assert queueing.kingman_wait_h(1.0, 1.5, 4.8) == math.inf
    assert queueing.kingman_wait_h(1.5, 1.5, 4.8) == math.inf


def test_mm1_is_the_textbook_formula() -> None:
    # M/M/1: Wq = rho / (mu - lambda); with service time 1/mu = 2 h and rho = 0.75: 0.75 / (0.5 - 0.375) = 6 h
    assert queueing.kingman_wait_h(0.75, 2.0, 1.0) == pytest.approx(6.0)


@given(
    a=st.floats(0.0, 0.999, allow_nan=False),
    b=st.floats(0.0, 0.999, allow_nan=False),
    service=st.floats(0.01, 100.0),
    v=st.floats(0.01, 50.0),
)
def test_the_wait_is_monotone_in_utilisation(a: float, b: float, service: float, v: float) -> None:
    lo, hi = sorted((a, b))
    assert queueing.kingman_wait_h(lo, service, v) <= queueing.kingman_wait_h(hi, service, v)


@given(rho=st.floats(0.0, 5.0, allow_nan=False), eps=st.floats(1e-6, 0.5))
def test_the_guarded_wait_is_finite_continuous_and_increasing(rho: float, eps: float) -> None:
    w = queueing.guarded_wait_h(rho, 1.5, 4.8, 0.98)
    assert math.isfinite(w)
    assert queueing.guarded_wait_h(rho + eps, 1.5, 4.8, 0.98) > w
    if rho <= 0.98:
        assert w == queueing.kingman_wait_h(rho, 1.5, 4.8)
    edge = queueing.kingman_wait_h(0.98, 1.5, 4.8)
    assert queueing.guarded_wait_h(0.98 + 1e-12, 1.5, 4.8, 0.98) == pytest.approx(edge, rel=1e-6)


def test_the_calibration_reproduces_brest_and_checks_the_caspian() -> None:
    """v from Brest's 2-3 day queue; then the Aktau feeders at their reported 56 % load against the catalog wait."""
    q = assignment.queue_model()
    rho = 14.2857 / 16.0  # 100 trains a week against 16 train pairs a day (economics.toml [queue])
    assert q.variability == pytest.approx(60.0 * (1 - rho) / (rho * 1.5), rel=1e-9)
    assert q.wait_h(14.2857 * 55, 16 * 55) == pytest.approx(60.0, rel=1e-6)
    # "easily five days" (120 h) is reached near rho = 0.94
    assert 0.93 < 1 / (1 + q.variability * 1.5 / 120.0) < 0.95
    # Aktau-Alat feeders: 89,000 TEU a year (capacity.csv K041) at the 56 % load factor of K053
    capacity = 89000 / 2 / 365
    wait = q.wait_h(0.56 * capacity, capacity)
    assert 24.0 <= wait <= 336.0  # inside the catalog's sourced range of the Aktau ferry wait (24/72/336 h)
    assert wait == pytest.approx(72.0, rel=0.15)


def test_bad_calibration_input() -> None:
    with pytest.raises(ValueError, match="calibration"):
        queueing.calibrate(60.0, 1.2, 1.5)
    with pytest.raises(ValueError, match=">= 0"):
        queueing.kingman_wait_h(-0.1, 1.5, 4.8)
