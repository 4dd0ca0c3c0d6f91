"""Finding the points of a series that the rest of the series, read through its seasonal decomposition,
does not explain.

1. Decomposition: STL (statsmodels; seasonal smoother `SEASONAL_SMOOTHER` cycles, trend over about four
   periods). Without its robustness iterations STL is a linear smoother: the fitted trend + season is
   `H @ x` for a matrix H that depends only on the length and the period, so H is built once (from the
   unit vectors) and cached.
2. Expected value of a point: what the decomposition of the *other* points predicts there (leave one out:
   p_i = ((H x)_i − H_ii·x_i) / (1 − H_ii)). A spike therefore cannot pull its own expectation towards
   itself — the weakness of an in-sample residual, worst at the end of the series, where the newest
   points are. Each residual x_i − p_i is divided by its own spread sqrt(1 + Σ_j w_ij²) (w_ij = H_ij / (1 −
   H_ii), j ≠ i), so the less predictable ends get wider ranges instead of false alarms.
3. Robust z: z = (r_i − median r) / scale, with scale = 1.4826 × MAD of the standardized residuals (the
   standard deviation of normal noise). When the MAD is 0 (more than half the points exactly explained)
   1.2533 × the mean absolute deviation stands in (Iglewicz and Hoaglin's modified z-score).
4. Several outliers: the most extreme point beyond the threshold is set aside (generalized ESD, as in
   Twitter's S-H-ESD) and its value replaced by what the others predict (solving the smoother's fixed point
   for the set-aside points); the rest is read again, at most `MAX_OUTLIER_SHARE` of the points. Empty
   buckets (a ratio with nothing to divide) are filled the same way and never judged.
5. A point is anomalous when |z| > threshold (3.5, Iglewicz and Hoaglin's recommendation). Its expected
   range is p_i + spread_i·(median ± threshold·scale): the point is flagged exactly when it is outside it.
6. Confidence = 1 − min(1, m · P(|T| ≥ |z|)), m the number of points examined: one minus the Bonferroni
   bound on the chance that noise alone puts any of the m examined points that far out. T is Student's t
   with the degrees of freedom the MAD is worth (its efficiency, 37 %, of the n − 1 of a standard
   deviation): the scale is itself estimated from the series, which makes large z more common than a
   normal tail says. Near 1 for a z far past the threshold; lower when many points were examined and z
   barely passes.

Too short a series (fewer than `MIN_PERIODS` seasonal periods) or one with too many empty buckets is not
judged: the result says why (`Detection.reason`).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.stats import t as student_t

DEFAULT_THRESHOLD = 3.5
MIN_PERIODS = 3  # STL needs two full cycles; a third gives the residuals' spread something to stand on
MAX_MISSING_SHARE = 0.2
MAX_OUTLIER_SHARE = 0.1
SEASONAL_SMOOTHER = 25  # cycles: a weekly shape that changes slowly over months
MAD_TO_SIGMA = 1.4826
MEAN_AD_TO_SIGMA = 1.2533
MAD_EFFICIENCY = 0.367  # the MAD's asymptotic efficiency for normal noise, relative to the standard deviation


@dataclass(frozen=True)
class Anomaly:
    """One flagged point: where it is, what was seen, the expected value and range, how surprising it is."""

    index: int
    observed: float
    expected: float
    low: float
    high: float
    z: float
    confidence: float

    @property
    def direction(self) -> str:
        return "above" if self.observed > self.expected else "below"


@dataclass(frozen=True)
class Detection:
    """The flagged points and, per point, the expected value and range; or (`reason`) why the series was
    not judged."""

    anomalies: list[Anomaly] = field(default_factory=list)
    expected: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    scale: float = 0.0
    examined: int = 0
    reason: str = ""

    @property
    def judged(self) -> bool:
        return not self.reason


def minimum_points(period: int) -> int:
    return MIN_PERIODS * period


def trend_window(period: int) -> int:
    """About four periods, odd (STL's requirement)."""
    return 4 * period + 1


def scale_degrees_of_freedom(points: int) -> float:
    """What a MAD over `points` residuals is worth, in a standard deviation's degrees of freedom."""
    return max(1.0, MAD_EFFICIENCY * (points - 1))


def two_sided_tail(z: float, degrees_of_freedom: float) -> float:
    """P(|T| ≥ |z|) for Student's t with the given degrees of freedom."""
    return float(2.0 * student_t.sf(abs(z), degrees_of_freedom))


def confidence_of(z: float, *, examined: int, points: int) -> float:
    """1 − the Bonferroni bound on the chance that noise puts any of `examined` points |z| out, the scale
    having been estimated (by the MAD) from `points` residuals."""
    tail = two_sided_tail(z, scale_degrees_of_freedom(points))
    return max(0.0, 1.0 - min(1.0, max(1, examined) * tail))


@lru_cache(maxsize=64)
def smoother_matrix(length: int, period: int) -> np.ndarray:
    """H with trend + season = H @ x for STL without robustness iterations (a linear smoother)."""
    # statsmodels takes seconds to import: only the processes that scan for insights pay for it
    from statsmodels.tsa.seasonal import STL  # noqa: PLC0415

    matrix = np.empty((length, length))
    for column in range(length):
        unit = np.zeros(length)
        unit[column] = 1.0
        fit = STL(unit, period=period, seasonal=SEASONAL_SMOOTHER, trend=trend_window(period), robust=False).fit()
        matrix[:, column] = np.asarray(fit.trend) + np.asarray(fit.seasonal)
    matrix.setflags(write=False)
    return matrix


def _impute(hat: np.ndarray, series: np.ndarray, aside: np.ndarray) -> np.ndarray:
    """The series with the set-aside points replaced by what the others predict: x_A = (H x)_A, solved."""
    filled = series.copy()
    if aside.any():
        kept = ~aside
        system = np.eye(int(aside.sum())) - hat[np.ix_(aside, aside)]
        filled[aside] = np.linalg.solve(system, hat[np.ix_(aside, kept)] @ series[kept])
    return filled


def _spreads(hat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(1 − H_ii, the spread of each leave-one-out residual in units of the noise)."""
    leverage = np.clip(1.0 - np.diag(hat), 1e-6, None)
    weights = hat / leverage[:, None]
    np.fill_diagonal(weights, 0.0)
    return leverage, np.sqrt(1.0 + (weights**2).sum(axis=1))


def _robust_scale(residuals: np.ndarray, floor: float) -> tuple[float, float]:
    centre = float(np.median(residuals))
    deviations = np.abs(residuals - centre)
    scale = MAD_TO_SIGMA * float(np.median(deviations))
    if scale == 0.0:
        scale = MEAN_AD_TO_SIGMA * float(np.mean(deviations))
    # a perfectly explained series has nothing to judge by: floating-point crumbs are not anomalies
    return centre, max(scale, floor)


@dataclass
class _Reading:
    predicted: np.ndarray
    standardized: np.ndarray
    centre: float
    scale: float


def _read(hat, observed, aside, leverage, spread, floor) -> _Reading:
    """Leave-one-out predictions of the kept points (imputed values for the set-aside ones) and the
    standardized residuals' robust centre and scale, over the kept points."""
    filled = _impute(hat, observed, aside)
    fitted = hat @ filled
    diagonal = 1.0 - leverage
    predicted = np.where(aside, filled, (fitted - diagonal * filled) / leverage)
    standardized = (observed - predicted) / spread
    centre, scale = _robust_scale(standardized[~aside], floor)
    return _Reading(predicted, standardized, centre, scale)


def detect(
    values: Sequence[float | None],
    *,
    period: int,
    threshold: float = DEFAULT_THRESHOLD,
    examine_last: int | None = None,
) -> Detection:
    """The anomalies among the last `examine_last` points (all when None) of `values`, each read against
    the rest of the series with a seasonal `period` (7 for days: the week)."""
    length = len(values)
    needed = minimum_points(period)
    if length < needed:
        return Detection(reason=f"too short: {length} buckets, at least {needed} needed ({MIN_PERIODS} periods)")
    missing = np.array([value is None for value in values])
    if missing.sum() > MAX_MISSING_SHARE * length:
        return Detection(
            reason=f"too many empty buckets: {int(missing.sum())} of {length} (at most {MAX_MISSING_SHARE:.0%})"
        )
    observed = np.array([0.0 if value is None else float(value) for value in values])
    hat = smoother_matrix(length, period)
    leverage, spread = _spreads(hat)
    floor = 1e-9 * (1.0 + float(np.max(np.abs(observed))))
    aside = missing.copy()
    limit = int(missing.sum()) + max(1, int(MAX_OUTLIER_SHARE * length))
    while True:
        reading = _read(hat, observed, aside, leverage, spread, floor)
        z = (reading.standardized - reading.centre) / reading.scale
        candidates = np.where(aside, 0.0, np.abs(z))
        worst = int(np.argmax(candidates))
        if candidates[worst] <= threshold or aside.sum() >= limit:
            break
        aside[worst] = True
    expected = reading.predicted + spread * reading.centre
    half_width = spread * threshold * reading.scale
    start = 0 if examine_last is None else max(0, length - examine_last)
    examined = [index for index in range(start, length) if not missing[index]]
    anomalies = [
        Anomaly(
            index=index,
            observed=float(observed[index]),
            expected=float(expected[index]),
            low=float(expected[index] - half_width[index]),
            high=float(expected[index] + half_width[index]),
            z=float(z[index]),
            confidence=confidence_of(float(z[index]), examined=len(examined), points=int((~aside).sum())),
        )
        for index in examined
        if abs(z[index]) > threshold
    ]
    return Detection(
        anomalies=anomalies,
        expected=[float(value) for value in expected],
        low=[float(value) for value in expected - half_width],
        high=[float(value) for value in expected + half_width],
        scale=reading.scale,
        examined=len(examined),
    )
