"""The pseudonym vault in the admin: tokens only; re-identify (permission, reason, audit) or forget.

The value is never a field of these pages: it is shown once, on the response page of the
re-identification action, and never put into a message (messages may live in a cookie).
"""

from django.contrib import admin, messages

from apps.core.actors import actor_for_request
from apps.core.admin.tools import ReadOnlyAdmin, action_page
from apps.core.errors import ApplicationError
from apps.privacy.admin.reasons import MAX_ROWS_PER_ACTION, ask_reason
from apps.privacy.models import Pseudonym
from apps.privacy.services import forget, reidentify

REIDENTIFIED_TEMPLATE = "admin/privacy/pseudonym/reidentified.html"


@admin.register(Pseudonym)
class PseudonymAdmin(ReadOnlyAdmin):
    """Read-only: tokens are made by pseudonymize(); forgetting one goes through the service (audited):
    see the action."""

    list_display = ["token", "purpose", "created_at", "reidentified_count", "last_reidentified_at"]
    list_filter = ["purpose"]
    search_fields = ["=token"]
    ordering = ["-id"]
    fields = ["token", "purpose", "created_at", "reidentified_count", "last_reidentified_at"]
    readonly_fields = fields
    actions = ["reidentify_selected", "forget_selected"]

    def has_reidentify_permission(self, request) -> bool:
        return request.user.has_perm("privacy.reidentify_pseudonym")

    def has_forget_permission(self, request) -> bool:
        return request.user.has_perm("privacy.delete_pseudonym")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def _ask_reason(self, request, pseudonyms: list[Pseudonym], *, action: str, title: str, intro: str):
        rows = [(pseudonym.pk, pseudonym.token, pseudonym.purpose) for pseudonym in pseudonyms]
        return ask_reason(self, request, action=action, title=title, intro=intro, rows=rows)

    @admin.action(description="Re-identify selected pseudonyms (audited, with a reason)", permissions=["reidentify"])
    def reidentify_selected(self, request, queryset):
        pseudonyms = list(queryset[:MAX_ROWS_PER_ACTION])
        answer = self._ask_reason(
            request,
            pseudonyms,
            action="reidentify_selected",
            title="Re-identify pseudonyms",
            intro="Each re-identification is recorded in the audit trail with your name and reason.",
        )
        if answer.page:
            return answer.page
        actor, reason = actor_for_request(request), answer.reason
        revealed = []
        for pseudonym in pseudonyms:
            try:
                value = reidentify(pseudonym.token, actor=actor, user=request.user, reason=reason)
            except ApplicationError as error:
                self.message_user(request, f"{pseudonym.token}: {error.message}", messages.ERROR)
                continue
            revealed.append((pseudonym.token, pseudonym.purpose, value))
        context = {"title": "Re-identified pseudonyms", "revealed": revealed}
        response = action_page(self, request, REIDENTIFIED_TEMPLATE, context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Forget selected pseudonyms (erase the vault entries)", permissions=["forget"])
    def forget_selected(self, request, queryset):
        pseudonyms = list(queryset[:MAX_ROWS_PER_ACTION])
        answer = self._ask_reason(
            request,
            pseudonyms,
            action="forget_selected",
            title="Forget pseudonyms",
            intro="The values behind these tokens are erased; nobody can re-identify them afterwards.",
        )
        if answer.page:
            return answer.page
        actor = actor_for_request(request)
        count = sum(forget(pseudonym.token, actor=actor, reason=answer.reason) for pseudonym in pseudonyms)
        self.message_user(request, f"{count} pseudonym(s) forgotten.", messages.SUCCESS)
        return None
