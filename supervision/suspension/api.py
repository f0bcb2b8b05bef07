"""REST API of a supervisor's suspension of a tender: POST
/api/v1/supervision/tenders/<id>/suspend and …/resume with a reason."""

from uuid import UUID

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import acting_from_request
from supervision.suspension.services import (
    MAXIMUM_REASON_LENGTH,
    suspension_lift,
    suspension_order,
)
from trading.models import Tender

ERROR = inline_serializer(
    "SuspensionError",
    {
        "error": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(required=False),
    },
)


class SuspensionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=MAXIMUM_REASON_LENGTH, allow_blank=True, trim_whitespace=False
    )


class SuspendedTenderSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.CharField()
    state_before_suspension = serializers.CharField(
        help_text="the state a resumption returns to; empty when not suspended"
    )
    suspension_cause = serializers.CharField(help_text="supervisor, objection or empty")


def _answer(tender: Tender) -> Response:
    return Response(SuspendedTenderSerializer(tender).data)


class SuspendView(APIView):
    @extend_schema(
        request=SuspensionReasonSerializer,
        responses={200: SuspendedTenderSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, tender_id: UUID) -> Response:
        serializer = SuspensionReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _answer(
            suspension_order(
                acting=acting_from_request(request),
                tender_id=tender_id,
                reason=serializer.validated_data["reason"],
            )
        )


class ResumeView(APIView):
    @extend_schema(
        request=SuspensionReasonSerializer,
        responses={200: SuspendedTenderSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, tender_id: UUID) -> Response:
        serializer = SuspensionReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _answer(
            suspension_lift(
                acting=acting_from_request(request),
                tender_id=tender_id,
                reason=serializer.validated_data["reason"],
            )
        )
