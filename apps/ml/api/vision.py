"""API of bet-slip OCR (issue #16 item 4): `POST /api/v1/tenants/{guild_id}/vision/bet-slip/`, multipart with
the image in `image`. Tenant keys (or platform keys) with `bets:write`. Nothing is stored."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from apps.core.api.schema import ERROR_RESPONSES
from apps.ml.vision.decoding import image_max_bytes, image_too_large_error
from apps.ml.vision.services import bet_slip_read
from apps.tenants.models import Tenant
from apps.tenants.viewsets import TenantScopedViewSet


class BetSlipUploadInput(serializers.Serializer):
    image = serializers.FileField(
        allow_empty_file=False, help_text="A PNG, JPEG or WebP screenshot or photo of one bet slip (at most 5 MB)."
    )


class SlipLegSerializer(serializers.Serializer):
    team = serializers.CharField(allow_null=True)
    game_external_id = serializers.CharField(allow_null=True)
    market = serializers.CharField(help_text="moneyline, spread or total (the betting app's markets).")
    selection = serializers.CharField(allow_null=True)
    line = serializers.CharField(allow_null=True, help_text="A decimal as a string, e.g. '-3.5'.")
    american_odds = serializers.IntegerField(allow_null=True)


class SlipBetSerializer(serializers.Serializer):
    legs = SlipLegSerializer(many=True)
    stake_units = serializers.CharField(allow_null=True)
    confidence = serializers.FloatField(min_value=0, max_value=1)


class SlipImageQualitySerializer(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    blur_variance = serializers.FloatField(help_text="Variance of the Laplacian (higher is sharper).")
    contrast = serializers.FloatField(help_text="RMS contrast: the grey levels' standard deviation over 255.")
    usable = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class SlipPreprocessingSerializer(serializers.Serializer):
    inverted = serializers.BooleanField(help_text="A dark theme, inverted to dark text on white.")
    scale = serializers.FloatField(help_text="The factor the image was rescaled by (small text is enlarged).")
    deskew_degrees = serializers.FloatField(help_text="The rotation applied to level the text lines.")


class BetSlipReadSerializer(serializers.Serializer):
    bets = SlipBetSerializer(many=True)
    unparsed = serializers.ListField(child=serializers.JSONField())
    language = serializers.CharField(allow_null=True)
    sentiment = serializers.JSONField()
    keywords = serializers.ListField(child=serializers.CharField())
    entities = serializers.ListField(child=serializers.JSONField())
    image_quality = SlipImageQualitySerializer()
    ocr_text = serializers.CharField(help_text="The text Tesseract read, one line per printed line.")
    preprocessing = SlipPreprocessingSerializer()
    faces_blurred = serializers.IntegerField(help_text="Faces found and blurred before anything else was done.")


class BetSlipViewSet(TenantScopedViewSet):
    """Read one bet slip image into structured bets."""

    queryset = Tenant.objects.none()  # no rows are read or written; the schema wants a model
    parser_classes = [MultiPartParser]
    required_scopes = {"create": "bets:write"}
    serializer_class = BetSlipUploadInput

    def tenant_queryset(self):
        return self.queryset

    @extend_schema(
        summary="Read a bet slip image (multipart: the image in `image`) into the bet-text parser's answer",
        description=(
            "Decodes the image (PNG, JPEG or WebP; Pillow's checks, decompression bombs refused), blurs any "
            "faces, assesses quality (size, blur by the variance of the Laplacian, contrast) and refuses an "
            "unusable image with its reasons, preprocesses (grayscale, deskew, threshold, rescale), reads it with "
            "Tesseract and parses the text. The image is not stored."
        ),
        request={"multipart/form-data": BetSlipUploadInput},
        responses={
            200: BetSlipReadSerializer,
            413: OpenApiResponse(ERROR_RESPONSES[400].response, description="The image is over ML_VISION_MAX_BYTES"),
            503: OpenApiResponse(ERROR_RESPONSES[400].response, description="Tesseract is not installed"),
            **ERROR_RESPONSES,
        },
    )
    def create(self, request, guild_id=None):
        data = BetSlipUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["image"]
        if upload.size > image_max_bytes():
            raise image_too_large_error(upload.size)  # refused before the file is read
        return Response(bet_slip_read(content=upload.read(), tenant=self.tenant))
