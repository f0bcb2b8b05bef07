"""After evaluation over the API: objections to the candidates, award, contract, archive. The
candidates are published from the signed evaluation report (evaluation.session.api)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import acting_from_request
from trading.api.tenders import TextSerializer
from trading.archive import tender_archive
from trading.award import (
    candidate_objection_answer,
    candidate_objection_raise,
    contract_register,
    tender_award,
)
from trading.bid_security import bid_security_refund_record
from trading.models import Tender


class AwardSerializer(serializers.Serializer):
    winner_uscc = serializers.CharField(max_length=18)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class RefundSerializer(serializers.Serializer):
    recipients = serializers.ChoiceField(choices=["winner", "others"])
    refunded_at = serializers.DateTimeField()


class ContractSerializer(serializers.Serializer):
    value_fen = serializers.IntegerField(min_value=1)
    signed_at = serializers.DateTimeField()


class DoneSerializer(serializers.Serializer):
    id = serializers.CharField()
    state = serializers.CharField()


def _done(identifier: object, state: str) -> Response:
    return Response({"id": str(identifier), "state": str(state)})


def _tender_done(tender_id: object) -> Response:
    return _done(tender_id, Tender.objects.values_list("state", flat=True).get(pk=tender_id))


class _Post(APIView):
    """One POST that validates `serializer_class` and calls `act(request, data, **kwargs)`."""

    permission_classes = [IsAuthenticated]
    serializer_class: type[serializers.Serializer]

    def post(self, request: Request, **kwargs: object) -> Response:
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.act(request, serializer.validated_data, **kwargs)


@extend_schema(request=TextSerializer, responses=DoneSerializer)
class CandidateObjectionView(_Post):
    serializer_class = TextSerializer

    def act(self, request: Request, data: dict, tender_id: str) -> Response:
        objection = candidate_objection_raise(
            acting=acting_from_request(request), tender_id=tender_id, text=data["text"]
        )
        return _done(objection.pk, objection.state)


@extend_schema(request=TextSerializer, responses=DoneSerializer)
class CandidateObjectionAnswerView(_Post):
    serializer_class = TextSerializer

    def act(self, request: Request, data: dict, objection_id: str) -> Response:
        objection = candidate_objection_answer(
            acting=acting_from_request(request), objection_id=objection_id, answer=data["text"]
        )
        return _done(objection.pk, objection.state)


@extend_schema(request=AwardSerializer, responses=DoneSerializer)
class AwardView(_Post):
    serializer_class = AwardSerializer

    def act(self, request: Request, data: dict, tender_id: str) -> Response:
        award = tender_award(
            acting=acting_from_request(request),
            tender_id=tender_id,
            winner_uscc=data["winner_uscc"],
            reason=data.get("reason") or None,
        )
        return _tender_done(award.tender_id)


@extend_schema(request=ContractSerializer, responses=DoneSerializer)
class ContractView(_Post):
    serializer_class = ContractSerializer

    def act(self, request: Request, data: dict, tender_id: str) -> Response:
        contract = contract_register(
            acting=acting_from_request(request),
            tender_id=tender_id,
            value_fen=data["value_fen"],
            signed_at=data["signed_at"],
        )
        return _tender_done(contract.tender_id)


class EmptySerializer(serializers.Serializer):
    pass


@extend_schema(request=None, responses=DoneSerializer)
class ArchiveView(_Post):
    serializer_class = EmptySerializer

    def act(self, request: Request, data: dict, tender_id: str) -> Response:
        package = tender_archive(acting=acting_from_request(request), tender_id=tender_id)
        return _tender_done(package.tender_id)


@extend_schema(request=RefundSerializer, responses=DoneSerializer)
class BidSecurityRefundView(_Post):
    serializer_class = RefundSerializer

    def act(self, request: Request, data: dict, tender_id: str) -> Response:
        tender = bid_security_refund_record(
            acting=acting_from_request(request),
            tender_id=tender_id,
            recipients=data["recipients"],
            refunded_at=data["refunded_at"],
        )
        return _done(tender.pk, tender.state)
