"""The detectors, one module per kind; each is `detect(bets) -> list[Finding]`.

`DETECTORS` is the order a scan runs them in: the outlier forest last, so that it can leave out the
cappers the specific detectors already explain. The detectors in `USES_SCAN_DATA` also take
`data=ScanData(bets)`: a scan loads the rows they share (settled bets, legs on games) once for all.
"""

from apps.fraud.choices import FraudKind
from apps.fraud.detectors import (
    bot_activity,
    copy_rings,
    improbable_record,
    late_posting,
    opposite_side_rings,
    outliers,
    settlement_abuse,
)
from apps.fraud.detectors.base import Finding, ScanData

DETECTORS = {
    FraudKind.LATE_POSTING: late_posting.detect,
    FraudKind.SETTLEMENT_ABUSE: settlement_abuse.detect,
    FraudKind.OPPOSITE_SIDE_RING: opposite_side_rings.detect,
    FraudKind.COPY_RING: copy_rings.detect,
    FraudKind.BOT_ACTIVITY: bot_activity.detect,
    FraudKind.IMPROBABLE_RECORD: improbable_record.detect,
    FraudKind.OUTLIER: outliers.detect,
}

USES_SCAN_DATA = frozenset(
    {FraudKind.LATE_POSTING, FraudKind.OPPOSITE_SIDE_RING, FraudKind.COPY_RING, FraudKind.IMPROBABLE_RECORD}
)

__all__ = ["DETECTORS", "USES_SCAN_DATA", "Finding", "ScanData"]
