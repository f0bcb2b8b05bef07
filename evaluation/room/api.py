"""REST API of the closed evaluation area: the expert's sessions, a session's bids and one bid
file. Every endpoint goes through the gate (evaluation.room.access); an anonymous caller is
refused by DRF's IsAuthenticated before it, so it writes nothing."""

from uuid import UUID

from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import acting_from_request
from evaluation.room.viewer import room_bid_file, room_bid_list, room_sessions
from evaluation.room.views import bid_file_response

ERROR = inline_serializer(
    "RoomError",
    {
        "error": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(required=False),
    },
)
REFUSALS = {403: ERROR, 404: ERROR, 409: ERROR}


class RoomSessionSerializer(serializers.Serializer):
    tender_id = serializers.UUIDField()
    title = serializers.CharField(help_text="empty until the session's window opens")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    state = serializers.CharField()
    open_now = serializers.BooleanField()


class RoomFileSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    label = serializers.CharField(help_text='the file\'s name, or "File n" for anonymous bids')
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    price_part = serializers.BooleanField()
    readable = serializers.BooleanField()
    reason = serializers.CharField(help_text="why the file cannot be opened now")


class RoomBidSerializer(serializers.Serializer):
    bid_id = serializers.UUIDField()
    code = serializers.CharField()
    label = serializers.CharField(help_text="the bidder's name, or its code for anonymous bids")
    files = RoomFileSerializer(many=True)


class RoomBidListSerializer(serializers.Serializer):
    anonymous = serializers.BooleanField(help_text="bidders appear under their codes")
    two_envelopes = serializers.BooleanField()
    technical_signed = serializers.BooleanField()
    bids = RoomBidSerializer(many=True)


class RoomSessionsView(APIView):
    """The sessions of the panels the caller sits on (from the room, with a certificate)."""

    @extend_schema(responses={200: RoomSessionSerializer(many=True), **REFUSALS})
    def get(self, request: Request) -> Response:
        sessions = room_sessions(acting=acting_from_request(request))
        return Response(RoomSessionSerializer(sessions, many=True).data)


class RoomBidsView(APIView):
    """The tender's decrypted bids, as the expert may see them now."""

    @extend_schema(responses={200: RoomBidListSerializer, **REFUSALS})
    def get(self, request: Request, tender_id: UUID) -> Response:
        listing = room_bid_list(acting=acting_from_request(request), tender_id=tender_id)
        return Response(
            RoomBidListSerializer(
                {
                    "anonymous": listing.rules.names_hidden,
                    "two_envelopes": listing.rules.two_envelopes,
                    "technical_signed": listing.rules.technical_signed,
                    "bids": listing.bids,
                }
            ).data
        )


class RoomBidFileView(APIView):
    """One bid file's plaintext, decrypted as it is sent (never stored)."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes, **REFUSALS})
    def get(
        self, request: Request, tender_id: UUID, bid_id: UUID, index: int
    ) -> StreamingHttpResponse:
        room_file = room_bid_file(
            acting=acting_from_request(request),
            tender_id=tender_id,
            bid_id=bid_id,
            file_index=index,
        )
        return bid_file_response(room_file)
