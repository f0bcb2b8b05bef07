"""Tender and document endpoints (public reads; tenderee uploads; bidders' registered downloads)."""

import base64
import binascii

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monitoring.services import client_ip_of
from trading.documents import (
    document_chunks,
    document_downloads_visible,
    document_obtain,
    document_upload,
)
from trading.models import Tender, TenderDocument
from trading.selectors import PUBLIC_STATES, tender_get_public, tender_list_public
from trading.services import Acting, TenderInvalid


class TenderSerializer(serializers.ModelSerializer):
    tenderee = serializers.CharField(source="project.tenderee.name")
    tenderee_uscc = serializers.CharField(source="project.tenderee.uscc")
    project_code = serializers.CharField(source="project.code")
    regime = serializers.CharField(source="project.regime")
    region = serializers.CharField(source="project.region")

    class Meta:
        model = Tender
        fields = [
            "id", "title", "project_code", "tenderee", "tenderee_uscc", "regime", "region",
            "category", "method", "state", "ceiling_price_fen", "bid_security_fen",
            "published_at", "documents_from", "documents_until", "clarification_cutoff",
            "bid_deadline", "decryption_window_minutes", "evaluation_method", "scoring_scheme",
            "required_files", "minimum_valid_bids",
        ]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenderDocument
        fields = ["id", "kind", "name", "size", "sha256", "uploaded_at"]


class DownloadSerializer(serializers.Serializer):
    document = serializers.UUIDField(source="document_id")
    organisation = serializers.CharField(source="organisation.name")
    uscc = serializers.CharField(source="organisation.uscc")
    downloaded_at = serializers.DateTimeField()


def _acting(request: Request) -> Acting:
    return Acting(user=request.user, client_ip=client_ip_of(request))


def _refuse(error: TenderInvalid) -> ValidationError:
    field, problem = next(iter(error.problems.items()))
    return ValidationError({field: [problem]})


class TenderListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=TenderSerializer(many=True))
    def get(self, request: Request) -> Response:
        tenders = tender_list_public(
            search=request.query_params.get("q", ""),
            category=request.query_params.get("category", ""),
            region=request.query_params.get("region", ""),
            state=request.query_params.get("state", "")
            if request.query_params.get("state") in PUBLIC_STATES else "",
        )[:100]
        return Response(TenderSerializer(tenders, many=True).data)


class TenderDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=TenderSerializer)
    def get(self, request: Request, tender_id: str) -> Response:
        tender = tender_get_public(tender_id=tender_id)
        if tender is None:
            return Response(
                {"error": "not_found", "message": "No published tender has this id."}, status=404
            )
        return Response(TenderSerializer(tender).data)


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
            return Response(
                {"error": "not_found", "message": "No published tender has this id."}, status=404
            )
        return Response(DocumentSerializer(tender.documents.all(), many=True).data)

    @extend_schema(request=DocumentUploadSerializer, responses={201: DocumentSerializer})
    def post(self, request: Request, tender_id: str) -> Response:
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        get_object_or_404(Tender, pk=tender_id)
        try:
            with data["file"].open("rb") as stream:
                document = document_upload(
                    acting=_acting(request), tender_id=tender_id, kind=data["kind"],
                    name=data["name"], stream=stream, statement_signature=data["signature"],
                )
        except TenderInvalid as error:
            raise _refuse(error) from None
        except PermissionDenied as error:
            raise ApiPermissionDenied(str(error)) from None
        return Response(DocumentSerializer(document).data, status=201)


class DocumentDownloadView(APIView):
    """A bidder's registered download of one document, streamed from storage."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request: Request, document_id: str) -> StreamingHttpResponse:
        get_object_or_404(TenderDocument, pk=document_id)
        try:
            document = document_obtain(acting=_acting(request), document_id=document_id)
        except PermissionDenied as error:
            raise ApiPermissionDenied(str(error)) from None
        response = StreamingHttpResponse(
            document_chunks(document), content_type="application/octet-stream"
        )
        response["Content-Length"] = str(document.size)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{document.name}"
        response["X-Content-SHA256"] = document.sha256
        return response


class TenderDownloadsView(APIView):
    """Who obtained the documents: secret until the deadline (办法 第二十一条)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DownloadSerializer(many=True))
    def get(self, request: Request, tender_id: str) -> Response:
        tender = get_object_or_404(Tender.objects.select_related("project"), pk=tender_id)
        try:
            downloads = document_downloads_visible(acting=_acting(request), tender=tender)
        except PermissionDenied as error:
            raise ApiPermissionDenied(str(error)) from None
        return Response(DownloadSerializer(downloads, many=True).data)
