"""The bet-slip OCR playground: upload a slip image, see the quality figures, the text Tesseract read, the
parse, and the image as the pipeline saw it after face blurring (shown inline, never stored)."""

import base64
import json

import cv2
from django import forms
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.core.errors import ApplicationError
from apps.ml.vision.services import bet_slip_preview_png, bet_slip_read
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import render_portal


class SlipUploadForm(forms.Form):
    image = forms.FileField(error_messages={"required": "Choose a bet slip image to read."})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(ANALYST, OFFICER)
def ml_vision(request: HttpRequest) -> HttpResponse:
    form = SlipUploadForm(request.POST or None, request.FILES or None)
    result, error, preview = None, None, ""
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["image"].read()
        try:
            result = bet_slip_read(content=content)
            preview = base64.b64encode(bet_slip_preview_png(content=content)).decode()
        except ApplicationError as refusal:
            error = refusal.message
    context = {
        "form": form,
        "result": result,
        "error": error,
        "preview": preview,
        "result_json": json.dumps(result, indent=2, ensure_ascii=False) if result else "",
        "opencv": cv2.__version__,
    }
    status = 400 if request.method == "POST" and (error or not form.is_valid()) else 200
    return render_portal(request, "portal/ml/vision.html", context, status=status)
