"""The units ledger in the admin: read-only (a trigger refuses UPDATE and DELETE anyway)."""

from django.contrib import admin

from apps.betting.models import LedgerEntry
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import LargeReadOnlyAdmin
from apps.core.exports import Column


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ExportAdminMixin, LargeReadOnlyAdmin):
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
    export_columns = [
        Column("id", "id"),
        Column("created at (UTC)", "created_at"),
        Column("guild id", "tenant__guild_id"),
        Column("capper", "capper__display_name"),
        Column("bet message id", "bet__external_id"),
        Column("sequence", "sequence"),
        Column("kind", "kind"),
        Column("result", "result"),
        Column("units", "units"),
        Column("staked units", "staked_units"),
        Column("reason", "reason"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "capper", "bet")

    @admin.display(description="bet", ordering="bet__external_id")
    def bet_external_id(self, entry: LedgerEntry) -> str:
        return entry.bet.external_id
