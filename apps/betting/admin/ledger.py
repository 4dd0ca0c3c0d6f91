"""The units ledger in the admin: read-only (a trigger refuses UPDATE and DELETE anyway)."""

from django.contrib import admin

from apps.betting.models import LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
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
    show_facets = admin.ShowFacets.NEVER
    show_full_result_count = False
    ordering = ["-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "capper", "bet")

    @admin.display(description="bet", ordering="bet__external_id")
    def bet_external_id(self, entry: LedgerEntry) -> str:
        return entry.bet.external_id

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
