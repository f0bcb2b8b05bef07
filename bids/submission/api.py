"""REST API of sealed bid submission (docs/bids.md). Views parse input and call services."""

import base64
import binascii
import json
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.acting import acting_from_request
from bids.acting import acting_bidder
from bids.api.base import ERROR, BidApiView
from bids.errors import BidRefused
from bids.models import Bid, BidUpload, ReceiptKind
from bids.submission import selectors
from bids.submission.evidence import upload_evidence_read
from bids.submission.finalise import bid_finalise
from bids.submission.uploads import bid_upload_open, bid_upload_part, bid_upload_status
from bids.submission.withdrawal import bid_withdraw
from signing.cms import signed_document_json

FINGERPRINT_HEADER = "HTTP_X_DEVICE_FINGERPRINT"


def _fingerprint(request: Request) -> dict[str, Any]:
    """The device fingerprint bidtool sends (base64 of its JSON), kept as evidence."""
    value = request.META.get(FINGERPRINT_HEADER, "")
    if not value or len(value) > 8192:
        return {}
    try:
        decoded = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def upload_json(upload: BidUpload) -> dict[str, Any]:
    parts = list(upload.parts.all())
    bid = Bid.objects.filter(upload=upload).only("pk").first()
    return {
        "id": str(upload.pk),
        "tender": str(upload.tender_id),
        "state": upload.state,
        "size": upload.size,
        "part_size": upload.part_size,
        "part_count": upload.part_count,
        "parts": [
            {"number": part.number, "size": part.size, "sha256": part.sha256} for part in parts
        ],
        "missing_parts": sorted(
            set(range(1, upload.part_count + 1)) - {part.number for part in parts}
        ),
        "error": upload.refusal_code or None,
        "message": upload.refusal_message or None,
        "bid": str(bid.pk) if bid else None,
    }


def receipt_json(receipt) -> dict[str, Any]:
    """The downloadable receipt: the document, and the platform signature and RFC 3161 token
    over its canonical JSON bytes."""
    return signed_document_json(
        "receipt", bytes(receipt.document), bytes(receipt.signature), bytes(receipt.timestamp_token)
    )


def bid_json(bid: Bid) -> dict[str, Any]:
    return {
        "id": str(bid.pk),
        "tender": str(bid.tender_id),
        "state": bid.state,
        "submission_number": bid.submission_number,
        "received_at": bid.received_at.isoformat(),
        "size": bid.size,
        "header_sha256": bid.header_sha256,
        "ciphertext_sha256": bid.ciphertext_sha256,
        "withdrawn_at": bid.withdrawn_at.isoformat() if bid.withdrawn_at else None,
    }


UPLOAD = inline_serializer(
    "BidUploadStatus",
    {
        "id": serializers.UUIDField(),
        "tender": serializers.UUIDField(),
        "state": serializers.CharField(),
        "size": serializers.IntegerField(),
        "part_size": serializers.IntegerField(),
        "part_count": serializers.IntegerField(),
        "parts": serializers.ListField(child=serializers.DictField()),
        "missing_parts": serializers.ListField(child=serializers.IntegerField()),
        "error": serializers.CharField(allow_null=True),
        "message": serializers.CharField(allow_null=True),
        "bid": serializers.UUIDField(allow_null=True),
    },
)
RECEIPT = inline_serializer(
    "BidReceipt",
    {
        "receipt": serializers.DictField(),
        "signature": serializers.CharField(),
        "timestamp_token": serializers.CharField(),
    },
)


class UploadOpenSerializer(serializers.Serializer):
    size = serializers.IntegerField(min_value=1, help_text="size of the sealed file in bytes")


class UploadOpenView(BidApiView):
    """Open a resumable upload of a sealed bid for a published tender, before its deadline."""

    @extend_schema(
        request=UploadOpenSerializer,
        responses={201: UPLOAD, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 413: ERROR},
    )
    def post(self, request: Request, tender_id) -> Response:
        acting = acting_bidder(request)
        serializer = UploadOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = bid_upload_open(
            acting=acting,
            tender_id=tender_id,
            size=serializer.validated_data["size"],
            device_fingerprint=_fingerprint(request),
        )
        return Response(upload_json(upload), status=status.HTTP_201_CREATED)


class UploadStatusView(BidApiView):
    """Which parts are stored: a client resumes by sending the missing ones."""

    @extend_schema(responses={200: UPLOAD, 404: ERROR})
    def get(self, request: Request, upload_id) -> Response:
        upload = bid_upload_status(acting=acting_bidder(request), upload_id=upload_id)
        return Response(upload_json(upload))


class UploadPartView(BidApiView):
    """PUT the raw bytes of part N (application/octet-stream, exact Content-Length)."""

    @extend_schema(
        request={"application/octet-stream": {"type": "string", "format": "binary"}},
        responses={
            200: inline_serializer(
                "StoredPart",
                {
                    "number": serializers.IntegerField(),
                    "size": serializers.IntegerField(),
                    "sha256": serializers.CharField(),
                },
            ),
            400: ERROR,
            409: ERROR,
            411: ERROR,
            503: ERROR,
        },
    )
    def put(self, request: Request, upload_id, number: int) -> Response:
        acting = acting_bidder(request)
        raw_length = request.META.get("CONTENT_LENGTH")
        try:
            length = int(raw_length) if raw_length not in (None, "") else None
        except ValueError:
            length = None
        # The Django request itself: read in bounded chunks, never parsed or buffered whole.
        part = bid_upload_part(
            acting=acting,
            upload_id=upload_id,
            number=number,
            stream=request._request,
            length=length,
        )
        return Response({"number": part.number, "size": part.size, "sha256": part.sha256})


class FinaliseSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=100)


class UploadFinaliseView(BidApiView):
    """Verify the stored sealed bid and submit it; answers with the signed receipt.

    201 the first time, 200 with the same receipt when repeated (same upload or same
    `Idempotency-Key` header / `idempotency_key` field).
    """

    @extend_schema(
        request=FinaliseSerializer,
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
        responses={200: RECEIPT, 201: RECEIPT, 400: ERROR, 409: ERROR, 503: ERROR},
    )
    def post(self, request: Request, upload_id) -> Response:
        acting = acting_bidder(request)
        serializer = FinaliseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = request.META.get("HTTP_IDEMPOTENCY_KEY") or serializer.validated_data.get(
            "idempotency_key", ""
        )
        result = bid_finalise(acting=acting, upload_id=upload_id, idempotency_key=key)
        body = {"bid": bid_json(result.bid), **receipt_json(result.receipt)}
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)


class MyBidsView(BidApiView):
    """The bidder's own bids and their states."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "BidList", {"bids": serializers.ListField(child=serializers.DictField())}
            )
        }
    )
    def get(self, request: Request) -> Response:
        acting = acting_bidder(request)
        bids = selectors.bids_of_bidder(organisation=acting.organisation)
        return Response({"bids": [bid_json(bid) for bid in bids]})


class ReceiptView(BidApiView):
    """Download a receipt again: `?kind=submission` (default) or `withdrawal`."""

    @extend_schema(responses={200: RECEIPT, 404: ERROR})
    def get(self, request: Request, bid_id) -> Response:
        acting = acting_bidder(request)
        bid = selectors.bid_of_bidder(organisation=acting.organisation, bid_id=bid_id)
        kind = request.query_params.get("kind", ReceiptKind.SUBMISSION)
        receipt = selectors.receipt_of(bid=bid, kind=kind) if bid else None
        if receipt is None:
            raise BidRefused(
                "receipt_not_found",
                _("No %(kind)s receipt for bid %(bid)s.") % {"kind": kind, "bid": bid_id},
                status=404,
            )
        response = Response(receipt_json(receipt))
        response["Content-Disposition"] = f'attachment; filename="receipt-{bid.pk}-{kind}.json"'
        return response


LOG_PROOF = inline_serializer(
    "EventInclusionProof",
    {
        "kind": serializers.CharField(),
        "version": serializers.IntegerField(),
        "event": serializers.DictField(),
        "leaf_hash": serializers.CharField(),
        "leaf_index": serializers.IntegerField(),
        "tree_size": serializers.IntegerField(),
        "audit_path": serializers.ListField(child=serializers.CharField()),
        "signed_checkpoint": serializers.DictField(),
    },
)


class LogProofView(BidApiView):
    """The proof that the bid's submission is in the platform's signed event log, to check
    offline with `bidtool log verify` (docs/event-log.md): for the bid's own bidder (session
    opened with its certificate) or a supervisor. 409 until the next checkpoint covers it."""

    @extend_schema(responses={200: LOG_PROOF, 403: ERROR, 404: ERROR, 409: ERROR})
    def get(self, request: Request, bid_id) -> Response:
        if selectors.user_is_supervisor(user=request.user):
            bid = Bid.objects.filter(pk=bid_id).first()
        else:
            acting = acting_bidder(request)
            bid = selectors.bid_of_bidder(organisation=acting.organisation, bid_id=bid_id)
        proof = selectors.submission_log_proof(bid=bid) if bid else None
        if proof is None:
            raise BidRefused(
                "bid_not_found",
                _("You have no submitted bid %(bid)s.") % {"bid": bid_id},
                status=404,
            )
        response = Response(proof)
        response["Content-Disposition"] = f'attachment; filename="log-proof-{bid.pk}.json"'
        return response


class WithdrawSerializer(serializers.Serializer):
    time = serializers.CharField(help_text="UTC time of the request, as signed")
    signature = serializers.CharField(
        help_text="base64 DER CMS by the bidder certificate over the canonical JSON "
        '{"action":"withdraw","bid":…,"tender":…,"time":…}'
    )

    def validate_signature(self, value: str) -> bytes:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("The signature is not valid base64.")) from None


class WithdrawView(BidApiView):
    """Withdraw a submitted bid before the deadline by a signed request (办法 第27条)."""

    @extend_schema(
        request=WithdrawSerializer,
        responses={200: RECEIPT, 201: RECEIPT, 400: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, bid_id) -> Response:
        acting = acting_bidder(request)
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = bid_withdraw(
            acting=acting,
            bid_id=bid_id,
            time=serializer.validated_data["time"],
            signature=serializer.validated_data["signature"],
        )
        body = {"bid": bid_json(result.bid), **receipt_json(result.receipt)}
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)


class TenderEvidenceView(BidApiView):
    """Supervisors only: every upload to a tender with address, user agent and device."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "BidEvidence", {"uploads": serializers.ListField(child=serializers.DictField())}
            ),
            403: ERROR,
        }
    )
    def get(self, request: Request, tender_id) -> Response:
        uploads = upload_evidence_read(acting=acting_from_request(request), tender_id=tender_id)
        rows = []
        for upload in uploads:
            bid = getattr(upload, "bid", None)
            rows.append(
                {
                    "upload": str(upload.pk),
                    "bidder_uscc": upload.bidder.uscc,
                    "bidder": upload.bidder.name,
                    "user": upload.user.get_username(),
                    "state": upload.state,
                    "bid": str(bid.pk) if bid else None,
                    "bid_state": bid.state if bid else None,
                    "client_ip": upload.client_ip,
                    "user_agent": upload.user_agent,
                    "device_fingerprint": upload.device_fingerprint,
                    "created_at": upload.created_at.isoformat(),
                    "error": upload.refusal_code or None,
                }
            )
        return Response({"uploads": rows})
