"""REST API of complaints (docs/supervision.md, "Complaints and suspension"). Views parse input,
build who acts and call one service or selector; they decide nothing."""

import uuid
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import acting_from_request, logged_in_user
from bids.acting import acting_bidder
from config.errors import Refusal
from signing.cms import signed_document_json
from supervision.complaints import selectors
from supervision.complaints.attachments import AttachmentUpload
from supervision.complaints.services import (
    MAXIMUM_TEXT_LENGTH,
    STEPS,
    complaint_decide,
    complaint_file,
)
from supervision.models import ComplaintMatter

ERROR = inline_serializer(
    "ComplaintError",
    {
        "error": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(required=False),
    },
)
SIGNED = {
    name: inline_serializer(
        f"Signed{name.title()}",
        {
            name: serializers.DictField(help_text="the canonical JSON the signature covers"),
            "signature": serializers.CharField(help_text="base64 CMS, the platform's"),
            "timestamp_token": serializers.CharField(help_text="base64 RFC 3161 token"),
        },
    )
    for name in ("receipt", "decision")
}


class DecisionSeenSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    step = serializers.CharField()
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField()
    due = serializers.DateTimeField(allow_null=True)
    late = serializers.BooleanField()
    document_sha256 = serializers.CharField()


class AttachmentSeenSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class ComplaintSeenSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    tender = serializers.UUIDField(source="tender_id")
    tender_title = serializers.CharField()
    matter = serializers.CharField()
    text = serializers.CharField()
    state = serializers.CharField()
    filed_at = serializers.DateTimeField()
    window_due = serializers.DateTimeField()
    acceptance_due = serializers.DateTimeField(allow_null=True)
    decision_due = serializers.DateTimeField(allow_null=True)
    prior_objection = serializers.UUIDField(source="prior_objection_id", allow_null=True)
    # Null while the reader may not learn who complained (the tenderee before the deadline).
    complainant = serializers.CharField(allow_null=True)
    complainant_uscc = serializers.CharField(allow_null=True)
    decisions = DecisionSeenSerializer(many=True)
    attachments = AttachmentSeenSerializer(many=True)
    steps = serializers.ListField(
        child=serializers.CharField(), help_text="the decisions the caller may take now"
    )


class ComplaintFileSerializer(serializers.Serializer):
    tender = serializers.UUIDField()
    matter = serializers.ChoiceField(choices=ComplaintMatter.choices)
    text = serializers.CharField(
        max_length=MAXIMUM_TEXT_LENGTH, allow_blank=True, trim_whitespace=False
    )
    objection = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="the prior objection: required for the tender documents, the opening and the "
        "evaluation result (招标投标法实施条例 第六十条), and for every matter in government "
        "procurement (政府采购法 第五十五条)",
    )
    known_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="when the complainant knew of the act, for a matter without a prior objection",
    )
    attachments = serializers.ListField(child=serializers.FileField(), required=False)


class DecideSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=list(STEPS))
    reason = serializers.CharField(max_length=5000, allow_blank=True, trim_whitespace=False)


def _not_found() -> Refusal:
    return Refusal("complaint_not_found", _("No such complaint."), status=404)


def _seen_json(request: Request, complaint_id: Any) -> dict[str, Any]:
    seen = selectors.complaint_seen(user=logged_in_user(request), complaint_id=complaint_id)
    if seen is None:
        raise _not_found()
    return dict(ComplaintSeenSerializer(seen).data)


class ComplaintListView(APIView):
    """GET: the complaints the caller may see. POST (multipart): a bidder, logged in with its
    organisation's certificate, files a complaint with its attachments."""

    @extend_schema(
        parameters=[OpenApiParameter("tender", str, required=False)],
        responses={200: ComplaintSeenSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        tender = None
        if request.query_params.get("tender"):
            try:
                tender = uuid.UUID(request.query_params["tender"])
            except ValueError:
                raise Refusal(
                    "invalid", _("tender must be a tender id (a UUID)"), field="tender"
                ) from None
        seen = selectors.complaints_seen(user=logged_in_user(request), tender_id=tender)
        return Response(ComplaintSeenSerializer(seen, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ComplaintFileSerializer},
        responses={201: ComplaintSeenSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request) -> Response:
        serializer = ComplaintFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        complaint = complaint_file(
            acting=acting_bidder(request),
            tender_id=data["tender"],
            matter=data["matter"],
            text=data["text"],
            objection_id=data.get("objection"),
            known_at=data.get("known_at"),
            attachments=[
                AttachmentUpload(name=upload.name, stream=upload)
                for upload in data.get("attachments", [])
            ],
        )
        return Response(_seen_json(request, complaint.pk), status=status.HTTP_201_CREATED)


class ComplaintDetailView(APIView):
    @extend_schema(responses={200: ComplaintSeenSerializer, 404: ERROR})
    def get(self, request: Request, complaint_id: uuid.UUID) -> Response:
        return Response(_seen_json(request, complaint_id))


class ComplaintDecideView(APIView):
    """A supervisor's decision, with its reason; answered with the signed decision."""

    @extend_schema(
        request=DecideSerializer,
        responses={201: SIGNED["decision"], 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, complaint_id: uuid.UUID) -> Response:
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = complaint_decide(
            acting=acting_from_request(request),
            complaint_id=complaint_id,
            step=serializer.validated_data["step"],
            reason=serializer.validated_data["reason"],
        )
        return Response(
            signed_document_json(
                "decision",
                bytes(decision.document),
                bytes(decision.platform_signature),
                bytes(decision.timestamp_token),
            ),
            status=status.HTTP_201_CREATED,
        )


class ComplaintDecisionView(APIView):
    @extend_schema(responses={200: SIGNED["decision"], 404: ERROR})
    def get(self, request: Request, complaint_id: uuid.UUID, decision_id: uuid.UUID) -> Response:
        decision = selectors.complaint_decision_for(
            user=logged_in_user(request), complaint_id=complaint_id, decision_id=decision_id
        )
        if decision is None:
            raise Refusal("decision_not_found", _("No such decision."), status=404)
        return Response(
            signed_document_json(
                "decision",
                bytes(decision.document),
                bytes(decision.platform_signature),
                bytes(decision.timestamp_token),
            )
        )


class ComplaintReceiptView(APIView):
    @extend_schema(responses={200: SIGNED["receipt"], 404: ERROR})
    def get(self, request: Request, complaint_id: uuid.UUID) -> Response:
        complaint = selectors.complaint_receipt_for(
            user=logged_in_user(request), complaint_id=complaint_id
        )
        if complaint is None:
            raise _not_found()
        return Response(
            signed_document_json(
                "receipt",
                bytes(complaint.receipt_document),
                bytes(complaint.receipt_signature),
                bytes(complaint.receipt_timestamp_token),
            )
        )
