"""The event log's public API (docs/event-log.md): the signed checkpoints, for anyone to copy
and hold the platform to; /log/ shows them as the platform's public notice board."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import Refusal
from monitoring.proofs import CHECKPOINT_PAGE_SIZE, checkpoints_published

SIGNED_CHECKPOINT = inline_serializer(
    "SignedCheckpoint",
    {
        "checkpoint": serializers.DictField(),
        "signature": serializers.CharField(help_text="base64 DER CMS by the platform"),
        "timestamp_token": serializers.CharField(help_text="base64 RFC 3161 token"),
    },
)
CHECKPOINT = inline_serializer(
    "EventLogCheckpoint",
    {
        "tree_size": serializers.IntegerField(),
        "root_hash": serializers.CharField(),
        "previous_tree_size": serializers.IntegerField(),
        "previous_root_hash": serializers.CharField(),
        "consistency_proof": serializers.ListField(child=serializers.CharField()),
        "created_at": serializers.DateTimeField(),
        "signed_checkpoint": SIGNED_CHECKPOINT,
    },
)
ERROR = inline_serializer(
    "EventLogError",
    {
        "error": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(required=False),
    },
)


def _count(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name, str(default))
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise Refusal(
            "invalid",
            _("%(name)s must be a whole number from %(low)s to %(high)s.")
            % {"name": name, "low": low, "high": high},
            field=name,
        )
    return int(raw)


class CheckpointListView(APIView):
    """Signed checkpoints of the event log, oldest first: `?after=<tree size>` pages on."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="only checkpoints of more events"),
            OpenApiParameter("limit", int, description=f"at most {CHECKPOINT_PAGE_SIZE}"),
        ],
        responses={
            200: inline_serializer(
                "EventLogCheckpoints",
                {
                    "checkpoints": serializers.ListField(child=CHECKPOINT),
                    "next_after": serializers.IntegerField(allow_null=True),
                },
            ),
            400: ERROR,
        },
    )
    def get(self, request: Request) -> Response:
        after = _count(request, "after", 0, 0, 2**62)
        limit = _count(request, "limit", CHECKPOINT_PAGE_SIZE, 1, CHECKPOINT_PAGE_SIZE)
        checkpoints = checkpoints_published(after=after, limit=limit)
        full = len(checkpoints) == limit
        return Response(
            {
                "checkpoints": checkpoints,
                "next_after": checkpoints[-1]["tree_size"] if full else None,
            }
        )
