"""REST API of the remote opening hall (docs/opening.md). Views parse input, call services."""

import base64
import binascii
import uuid

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.acting import acting_from_request
from bids.acting import acting_bidder
from bids.api.base import ERROR, BidApiView
from bids.errors import BidRefused
from bids.models import BidDecryption
from bids.opening import escrow, keys, reading, record, sign_in, start
from bids.opening.hall import opening_hall
from bids.opening.refusals import refusal_record
from config.errors import Refusal
from monitoring.services import Actor, client_ip_of
from trading.models import Tender

HALL = inline_serializer(
    "OpeningHall",
    {
        "tender": serializers.DictField(),
        "viewer": serializers.DictField(),
        "now": serializers.DateTimeField(),
        "session": serializers.DictField(allow_null=True),
        "bidders": serializers.ListField(child=serializers.DictField()),
        "objections": serializers.ListField(child=serializers.DictField()),
        "escrow": serializers.DictField(allow_null=True),
        "controls": serializers.ListField(
            child=serializers.CharField(),
            help_text="the controls the caller may use now: sign-in, decrypt-command, confirm, "
            "object, start, escrow-recovery, finalise, record",
        ),
    },
)
DECRYPTION = inline_serializer(
    "BidDecryptionState",
    {
        "bid": serializers.UUIDField(),
        "state": serializers.CharField(),
        "key_source": serializers.CharField(),
        "wrong_key_attempts": serializers.IntegerField(),
    },
)
WRAPPED_KEY = inline_serializer(
    "WrappedDataKey",
    {
        "bid": serializers.UUIDField(),
        "tender_id": serializers.CharField(),
        "bidder_uscc": serializers.CharField(),
        "role": serializers.CharField(),
        "method": serializers.CharField(),
        "key_id": serializers.CharField(),
        "wrapped_key": serializers.CharField(help_text="base64"),
    },
)
OK = inline_serializer("OpeningOk", {"state": serializers.CharField()})


def _decryption_json(decryption: BidDecryption) -> dict:
    return {
        "bid": str(decryption.bid_id),
        "state": decryption.state,
        "key_source": decryption.key_source,
        "wrong_key_attempts": decryption.wrong_key_attempts,
    }


class OpeningApiView(BidApiView):
    """Every refusal in the hall is on record, also those raised before a service runs (a
    session that does not act for a bidder, a key that is not base64)."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, BidRefused):
            request = self.request
            user = request.user if request.user.is_authenticated else None
            refusal_record(
                exc,
                actor=Actor(user=user, client_ip=client_ip_of(request)),
                tender_id=self.kwargs.get("tender_id", ""),
                step=f"{request.method} {request.path}",
            )
        return super().handle_exception(exc)


def _text(request: Request, field: str) -> str:
    """A text field of the JSON body ("" when absent); anything else is a 400 naming it."""
    if not isinstance(request.data, dict):
        raise BidRefused("body_invalid", _("The request body must be a JSON object."), status=400)
    value = request.data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BidRefused(
            "field_invalid",
            _("%(field)s must be text.") % {"field": field},
            field=field,
            status=400,
        )
    return value


def _base64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError):
        raise BidRefused(
            "key_malformed",
            _("%(field)s must be base64.") % {"field": field},
            field=field,
            status=400,
        ) from None


def _uuid(value: object, field: str) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BidRefused(
            "bid_invalid",
            _("%(field)s must be a bid id (a UUID).") % {"field": field},
            field=field,
            status=400,
        ) from None


class HallView(OpeningApiView):
    """The hall as the caller may see it; the page polls this every few seconds."""

    @extend_schema(responses={200: HALL, 403: ERROR, 404: ERROR})
    def get(self, request: Request, tender_id) -> Response:
        tender = Tender.objects.select_related("project").filter(pk=tender_id).first()
        if tender is None:
            raise Refusal("tender_not_found", _("No such tender."), status=404)
        return Response(opening_hall(user=request.user, tender=tender).as_json())


class SignInView(OpeningApiView):
    @extend_schema(request=None, responses={200: OK, 403: ERROR, 409: ERROR})
    def post(self, request: Request, tender_id) -> Response:
        signed = sign_in.opening_sign_in(acting=acting_bidder(request), tender_id=tender_id)
        return Response({"state": "signed_in", "signed_in_at": signed.signed_in_at})


class StartView(OpeningApiView):
    @extend_schema(request=None, responses={200: OK, 403: ERROR, 409: ERROR})
    def post(self, request: Request, tender_id) -> Response:
        session = start.opening_start(acting=acting_from_request(request), tender_id=tender_id)
        return Response({"state": session.state, "decryption_ends_at": session.decryption_ends_at})


class WrappedKeyView(OpeningApiView):
    @extend_schema(responses={200: WRAPPED_KEY, 403: ERROR, 404: ERROR, 409: ERROR})
    def get(self, request: Request, tender_id) -> Response:
        return Response(
            keys.opening_wrapped_key(acting=acting_bidder(request), tender_id=tender_id)
        )


class DataKeySerializer(serializers.Serializer):
    data_key = serializers.CharField(help_text="the unwrapped 32-byte data key, base64")
    bid = serializers.UUIDField(required=False)


class DataKeyView(OpeningApiView):
    @extend_schema(
        request=DataKeySerializer,
        responses={202: DECRYPTION, 400: ERROR, 403: ERROR, 409: ERROR, 422: ERROR},
    )
    def post(self, request: Request, tender_id) -> Response:
        acting = acting_bidder(request)
        decryption = keys.opening_submit_key(
            acting=acting,
            tender_id=tender_id,
            data_key=_base64(_text(request, "data_key"), "data_key"),
            bid_id=_uuid(_text(request, "bid"), "bid"),
        )
        return Response(_decryption_json(decryption), status=status.HTTP_202_ACCEPTED)


class EscrowShareView(OpeningApiView):
    """GET: a committee member's encrypted shares of every part of the escrow key, and the key
    service's key. POST: those shares, opened on the member's machine and encrypted there to
    the key service (`bidtool escrow-share`)."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "EscrowShare",
                {
                    "tender": serializers.UUIDField(),
                    "escrow_public_key": serializers.CharField(),
                    "escrow_key_id": serializers.CharField(),
                    "threshold": serializers.IntegerField(),
                    "share": serializers.DictField(),
                    "submit_to": serializers.DictField(
                        help_text="public_key and key_id of the key service's key"
                    ),
                },
            ),
            403: ERROR,
        }
    )
    def get(self, request: Request, tender_id) -> Response:
        acting = acting_from_request(request)
        return Response(
            escrow.opening_escrow_share(
                acting=acting,
                tender_id=tender_id,
                certificate_sha256=acting.certificate_sha256 or None,
            )
        )

    @extend_schema(
        request=inline_serializer(
            "EscrowShareSubmit",
            {
                "method": serializers.CharField(help_text="the wrap method (HPKE)"),
                "wrapped_share": serializers.CharField(
                    help_text="base64: the member's opened shares ({dealer: mnemonic}), "
                    "encrypted to submit_to.public_key"
                ),
            },
        ),
        responses={
            201: inline_serializer(
                "EscrowShareCount",
                {
                    "shares": serializers.IntegerField(),
                    "threshold": serializers.IntegerField(),
                    "round": serializers.IntegerField(),
                },
            ),
            400: ERROR,
            403: ERROR,
            409: ERROR,
        },
    )
    def post(self, request: Request, tender_id) -> Response:
        acting = acting_from_request(request)
        result = escrow.opening_submit_share(
            acting=acting,
            tender_id=tender_id,
            certificate_sha256=acting.certificate_sha256 or None,
            method=_text(request, "method"),
            wrapped=_base64(_text(request, "wrapped_share"), "wrapped_share"),
        )
        return Response(result, status=status.HTTP_201_CREATED)


class EscrowRequestView(OpeningApiView):
    @extend_schema(
        request=inline_serializer("EscrowRequest", {"reason": serializers.CharField()}),
        responses={200: DECRYPTION, 403: ERROR, 409: ERROR},
    )
    def post(self, request: Request, tender_id, bid_id) -> Response:
        decryption = escrow.opening_request_escrow(
            acting=acting_from_request(request),
            tender_id=tender_id,
            bid_id=bid_id,
            reason=_text(request, "reason"),
        )
        return Response(_decryption_json(decryption))


class EscrowRecoverView(OpeningApiView):
    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "EscrowRecovered",
                {"recovered": serializers.ListField(child=serializers.UUIDField())},
            ),
            403: ERROR,
            409: ERROR,
        },
    )
    def post(self, request: Request, tender_id) -> Response:
        accepted = escrow.opening_recover_escrow(
            acting=acting_from_request(request), tender_id=tender_id
        )
        return Response({"recovered": [str(item.bid_id) for item in accepted]})


class FaultView(OpeningApiView):
    @extend_schema(
        request=inline_serializer(
            "DecryptionFaultRuling",
            {
                "fault": serializers.ChoiceField(choices=["bidder", "other"]),
                "reason": serializers.CharField(),
            },
        ),
        responses={200: DECRYPTION, 403: ERROR, 409: ERROR},
    )
    def post(self, request: Request, tender_id, bid_id) -> Response:
        decryption = reading.opening_record_fault(
            acting=acting_from_request(request),
            tender_id=tender_id,
            bid_id=bid_id,
            fault=_text(request, "fault"),
            reason=_text(request, "reason"),
        )
        return Response(_decryption_json(decryption))


class ConfirmView(OpeningApiView):
    @extend_schema(request=None, responses={200: OK, 403: ERROR, 409: ERROR})
    def post(self, request: Request, tender_id) -> Response:
        confirmation = reading.opening_confirm(acting=acting_bidder(request), tender_id=tender_id)
        return Response({"state": "confirmed", "confirmed_at": confirmation.confirmed_at})


class ObjectionView(OpeningApiView):
    @extend_schema(
        request=inline_serializer("OpeningObjectionRaise", {"text": serializers.CharField()}),
        responses={201: OK, 403: ERROR, 409: ERROR},
    )
    def post(self, request: Request, tender_id) -> Response:
        objection = reading.opening_object(
            acting=acting_bidder(request), tender_id=tender_id, text=_text(request, "text")
        )
        return Response(
            {"state": objection.state, "id": str(objection.pk)}, status=status.HTTP_201_CREATED
        )


class ObjectionAnswerView(OpeningApiView):
    @extend_schema(
        request=inline_serializer("OpeningObjectionAnswer", {"answer": serializers.CharField()}),
        responses={200: OK, 403: ERROR, 409: ERROR},
    )
    def post(self, request: Request, tender_id, objection_id) -> Response:
        objection = reading.opening_answer(
            acting=acting_from_request(request),
            tender_id=tender_id,
            objection_id=objection_id,
            answer=_text(request, "answer"),
        )
        return Response({"state": objection.state, "id": str(objection.pk)})


class FinaliseView(OpeningApiView):
    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "OpeningFinalised",
                {"state": serializers.CharField(), "outcome": serializers.CharField()},
            ),
            403: ERROR,
            409: ERROR,
        },
    )
    def post(self, request: Request, tender_id) -> Response:
        session = record.opening_finalise(acting=acting_from_request(request), tender_id=tender_id)
        return Response({"state": session.state, "outcome": session.outcome})


class RecordView(OpeningApiView):
    """The signed opening record, public once finalised; verify it with `bidtool record
    verify` (platform signature and RFC 3161 token)."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: inline_serializer(
                "OpeningRecord",
                {
                    "record": serializers.DictField(),
                    "signature": serializers.CharField(),
                    "timestamp_token": serializers.CharField(),
                },
            ),
            404: ERROR,
        }
    )
    def get(self, request: Request, tender_id) -> Response:
        document = record.opening_record(tender_id=tender_id)
        if document is None:
            raise Refusal(
                "record_not_found",
                _("The opening record of this tender is not final yet."),
                status=404,
            )
        return Response(document)
