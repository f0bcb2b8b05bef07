"""The committee members' escrow parts (trading/escrow.py): what a member's tool fetches to
deal its part, and where it sends the part. `bidtool escrow contribute` does both."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import acting_from_request
from config.errors import Refusal
from trading.escrow import escrow_part_brief, escrow_part_contribute, escrow_part_key_id

ERROR = inline_serializer(
    "EscrowPartError",
    {
        "error": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(required=False),
    },
)
BRIEF = inline_serializer(
    "EscrowPartBrief",
    {
        "tender": serializers.UUIDField(),
        "threshold": serializers.IntegerField(),
        "member_number": serializers.IntegerField(),
        "members": serializers.ListField(
            child=serializers.DictField(),
            help_text="member_number and certificate (DER, base64) of each member, in order",
        ),
        "contributed": serializers.ListField(child=serializers.IntegerField()),
    },
)


class EscrowPartView(APIView):
    """A committee member, logged in with its certificate, while the tender is a draft."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: BRIEF, 403: ERROR, 404: ERROR, 409: ERROR})
    def get(self, request: Request, tender_id: str) -> Response:
        acting = acting_from_request(request)
        return Response(
            escrow_part_brief(
                acting=acting,
                certificate_sha256=acting.certificate_sha256 or None,
                tender_id=tender_id,  # type: ignore[arg-type]
            )
        )

    @extend_schema(
        request=inline_serializer(
            "EscrowPartContribution",
            {"part": serializers.DictField(help_text="signing.envelope.EscrowPart as JSON")},
        ),
        responses={
            201: inline_serializer(
                "EscrowPartKept",
                {"member_number": serializers.IntegerField(), "key_id": serializers.CharField()},
            ),
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
        },
    )
    def post(self, request: Request, tender_id: str) -> Response:
        if not isinstance(request.data, dict) or "part" not in request.data:
            raise Refusal("part_required", _("Send the part made by bidtool."), field="part")
        acting = acting_from_request(request)
        stored = escrow_part_contribute(
            acting=acting,
            certificate_sha256=acting.certificate_sha256 or None,
            tender_id=tender_id,  # type: ignore[arg-type]
            part=request.data["part"],
        )
        return Response(
            {"member_number": stored.member_number, "key_id": escrow_part_key_id(stored)},
            status=201,
        )
