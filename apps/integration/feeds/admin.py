"""Feed sources and their runs in the admin. A source is saved through `feed_source_save` (audited), its
mirrors one URL per line, each checked by the SSRF guard when saved (and again on every call); runs are the
service's log, read-only. An action enqueues a run of the selected sources now."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ReadOnlyAdmin, ServiceAdminMixin
from apps.core.enqueue import enqueue
from apps.core.outbound import breakers
from apps.core.outbound.ssrf import OutboundBlocked, url_check
from apps.integration.feeds.services import SOURCE_FIELDS, feed_source_save
from apps.integration.feeds.tasks import feed_source_sync_task
from apps.integration.models import FeedSource, FeedSyncRun

RUN_FIELDS = [
    "started_at", "finished_at", "status", "endpoint", "pages", "games_seen", "games_created", "games_updated",
    "results_posted", "items_rejected", "lag_seconds", "errors", "odds_seen", "odds_created",
]  # fmt: skip


class MirrorsField(forms.CharField):
    """One URL per line <-> a list of URLs."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 80})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class FeedSourceForm(forms.ModelForm):
    base_urls = MirrorsField(help_text="The games list URL on each mirror, one per line.")

    class Meta:
        model = FeedSource
        fields = list(SOURCE_FIELDS)

    def clean_base_urls(self):
        urls = self.cleaned_data["base_urls"]
        if not urls:
            raise forms.ValidationError(_("Give at least one mirror URL."))
        for url in urls:
            try:
                url_check(url)
            except OutboundBlocked as error:
                raise forms.ValidationError(f"{url}: {error}") from error
        return list(dict.fromkeys(urls))

    def clean_mirror_weights(self):
        weights = self.cleaned_data.get("mirror_weights") or {}
        if not isinstance(weights, dict) or not all(
            isinstance(weight, int) and not isinstance(weight, bool) and 1 <= weight <= 100
            for weight in weights.values()
        ):
            raise forms.ValidationError(_('Give {"<mirror url>": <weight from 1 to 100>, ...}.'))
        return weights


@admin.register(FeedSource)
class FeedSourceAdmin(ServiceAdminMixin, ModelAdmin):
    form = FeedSourceForm
    list_display = ["name", "is_enabled", "strategy", "interval_seconds", "last_run_at", "newest_item_at"]
    list_filter = ["is_enabled", "strategy"]
    search_fields = ["name"]
    readonly_fields = [
        "circuit", "etag", "last_modified", "cursor", "newest_item_at", "last_run_at", "lease_expires_at",
    ]  # fmt: skip
    actions = ["sync_now"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # disable a source instead: its runs stay

    @admin.display(description="circuit breaker")
    def circuit(self, source: FeedSource) -> str:
        """As every worker sees it (Redis); on the change page only: one Redis read, not one per row."""
        if source.pk is None:
            return "-"
        return f"{breakers.state(source.upstream)} (opened {breakers.times_opened(source.upstream)} times)"

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in SOURCE_FIELDS if name in form.cleaned_data}
        saved = feed_source_save(actor=actor_for_request(request), source=obj if change else None, **values)
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.action(description="Pull the selected feeds now", permissions=["change"])
    def sync_now(self, request, queryset):
        for source in queryset:
            enqueue(feed_source_sync_task, source.pk)
        self.message_user(request, f"{queryset.count()} run(s) enqueued.")


@admin.register(FeedSyncRun)
class FeedSyncRunAdmin(ReadOnlyAdmin):
    list_display = ["source", *RUN_FIELDS[:10]]
    list_filter = ["status", "source"]
    list_select_related = ["source"]
    fields = readonly_fields = ["source", "newest_item_at", *RUN_FIELDS]
    show_full_result_count = False
