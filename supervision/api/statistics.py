"""The statistics as JSON: the same figures as the page and its CSV export."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from supervision.console.access import IsSupervisor
from supervision.statistics.export import statistics_json
from supervision.statistics.selectors import platform_statistics


class StatisticsStateCategorySerializer(serializers.Serializer):
    state = serializers.CharField()
    category = serializers.CharField()
    count = serializers.IntegerField()


class StatisticsBiddersSerializer(serializers.Serializer):
    tenders = serializers.IntegerField(help_text="Tenders whose opening has begun.")
    mean = serializers.CharField(allow_null=True)
    median = serializers.CharField(allow_null=True)
    histogram = serializers.DictField(child=serializers.IntegerField())


class StatisticsAwardRatioSerializer(serializers.Serializer):
    awards = serializers.IntegerField()
    mean = serializers.CharField(allow_null=True, help_text="Percent of the ceiling price.")
    median = serializers.CharField(allow_null=True)
    histogram = serializers.DictField(child=serializers.IntegerField())
    mean_by_category = serializers.DictField(child=serializers.CharField())


class StatisticsStageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    source = serializers.CharField()
    done = serializers.IntegerField()
    on_time = serializers.IntegerField()
    rate = serializers.CharField(allow_null=True)


class StatisticsFailedSerializer(serializers.Serializer):
    openings = serializers.IntegerField()
    failed = serializers.IntegerField()
    rate = serializers.CharField(allow_null=True)


class StatisticsRuleAlertsSerializer(serializers.Serializer):
    kind = serializers.CharField()
    open = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    resolved = serializers.IntegerField()
    red = serializers.IntegerField()
    yellow = serializers.IntegerField()


class StatisticsSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    tenders = serializers.IntegerField()
    tenders_by_state = serializers.DictField(child=serializers.IntegerField())
    tenders_by_category = serializers.DictField(child=serializers.IntegerField())
    tenders_by_state_and_category = StatisticsStateCategorySerializer(many=True)
    bidders_per_tender = StatisticsBiddersSerializer()
    award_to_ceiling_percent = StatisticsAwardRatioSerializer()
    on_time = StatisticsStageSerializer(many=True)
    failed_tenders = StatisticsFailedSerializer()
    alerts_by_rule = StatisticsRuleAlertsSerializer(many=True)


class StatisticsView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(responses=StatisticsSerializer)
    def get(self, request: Request) -> Response:
        return Response(statistics_json(platform_statistics()))
