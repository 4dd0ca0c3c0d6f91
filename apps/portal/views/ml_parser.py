"""The bet-text parser's playground: paste a message, see the parse as a table and as the API's JSON.

Nothing is stored; the parse is the same call the API and the Discord /bet text option make."""

import json

from django import forms
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.core.errors import ApplicationError
from apps.ml.nlp.services import MAX_TEXT_LENGTH, bet_text_parse
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import render_portal

EXAMPLE = "🔒 LOCK 🔒\nParlay 1u\nLakers -3.5 (−110)\nCeltics o221.5\nKings ML"


class ParserForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_TEXT_LENGTH}),
        max_length=MAX_TEXT_LENGTH,
        strip=False,
        error_messages={"required": "Paste a message to parse."},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(ANALYST, OFFICER)
def ml_parser(request: HttpRequest) -> HttpResponse:
    form = ParserForm(request.POST if request.method == "POST" else None, initial={"text": EXAMPLE})
    result, error = None, None
    if request.method == "POST" and form.is_valid():
        try:
            result = bet_text_parse(form.cleaned_data["text"])
        except ApplicationError as refusal:
            error = refusal.message
    context = {
        "form": form,
        "result": result,
        "error": error,
        "result_json": json.dumps(result, indent=2, ensure_ascii=False) if result else "",
        "max_length": MAX_TEXT_LENGTH,
    }
    status = 400 if request.method == "POST" and (error or not form.is_valid()) else 200
    return render_portal(request, "portal/ml/parser.html", context, status=status)
