"""Deterministic assignment: stable for a unit, in any process, and proportional to the weights."""

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from apps.ml.experiments.assignment import bucket, variant_for

WEIGHTS = st.lists(st.integers(min_value=1, max_value=9), min_size=2, max_size=5)


@given(key=st.text(min_size=1, max_size=20), unit=st.text(min_size=1, max_size=30), weights=WEIGHTS)
def test_a_unit_always_gets_the_same_variant(key, unit, weights):
    variants = [{"name": f"v{index}", "weight": weight} for index, weight in enumerate(weights)]
    first = variant_for(key, unit, variants)
    assert first in {variant["name"] for variant in variants}
    assert all(variant_for(key, unit, variants) == first for _ in range(3))
    assert 0 <= bucket(key, unit) < 1


@settings(max_examples=15, deadline=None)
@given(key=st.from_regex(r"[a-z]{3,12}", fullmatch=True), weights=WEIGHTS)
def test_assignment_shares_follow_the_weights(key, weights):
    variants = [{"name": f"v{index}", "weight": weight} for index, weight in enumerate(weights)]
    units = 4000
    counts = {variant["name"]: 0 for variant in variants}
    for unit in range(units):
        counts[variant_for(key, str(unit), variants)] += 1
    expected = [units * weight / sum(weights) for weight in weights]
    # a hash that respects the weights passes a goodness-of-fit test at a strict level nearly always
    assert stats.chisquare(list(counts.values()), expected).pvalue > 1e-6


def test_assignment_is_the_same_in_another_process():
    variants = [{"name": "control", "weight": 0.7}, {"name": "treatment", "weight": 0.3}]
    here = [variant_for("checkout", f"capper-{unit}", variants) for unit in range(50)]
    code = (
        "from apps.ml.experiments.assignment import variant_for;"
        f"print(','.join(variant_for('checkout', f'capper-{{u}}', {variants!r}) for u in range(50)))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip().split(",") == here
