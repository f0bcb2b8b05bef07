"""The console's tender list as JSON: the same rows as the page, keyset-paginated."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from supervision.console.access import IsSupervisor
from supervision.console.selectors import console_tenders


class ConsoleDueSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField()
    source = serializers.CharField()


class ConsoleAlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    severity = serializers.CharField()
    state = serializers.CharField()
    message = serializers.CharField()
    raised_at = serializers.DateTimeField()


class ConsoleRowSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="tender.pk")
    title = serializers.CharField(source="tender.title")
    project_code = serializers.CharField(source="tender.project.code")
    tenderee = serializers.CharField(source="tender.project.tenderee.name")
    category = serializers.CharField(source="tender.category")
    state = serializers.CharField(source="tender.state")
    published_at = serializers.DateTimeField(source="tender.published_at")
    bid_deadline = serializers.DateTimeField(source="tender.bid_deadline", allow_null=True)
    next_due = ConsoleDueSerializer(source="due", allow_null=True)
    due_severity = serializers.CharField(help_text="yellow, red, or empty")
    alerts = ConsoleAlertSerializer(many=True, help_text="Open or acknowledged, the worst first.")


class ConsolePageSerializer(serializers.Serializer):
    tenders = ConsoleRowSerializer(many=True)
    next = serializers.CharField(help_text="The `after` of the next page; empty on the last.")


class ConsoleTendersView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, description="Only tenders in this state."),
            OpenApiParameter("after", str, description="The `next` of the previous page."),
        ],
        responses=ConsolePageSerializer,
    )
    def get(self, request: Request) -> Response:
        page = console_tenders(
            state=request.query_params.get("state", ""),
            after=request.query_params.get("after", "")[:200],
        )
        return Response(
            ConsolePageSerializer({"tenders": page.rows, "next": page.next_cursor}).data
        )
