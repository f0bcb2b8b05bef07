"""Alerts over the API: the list, a supervisor's acknowledge and resolve, the rule registry."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import acting_from_request
from supervision.console.access import IsSupervisor
from supervision.rules.lifecycle import NOTE_LENGTH, alert_acknowledge, alert_resolve
from supervision.rules.registry import configured_rules
from supervision.rules.selectors import alert_page


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    severity = serializers.CharField()
    state = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    tender_id = serializers.CharField()
    message = serializers.CharField()
    rule_source = serializers.CharField()
    evidence = serializers.JSONField()
    raised_at = serializers.DateTimeField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(allow_null=True, source="acknowledged_by.username")
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = serializers.CharField(allow_null=True, source="resolved_by.username")
    note = serializers.CharField()


class AlertPageSerializer(serializers.Serializer):
    alerts = AlertSerializer(many=True)
    next = serializers.CharField(help_text="The `after` of the next page; empty on the last.")


class AlertResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_LENGTH)


class AlertListView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state", str, description="active (the default), open, acknowledged, resolved"
            ),
            OpenApiParameter("severity", str, description="notice, yellow or red"),
            OpenApiParameter("kind", str, description="The rule's code."),
            OpenApiParameter("after", str, description="The `next` of the previous page."),
        ],
        responses=AlertPageSerializer,
    )
    def get(self, request: Request) -> Response:
        page = alert_page(
            state=request.query_params.get("state", "active"),
            severity=request.query_params.get("severity", ""),
            kind=request.query_params.get("kind", ""),
            after=request.query_params.get("after", "")[:200],
        )
        alerts = [view.alert for view in page.alerts]
        return Response(AlertPageSerializer({"alerts": alerts, "next": page.next_cursor}).data)


class AlertAcknowledgeView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(request=None, responses=AlertSerializer)
    def post(self, request: Request, alert_id: int) -> Response:
        alert = alert_acknowledge(acting=acting_from_request(request), alert_id=alert_id)
        return Response(AlertSerializer(alert).data)


class AlertResolveView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(request=AlertResolveSerializer, responses=AlertSerializer)
    def post(self, request: Request, alert_id: int) -> Response:
        serializer = AlertResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = alert_resolve(
            acting=acting_from_request(request),
            alert_id=alert_id,
            note=serializer.validated_data["note"],
        )
        return Response(AlertSerializer(alert).data)


class AlertRuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    family = serializers.CharField()
    title = serializers.CharField()
    source = serializers.CharField()
    severity = serializers.CharField()
    yellow_before_hours = serializers.IntegerField(allow_null=True)
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    parameters = serializers.DictField(child=serializers.FloatField())
    enabled = serializers.BooleanField()


class RuleListView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(responses=AlertRuleSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(AlertRuleSerializer(configured_rules(), many=True).data)
