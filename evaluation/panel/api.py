"""The panel over the API: the tenderee's request and progress, the expert's seats, and the
public draw record once revealed. Each endpoint parses and calls a use case."""

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import acting_from_request
from evaluation.models import PanelSeat
from evaluation.panel.record import panel_draw_record
from evaluation.panel.request import panel_request
from evaluation.panel.seats import seat_confirm, seat_decline, seat_recuse
from evaluation.panel.selectors import PanelProgress, expert_seats, panel_progress


class PanelSpecialtyCountSerializer(serializers.Serializer):
    specialty = serializers.CharField(max_length=20)
    count = serializers.IntegerField(min_value=1, max_value=99)


class PanelRequestSerializer(serializers.Serializer):
    specialties = PanelSpecialtyCountSerializer(many=True)
    region = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    size = serializers.IntegerField(min_value=1, max_value=99)
    representatives = serializers.ListField(child=serializers.UUIDField(), required=False)


class PanelSeatLineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    specialty = serializers.CharField()
    state = serializers.CharField()
    round = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(help_text="empty for an expert until the panel is revealed")


class PanelProgressSerializer(serializers.Serializer):
    tender = serializers.UUIDField()
    state = serializers.CharField(allow_null=True, help_text="null: no panel requested yet")
    size = serializers.IntegerField(allow_null=True)
    region = serializers.CharField()
    specialties = PanelSpecialtyCountSerializer(many=True)
    rounds = serializers.IntegerField()
    vacancies = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    seats = PanelSeatLineSerializer(many=True)


def progress_json(progress: PanelProgress) -> dict[str, Any]:
    panel = progress.panel
    return {
        "tender": str(progress.tender.pk),
        "state": panel.state if panel else None,
        "size": panel.size if panel else None,
        "region": panel.region if panel else "",
        "specialties": panel.specialties if panel else [],
        "rounds": progress.rounds,
        "vacancies": progress.vacancies,
        "counts": progress.counts,
        "seats": [line.__dict__ for line in progress.seats],
    }


class PanelRequestView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PanelRequestSerializer, responses={201: PanelProgressSerializer})
    def post(self, request: Request, tender_id: UUID) -> Response:
        serializer = PanelRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        acting = acting_from_request(request)
        panel_request(
            acting=acting,
            tender_id=tender_id,
            specialties=[dict(item) for item in data["specialties"]],
            region=data["region"],
            size=data["size"],
            representative_ids=data.get("representatives", []),
        )
        progress = panel_progress(acting=acting, tender_id=tender_id)
        return Response(progress_json(progress), status=201)


class PanelProgressView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PanelProgressSerializer)
    def get(self, request: Request, tender_id: UUID) -> Response:
        progress = panel_progress(acting=acting_from_request(request), tender_id=tender_id)
        return Response(progress_json(progress))


class DrawRoundSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    drawn_at = serializers.DateTimeField()
    reason = serializers.CharField()
    requests = PanelSpecialtyCountSerializer(many=True)
    pool_snapshot = serializers.DictField(
        child=serializers.ListField(child=serializers.UUIDField())
    )
    pool_sha256 = serializers.CharField()
    drawn = serializers.DictField(child=serializers.ListField(child=serializers.UUIDField()))
    drawn_sha256 = serializers.CharField()


class DrawMemberSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    expert = serializers.UUIDField(allow_null=True)
    specialty = serializers.CharField()
    round = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()


class DrawRecordSerializer(serializers.Serializer):
    algorithm = serializers.DictField(child=serializers.JSONField())
    tender = serializers.UUIDField()
    panel = serializers.UUIDField()
    size = serializers.IntegerField()
    region = serializers.CharField()
    specialties = PanelSpecialtyCountSerializer(many=True)
    requested_at = serializers.DateTimeField()
    seed_sha256 = serializers.CharField()
    seed = serializers.CharField(help_text="the 32-byte seed in hexadecimal")
    revealed_at = serializers.DateTimeField()
    rounds = DrawRoundSerializer(many=True)
    members = DrawMemberSerializer(many=True)


class DrawRecordView(APIView):
    """The draw record, public once the panel is revealed (404 before)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=DrawRecordSerializer)
    def get(self, request: Request, tender_id: UUID) -> Response:
        return Response(panel_draw_record(tender_id=tender_id))


class PanelSeatSerializer(serializers.ModelSerializer):
    tender = serializers.UUIDField(source="panel.tender_id")
    tender_title = serializers.CharField(source="panel.tender.title")
    tenderee = serializers.CharField(source="panel.tender.project.tenderee.name")
    state = serializers.CharField(help_text="drawn, confirmed, declined or recused")

    class Meta:
        model = PanelSeat
        fields = ["id", "tender", "tender_title", "tenderee", "specialty", "state", "decided_at"]


class MySeatsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PanelSeatSerializer(many=True))
    def get(self, request: Request) -> Response:
        seats = expert_seats(user=acting_from_request(request).user)
        return Response(PanelSeatSerializer(seats, many=True).data)


class SeatReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class SeatDecisionView(APIView):
    """POST confirm, decline or recuse (the last two with a reason)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=SeatReasonSerializer, responses=PanelSeatSerializer)
    def post(self, request: Request, seat_id: UUID, decision: str) -> Response:
        serializer = SeatReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        acting = acting_from_request(request)
        reason = serializer.validated_data["reason"]
        if decision == "confirm":
            seat = seat_confirm(acting=acting, seat_id=seat_id)
        elif decision == "decline":
            seat = seat_decline(acting=acting, seat_id=seat_id, reason=reason)
        else:
            seat = seat_recuse(acting=acting, seat_id=seat_id, reason=reason)
        return Response(PanelSeatSerializer(seat).data)
