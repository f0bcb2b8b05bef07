"""The session's steps over the API (the pages call the same services). Members act from the
closed area; the tenderee convenes and, once the report is signed, publishes its candidates."""

import base64
import binascii
from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import acting_from_request
from evaluation.errors import EvaluationRefused
from evaluation.report.services import (
    candidates_publicize_from_report,
    report_refusal_record,
    report_sign,
)
from evaluation.session.consolidation import consolidation_close, score_revise, scoring_close
from evaluation.session.convene import session_convene, session_elect_leader
from evaluation.session.review import (
    price_explanation_decide,
    price_explanation_submit,
    price_explanations_request,
    review_close,
    review_start,
    verdict_record,
)
from evaluation.session.scores import score_record
from evaluation.session.selectors import session_seen


class ConveneSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class LeaderSerializer(serializers.Serializer):
    leader_seat_id = serializers.UUIDField()


class VerdictSerializer(serializers.Serializer):
    bid_id = serializers.UUIDField()
    criterion = serializers.CharField(max_length=40)
    passed = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ScoreSerializer(serializers.Serializer):
    bid_id = serializers.UUIDField()
    criterion = serializers.CharField(max_length=40)
    points = serializers.CharField(max_length=12)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ScoreReviewSerializer(serializers.Serializer):
    bid_id = serializers.UUIDField()
    criterion = serializers.CharField(max_length=40)
    points = serializers.CharField(max_length=12, required=False, default=None, allow_null=True)
    reason = serializers.CharField(max_length=2000)


class ExplanationSerializer(serializers.Serializer):
    explanation = serializers.CharField(max_length=20000)


class ExplanationDecisionSerializer(serializers.Serializer):
    bid_id = serializers.UUIDField()
    accepted = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)


class SignatureSerializer(serializers.Serializer):
    signature = serializers.CharField(max_length=200_000, help_text="base64 CMS (DER)")
    agrees = serializers.BooleanField(default=True)
    dissent = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class SigningRefusalSerializer(serializers.Serializer):
    seat_id = serializers.UUIDField()
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class NoBodySerializer(serializers.Serializer):
    pass


def _signature(data: dict) -> bytes:
    try:
        return base64.b64decode(data["signature"], validate=True)
    except (binascii.Error, ValueError):
        raise EvaluationRefused(message="not base64", field="signature") from None


# step name → (serializer, service call with (acting, tender_id, data))
STEPS: dict[str, tuple[type[serializers.Serializer], Callable[..., Any]]] = {
    "convene": (
        ConveneSerializer,
        lambda acting, tender_id, data: session_convene(acting=acting, tender_id=tender_id, **data),
    ),
    "leader": (
        LeaderSerializer,
        lambda acting, tender_id, data: session_elect_leader(
            acting=acting, tender_id=tender_id, **data
        ),
    ),
    "review/start": (
        NoBodySerializer,
        lambda acting, tender_id, data: review_start(acting=acting, tender_id=tender_id),
    ),
    "review/close": (
        NoBodySerializer,
        lambda acting, tender_id, data: review_close(acting=acting, tender_id=tender_id),
    ),
    "verdicts": (
        VerdictSerializer,
        lambda acting, tender_id, data: verdict_record(acting=acting, tender_id=tender_id, **data),
    ),
    "price-explanations/request": (
        NoBodySerializer,
        lambda acting, tender_id, data: price_explanations_request(
            acting=acting, tender_id=tender_id
        ),
    ),
    "price-explanations/decide": (
        ExplanationDecisionSerializer,
        lambda acting, tender_id, data: price_explanation_decide(
            acting=acting, tender_id=tender_id, **data
        ),
    ),
    "price-explanation": (
        ExplanationSerializer,
        lambda acting, tender_id, data: price_explanation_submit(
            acting=acting, tender_id=tender_id, **data
        ),
    ),
    "scores": (
        ScoreSerializer,
        lambda acting, tender_id, data: score_record(acting=acting, tender_id=tender_id, **data),
    ),
    "scoring/close": (
        NoBodySerializer,
        lambda acting, tender_id, data: scoring_close(acting=acting, tender_id=tender_id),
    ),
    "scores/review": (
        ScoreReviewSerializer,
        lambda acting, tender_id, data: score_revise(acting=acting, tender_id=tender_id, **data),
    ),
    "consolidation/close": (
        NoBodySerializer,
        lambda acting, tender_id, data: consolidation_close(acting=acting, tender_id=tender_id),
    ),
    "report/sign": (
        SignatureSerializer,
        lambda acting, tender_id, data: report_sign(
            acting=acting,
            tender_id=tender_id,
            signature=_signature(data),
            agrees=data["agrees"],
            dissent=data["dissent"],
        ),
    ),
    "report/refusals": (
        SigningRefusalSerializer,
        lambda acting, tender_id, data: report_refusal_record(
            acting=acting, tender_id=tender_id, **data
        ),
    ),
    "candidates": (
        NoBodySerializer,
        lambda acting, tender_id, data: candidates_publicize_from_report(
            acting=acting, tender_id=tender_id
        ),
    ),
}


class SessionView(APIView):
    """GET: the session as the caller may see it (a member: bids, criteria, its own verdicts
    and scores; the tenderee: progress without scores)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, tender_id: str) -> Response:
        return Response(session_seen(acting=acting_from_request(request), tender_id=tender_id))


class StepView(APIView):
    """POST one step of the session; the body depends on the step (see STEPS)."""

    permission_classes = [IsAuthenticated]
    step = ""

    def post(self, request: Request, tender_id: str) -> Response:
        serializer_class, call = STEPS[self.step]
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        acting = acting_from_request(request)
        call(acting, tender_id, dict(serializer.validated_data))
        return Response(session_seen(acting=acting, tender_id=tender_id))


def step_view(step: str) -> Callable[..., Any]:
    """The view of one step, with its own request schema in the OpenAPI document."""
    serializer_class = STEPS[step][0]
    name = "".join(part.capitalize() for part in step.replace("/", "-").split("-"))
    view: type[StepView] = type(f"{name}StepView", (StepView,), {"step": step})
    extend_schema(request=serializer_class, responses=OpenApiTypes.OBJECT)(view)
    return view.as_view()
