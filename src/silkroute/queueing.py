"""Capacity-dependent dwell: the wait at a link that serves trains at a limited rate.

A crossing, break of gauge, ferry or line with a capacity ``C`` (FEU a day, ``capacity.csv``) serves
one train of ``U`` FEU in ``t_s = U / C`` days. At utilisation ``ρ = demand / C`` the mean wait in
the queue is Kingman's G/G/1 approximation

    W(ρ) = v × ρ / (1 − ρ) × t_s,     v = (c_a² + c_s²) / 2,

which is 0 at ``ρ = 0``, increases with ``ρ`` and grows without bound as ``ρ → 1`` (M/M/1 is
``v = 1``). The dwell at the link is its base dwell (the uncongested processing time) plus ``W``.
``v``, the variability of train arrivals and service, is not published for any of these links: it
is calibrated on the one queue that is, Brest–Małaszewicze, where trains waited "two to three
days" (60 h) with about 14.3 trains a day against 16 train pairs a day of capacity
(``data/economics.toml``, ``[queue]``), which gives ``v ≈ 4.8``: train arrivals at the border are
far burstier than Poisson. With that ``v``, the Aktau–Alat feeders at the 56 % load factor
reported for Aktau wait about 66 h for a sailing against the catalog's 72 h (mode), and "easily
five days" at Brest is ``ρ ≈ 0.94``.

>>> round(kingman_wait_h(0.5, 2.0, 1.0), 6)  # M/M/1: rho/(1-rho) x service time
2.0
>>> kingman_wait_h(0.0, 2.0, 4.8)
0.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["QueueModel", "calibrate", "guarded_wait_h", "kingman_wait_h", "service_h"]


def service_h(capacity_feu_per_day: float, feu_per_train: float) -> float:
    """Return the time to serve one train at a link, hours: ``24 × U / C``.

    Parameters
    ----------
    capacity_feu_per_day
        The link's capacity, FEU a day (> 0).
    feu_per_train
        FEU per train (> 0).

    Returns
    -------
    float
        Hours.

    Examples
    --------
    >>> service_h(880.0, 55.0)  # 16 trains of 55 FEU a day
    1.5
    """
    return 24.0 * feu_per_train / capacity_feu_per_day


def kingman_wait_h(rho: float, service: float, variability: float) -> float:
    """Return the mean wait in the queue, hours: ``v × ρ / (1 − ρ) × t_s`` (infinite at ``ρ >= 1``).

    Parameters
    ----------
    rho
        Utilisation, demand / capacity (>= 0).
    service
        Hours to serve one train (``t_s``).
    variability
        ``v = (c_a² + c_s²) / 2``.

    Returns
    -------
    float
        Hours; ``inf`` when ``rho >= 1``.
    """
    if rho < 0:
        msg = f"utilisation must be >= 0, got {rho}"
        raise ValueError(msg)
    if rho >= 1.0:
        return math.inf
    return variability * rho / (1.0 - rho) * service


def guarded_wait_h(rho: float, service: float, variability: float, rho_max: float) -> float:
    """Return the wait with a finite continuation above ``rho_max``, for the iterates of an assignment.

    Up to ``rho_max`` it is :func:`kingman_wait_h`; above, a straight line with the slope at
    ``rho_max`` (continuous, increasing and finite, so that an assignment can pass through loads
    beyond capacity on its way to equilibrium).

    Parameters
    ----------
    rho, service, variability
        As for :func:`kingman_wait_h`.
    rho_max
        Where the straight line starts, ``0 < rho_max < 1``.

    Returns
    -------
    float
        Hours.
    """
    if rho <= rho_max:
        return kingman_wait_h(rho, service, variability)
    slope = variability * service / (1.0 - rho_max) ** 2
    return kingman_wait_h(rho_max, service, variability) + slope * (rho - rho_max)


def calibrate(wait_h: float, rho: float, service: float) -> float:
    """Return the variability ``v`` at which the queue at utilisation ``rho`` waits ``wait_h`` hours.

    Parameters
    ----------
    wait_h
        An observed mean wait, hours (> 0).
    rho
        The utilisation when it was observed (0 < rho < 1).
    service
        Hours to serve one train there.

    Returns
    -------
    float
        ``v = wait × (1 − ρ) / (ρ × t_s)``.

    Examples
    --------
    >>> round(calibrate(60.0, 14.2857 / 16, 1.5), 2)  # Brest: 2-3 days at 100 trains a week
    4.8
    """
    if not 0 < rho < 1 or wait_h <= 0 or service <= 0:
        msg = f"calibration needs 0 < rho < 1, a wait > 0 and a service time > 0 (got {rho}, {wait_h}, {service})"
        raise ValueError(msg)
    return wait_h * (1.0 - rho) / (rho * service)


@dataclass(frozen=True)
class QueueModel:
    """The queue's parameters: variability ``v``, FEU per train and where the finite continuation starts."""

    variability: float
    feu_per_train: float = 55.0
    rho_max: float = 0.98
    source: str = ""

    def wait_h(self, flow_feu_per_day: float, capacity_feu_per_day: float) -> float:
        """Return the guarded wait at a link (hours) for a flow and a capacity in FEU a day.

        Parameters
        ----------
        flow_feu_per_day, capacity_feu_per_day
            FEU a day.

        Returns
        -------
        float
            Hours (see :func:`guarded_wait_h`).
        """
        service = service_h(capacity_feu_per_day, self.feu_per_train)
        return guarded_wait_h(flow_feu_per_day / capacity_feu_per_day, service, self.variability, self.rho_max)
