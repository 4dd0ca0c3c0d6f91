"""Every state change of the fraud app: recording findings as cases, triage, scans."""

from apps.fraud.services.cases import fraud_case_record, fraud_case_triage
from apps.fraud.services.scan import ScanReport, fraud_bet_check, fraud_imported_bets_check, fraud_scan
from apps.fraud.services.scan_request import fraud_scan_request

__all__ = [
    "ScanReport",
    "fraud_bet_check",
    "fraud_case_record",
    "fraud_case_triage",
    "fraud_imported_bets_check",
    "fraud_scan",
    "fraud_scan_request",
]
