"""The units ledger in the admin: read-only (a trigger refuses UPDATE and DELETE anyway)."""

from django.contrib import admin

from apps.betting.models import LedgerEntry
from apps.core.admin.tools import LargeReadOnlyAdmin


@admin.register(LedgerEntry)
class LedgerEntryAdmin(LargeReadOnlyAdmin):
    """Entries are appended by settlement services only; staff repair a bet, never its entries."""

    list_display = [
        "id",
        "created_at",
        "tenant",
        "capper",
        "bet_external_id",
        "sequence",
        "kind",
        "result",
        "units",
        "staked_units",
        "reason",
    ]
    list_filter = ["tenant", "kind", "result"]
    search_fields = ["=bet__external_id", "capper__display_name"]
    search_help_text = "An exact Discord message id of the bet, or part of a capper's name."
    list_select_related = ["tenant", "capper", "bet"]
    ordering = ["-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "capper", "bet")

    @admin.display(description="bet", ordering="bet__external_id")
    def bet_external_id(self, entry: LedgerEntry) -> str:
        return entry.bet.external_id
