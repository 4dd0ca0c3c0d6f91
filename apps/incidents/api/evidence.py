"""API of incident evidence (issue #13 item 8): upload (multipart, the file in `file`), list, download
(a custody event with the `purpose` query parameter), and the custody chain with its verification.

Platform keys only: `incidents:read` to read, `incidents:write` to upload. Every download goes through
`evidence_access`, which re-verifies the file's hash: a tampered file answers 409 `evidence_tampered`.
"""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.core.actors import actor_for_request
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.core.errors import ApplicationError, NotFoundError
from apps.incidents.api.common import documented, incident_or_404, incident_scopes
from apps.incidents.choices import EvidenceKind
from apps.incidents.models import CustodyEvent, Evidence, Incident
from apps.incidents.services.evidence import (
    custody_chain,
    custody_verification,
    evidence_access,
    evidence_add,
    evidence_max_bytes,
    evidence_too_large_error,
)

DEFAULT_PURPOSE = "api download"


class EvidenceSerializer(serializers.ModelSerializer):
    collected_by = serializers.CharField(source="collected_by_label")

    class Meta:
        model = Evidence
        fields = [
            "id",
            "incident",
            "kind",
            "title",
            "description",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "collected_by",
            "collection_method",
            "collected_at",
        ]


class EvidenceUploadInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


class CustodyEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = CustodyEvent
        fields = [
            "sequence",
            "action",
            "actor",
            "ip_address",
            "purpose",
            "recipient",
            "occurred_at",
            "observed_sha256",
            "hash_verified",
            "previous_hash",
            "event_hash",
        ]


class CustodySerializer(serializers.Serializer):
    evidence_id = serializers.IntegerField()
    sha256 = serializers.CharField()
    verified = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    events = CustodyEventSerializer(many=True)


class IncidentEvidenceViewSet(ApiViewSet):
    """Evidence of one incident, with its chain of custody."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = incident_scopes(read=("list", "download", "custody"), write=("create",))
    serializer_class = EvidenceSerializer
    queryset = Evidence.objects.none()  # the schema's model; every action reads the incident's own rows
    pagination_class = None
    parser_classes = [MultiPartParser, FormParser]

    def _incident(self) -> Incident:
        return incident_or_404(self.kwargs["incident_id"])

    def _evidence(self) -> Evidence:
        evidence = Evidence.objects.filter(
            pk=self.kwargs["evidence_id"], incident_id=self.kwargs["incident_id"]
        ).first()
        if evidence is None:
            raise NotFoundError(
                _("No evidence %(evidence)s on INC-%(incident)s.")
                % {"evidence": self.kwargs["evidence_id"], "incident": self.kwargs["incident_id"]}
            )
        return evidence

    @documented("The incident's evidence", EvidenceSerializer(many=True))
    def list(self, request, incident_id=None):
        rows = Evidence.objects.filter(incident=self._incident()).order_by("id")
        return Response(EvidenceSerializer(rows, many=True).data)

    @extend_schema(
        summary="Upload evidence (multipart: the file in `file`, plus `title`, `description`)",
        request={"multipart/form-data": EvidenceUploadInput},
        responses={
            201: EvidenceSerializer,
            413: OpenApiResponse(description="The file is over INCIDENT_EVIDENCE_MAX_BYTES"),
            **ERROR_RESPONSES,
        },
    )
    def create(self, request, incident_id=None):
        incident = self._incident()
        data = EvidenceUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > evidence_max_bytes():
            raise evidence_too_large_error(upload.size)  # refused before the file is read
        evidence = evidence_add(
            incident=incident,
            actor=actor_for_request(request),
            kind=EvidenceKind.FILE,
            title=data.validated_data["title"],
            description=data.validated_data["description"],
            content=upload.read(),
            original_name=upload.name or "",
            content_type=getattr(upload, "content_type", "") or "",
            method="upload through the API",
        )
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download evidence (appends a custody event; refused with 409 when its hash no longer matches)",
        parameters=[OpenApiParameter("purpose", str, description=f'Why (default "{DEFAULT_PURPOSE}").')],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            409: ERROR_RESPONSES[400],
            **ERROR_RESPONSES,
        },
    )
    def download(self, request, incident_id=None, evidence_id=None):
        evidence = self._evidence()
        purpose = request.query_params.get("purpose", "").strip() or DEFAULT_PURPOSE
        if len(purpose) > 300:
            raise ApplicationError(_("The purpose is at most 300 characters."), fields={"purpose": [_("too long")]})
        content = evidence_access(
            evidence=evidence, actor=actor_for_request(request), action="download", purpose=purpose
        )
        response = HttpResponse(content, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="evidence-{evidence.pk}"'
        response["X-Content-SHA256"] = evidence.sha256
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @documented(
        "The evidence's chain of custody, with each event's hashes and whether the chain verifies", CustodySerializer
    )
    def custody(self, request, incident_id=None, evidence_id=None):
        evidence = self._evidence()
        events = custody_chain(evidence=evidence)
        result = custody_verification(evidence=evidence, events=events)
        document = {
            "evidence_id": evidence.pk,
            "sha256": evidence.sha256,
            "verified": result.verified,
            "problems": list(result.problems),
            "events": events,
        }
        return Response(CustodySerializer(document).data)
