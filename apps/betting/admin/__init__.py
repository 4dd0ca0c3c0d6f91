"""The betting admin for staff: sports data, cappers, bets (with the repair actions) and the ledger.

Split by sub-domain; importing the modules registers their admins with the default site.
"""

from apps.betting.admin import bets, cappers, ledger, odds, sports  # noqa: F401
