"""Tender and document endpoints (public reads; tenderee uploads; bidders' registered downloads)."""

import base64
import binascii

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import acting_from_request
from accounts.models import Organisation
from config.errors import Refusal
from trading.documents import (
    document_chunks,
    document_downloads_visible,
    document_obtain,
    document_upload,
)
from trading.models import DocumentObjection, Project, Tender, TenderDocument, TenderEscrow
from trading.objections import objection_answer, objection_raise
from trading.selectors import (
    PUBLIC_STATES,
    notifications_for,
    objection_seen,
    tender_get_public,
    tender_list_public,
)
from trading.services import (
    SCHEDULE_FIELDS,
    project_create,
    tender_amend_deadline,
    tender_cancel,
    tender_clarify,
    tender_create_draft,
    tender_publish,
    tender_resume,
    tender_suspend,
)


class TenderSerializer(serializers.ModelSerializer):
    tenderee = serializers.CharField(source="project.tenderee.name")
    tenderee_uscc = serializers.CharField(source="project.tenderee.uscc")
    project_code = serializers.CharField(source="project.code")
    regime = serializers.CharField(source="project.regime")
    region = serializers.CharField(source="project.region")

    class Meta:
        model = Tender
        fields = [
            "id",
            "title",
            "project_code",
            "tenderee",
            "tenderee_uscc",
            "regime",
            "region",
            "category",
            "method",
            "state",
            "ceiling_price_fen",
            "estimated_price_fen",
            "bid_security_fen",
            "published_at",
            "documents_from",
            "documents_until",
            "clarification_cutoff",
            "bid_deadline",
            "decryption_window_minutes",
            "evaluation_method",
            "scoring_scheme",
            "required_files",
            "minimum_valid_bids",
        ]


class TenderDetailSerializer(TenderSerializer):
    """One tender, with the escrow public key a bidder seals its data key to (if any)."""

    escrow_public_key = serializers.SerializerMethodField()
    escrow_key_id = serializers.SerializerMethodField()

    class Meta(TenderSerializer.Meta):
        fields = [*TenderSerializer.Meta.fields, "escrow_public_key", "escrow_key_id"]

    def _escrow(self, tender: Tender) -> TenderEscrow | None:
        return TenderEscrow.objects.filter(tender=tender).first()

    def get_escrow_public_key(self, tender: Tender) -> str | None:
        escrow = self._escrow(tender)
        return escrow.public_key_pem if escrow else None

    def get_escrow_key_id(self, tender: Tender) -> str | None:
        escrow = self._escrow(tender)
        return escrow.key_id if escrow else None


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenderDocument
        fields = ["id", "kind", "name", "size", "sha256", "uploaded_at"]


class DownloadSerializer(serializers.Serializer):
    document = serializers.UUIDField(source="document_id")
    organisation = serializers.CharField(source="organisation.name")
    uscc = serializers.CharField(source="organisation.uscc")
    downloaded_at = serializers.DateTimeField()


class TenderListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=TenderSerializer(many=True))
    def get(self, request: Request) -> Response:
        tenders = tender_list_public(
            search=request.query_params.get("q", ""),
            category=request.query_params.get("category", ""),
            region=request.query_params.get("region", ""),
            state=request.query_params.get("state", "")
            if request.query_params.get("state") in PUBLIC_STATES
            else "",
            rows=100,
        )[:100]
        return Response(TenderSerializer(tenders, many=True).data)


class TenderDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=TenderDetailSerializer)
    def get(self, request: Request, tender_id: str) -> Response:
        tender = tender_get_public(tender_id=tender_id)
        if tender is None:
            raise Refusal("not_found", _("No published tender has this id."), status=404)
        return Response(TenderDetailSerializer(tender).data)


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField(max_length=200)
    file = serializers.FileField()
    signature = serializers.CharField(help_text="base64 DER CMS over the document statement")

    def validate_signature(self, value: str) -> bytes:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("The signature is not valid base64.") from None


class TenderDocumentsView(APIView):
    """GET: the documents of a published tender (public). POST: the tenderee adds one."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request: Request, tender_id: str) -> Response:
        tender = tender_get_public(tender_id=tender_id)
        if tender is None:
            raise Refusal("not_found", _("No published tender has this id."), status=404)
        return Response(DocumentSerializer(tender.documents.all(), many=True).data)

    @extend_schema(request=DocumentUploadSerializer, responses={201: DocumentSerializer})
    def post(self, request: Request, tender_id: str) -> Response:
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        get_object_or_404(Tender, pk=tender_id)
        with data["file"].open("rb") as stream:
            document = document_upload(
                acting=acting_from_request(request),
                tender_id=tender_id,
                kind=data["kind"],
                name=data["name"],
                stream=stream,
                statement_signature=data["signature"],
            )
        return Response(DocumentSerializer(document).data, status=201)


class DocumentDownloadView(APIView):
    """A bidder's registered download of one document, streamed from storage."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request: Request, document_id: str) -> StreamingHttpResponse:
        get_object_or_404(TenderDocument, pk=document_id)
        document = document_obtain(acting=acting_from_request(request), document_id=document_id)
        response = StreamingHttpResponse(
            document_chunks(document), content_type="application/octet-stream"
        )
        response["Content-Length"] = str(document.size)
        # RFC 6266 with RFC 5987's percent-encoded `filename*`: a Chinese name arrives whole
        # (sent raw, browsers fall back to saving the file as "download").
        response["Content-Disposition"] = content_disposition_header(True, document.name)
        response["X-Content-SHA256"] = document.sha256
        return response


class TenderDownloadsView(APIView):
    """Who obtained the documents: secret until the deadline (办法 第二十一条)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DownloadSerializer(many=True))
    def get(self, request: Request, tender_id: str) -> Response:
        tender = get_object_or_404(Tender.objects.select_related("project"), pk=tender_id)
        downloads = document_downloads_visible(acting=acting_from_request(request), tender=tender)
        return Response(DownloadSerializer(downloads, many=True).data)


class ProjectCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    tenderee_uscc = serializers.CharField(max_length=18)
    agent_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    regime = serializers.CharField()
    region = serializers.CharField()


class ProjectSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    regime = serializers.CharField()
    region = serializers.CharField()


def _organisation(uscc: str, field: str) -> Organisation:
    organisation = Organisation.objects.filter(uscc=uscc).first()
    if organisation is None:
        raise ValidationError({field: [f"No organisation has the code {uscc}."]})
    return organisation


class ProjectCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectSerializer})
    def post(self, request: Request) -> Response:
        serializer = ProjectCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tenderee = _organisation(data["tenderee_uscc"], "tenderee_uscc")
        agent = _organisation(data["agent_uscc"], "agent_uscc") if data.get("agent_uscc") else None
        project = project_create(
            acting=acting_from_request(request),
            code=data["code"],
            name=data["name"],
            tenderee=tenderee,
            agent=agent,
            regime=data["regime"],
            region=data["region"],
        )
        return Response(ProjectSerializer(project).data, status=201)


class TenderDraftSerializer(serializers.Serializer):
    project = serializers.UUIDField()
    terms = serializers.DictField(help_text="the tender's terms: title, category, method, …")


def _aware_time(value: object, field: str) -> object:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible: 2026-02-30
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationError({field: ["An ISO 8601 time with its offset is needed."]})
    return parsed


class TenderDraftView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=TenderDraftSerializer, responses={201: TenderSerializer})
    def post(self, request: Request) -> Response:
        serializer = TenderDraftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=serializer.validated_data["project"])
        terms = dict(serializer.validated_data["terms"])
        for field in SCHEDULE_FIELDS:
            if field in terms and terms[field] in (None, ""):
                terms[field] = None  # not set yet: publication requires it
            elif field in terms:
                terms[field] = _aware_time(terms[field], field)
        tender = tender_create_draft(
            acting=acting_from_request(request), project=project, terms=terms
        )
        return Response(TenderSerializer(tender).data, status=201)


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class AmendSerializer(ReasonSerializer):
    bid_deadline = serializers.DateTimeField()


class TenderActionView(APIView):
    """POST /tenders/<id>/<action>: publish, amend, clarify, cancel, suspend, resume."""

    permission_classes = [IsAuthenticated]
    actions = {
        "publish": (
            None,
            lambda acting, tender_id, data: tender_publish(acting=acting, tender_id=tender_id),
        ),
        "amend": (
            AmendSerializer,
            lambda acting, tender_id, data: tender_amend_deadline(
                acting=acting,
                tender_id=tender_id,
                bid_deadline=data["bid_deadline"],
                reason=data["reason"],
            ),
        ),
        "clarify": (
            TextSerializer,
            lambda acting, tender_id, data: tender_clarify(
                acting=acting, tender_id=tender_id, text=data["text"]
            ),
        ),
        "cancel": (
            ReasonSerializer,
            lambda acting, tender_id, data: tender_cancel(
                acting=acting, tender_id=tender_id, reason=data["reason"]
            ),
        ),
        "suspend": (
            ReasonSerializer,
            lambda acting, tender_id, data: tender_suspend(
                acting=acting, tender_id=tender_id, reason=data["reason"]
            ),
        ),
        "resume": (
            ReasonSerializer,
            lambda acting, tender_id, data: tender_resume(
                acting=acting, tender_id=tender_id, reason=data["reason"]
            ),
        ),
    }

    @extend_schema(request=AmendSerializer, responses=TenderSerializer)
    def post(self, request: Request, tender_id: str, action: str) -> Response:
        if action not in self.actions:
            raise Refusal("not_found", _("No action %(action)s.") % {"action": action}, status=404)
        get_object_or_404(Tender, pk=tender_id)
        serializer_class, call = self.actions[action]
        data = {}
        if serializer_class is not None:
            serializer = serializer_class(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        tender = call(acting_from_request(request), tender_id, data)
        tender = Tender.objects.select_related("project", "project__tenderee").get(pk=tender.pk)
        return Response(TenderSerializer(tender).data)


class NotificationSerializer(serializers.Serializer):
    notice = serializers.UUIDField(source="notice_id")
    kind = serializers.CharField(source="notice.kind")
    title = serializers.CharField(source="notice.title")
    tender = serializers.UUIDField(source="notice.tender_id")
    sent_at = serializers.DateTimeField(source="created_at")


class NotificationListView(APIView):
    """The clarifications, amendments and terminations sent to the bidder's organisation."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NotificationSerializer(many=True))
    def get(self, request: Request) -> Response:
        notifications = notifications_for(user=request.user)[:200]
        return Response(NotificationSerializer(notifications, many=True).data)


class ObjectionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    tender = serializers.UUIDField(source="tender_id")
    # Null while the reader may not learn who objected (before the deadline, 办法 第二十一条).
    organisation = serializers.CharField(allow_null=True)
    text = serializers.CharField()
    state = serializers.CharField()
    raised_at = serializers.DateTimeField()
    answer_due = serializers.DateTimeField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


def _objection_data(request: Request, objection: DocumentObjection) -> dict:
    return ObjectionSerializer(objection_seen(user=request.user, objection=objection)).data


class ObjectionRaiseView(APIView):
    """A bidder that obtained the documents objects to them (条例 第二十二条)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=TextSerializer, responses={201: ObjectionSerializer})
    def post(self, request: Request, tender_id: str) -> Response:
        serializer = TextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        get_object_or_404(Tender, pk=tender_id)
        objection = objection_raise(
            acting=acting_from_request(request),
            tender_id=tender_id,
            text=serializer.validated_data["text"],
        )
        return Response(_objection_data(request, objection), status=201)


class ObjectionAnswerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=TextSerializer, responses=ObjectionSerializer)
    def post(self, request: Request, objection_id: str) -> Response:
        serializer = TextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        get_object_or_404(DocumentObjection, pk=objection_id)
        objection = objection_answer(
            acting=acting_from_request(request),
            objection_id=objection_id,
            answer=serializer.validated_data["text"],
        )
        return Response(_objection_data(request, objection))
