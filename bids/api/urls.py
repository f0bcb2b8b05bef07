"""API routes of the bids app, paths relative to /api/v1/ (config/urls.py); the names have no
namespace, as before the convention (docs/architecture.md, "Where code lives")."""

from django.urls import path

from bids.opening import api as opening_api
from bids.submission import api as submission_api

urlpatterns = [
    path(
        "tenders/<uuid:tender_id>/bid-uploads",
        submission_api.UploadOpenView.as_view(),
        name="bid-upload-open",
    ),
    path(
        "tenders/<uuid:tender_id>/bid-evidence",
        submission_api.TenderEvidenceView.as_view(),
        name="bid-evidence",
    ),
    path(
        "bid-uploads/<uuid:upload_id>",
        submission_api.UploadStatusView.as_view(),
        name="bid-upload-status",
    ),
    path(
        "bid-uploads/<uuid:upload_id>/parts/<int:number>",
        submission_api.UploadPartView.as_view(),
        name="bid-upload-part",
    ),
    path(
        "bid-uploads/<uuid:upload_id>/finalise",
        submission_api.UploadFinaliseView.as_view(),
        name="bid-upload-finalise",
    ),
    path("bids", submission_api.MyBidsView.as_view(), name="bid-list"),
    path("bids/<uuid:bid_id>/receipt", submission_api.ReceiptView.as_view(), name="bid-receipt"),
    path("bids/<uuid:bid_id>/withdraw", submission_api.WithdrawView.as_view(), name="bid-withdraw"),
    path(
        "bids/<uuid:bid_id>/log-proof", submission_api.LogProofView.as_view(), name="bid-log-proof"
    ),
]

_hall = "tenders/<uuid:tender_id>/opening"
urlpatterns += [
    path(_hall, opening_api.HallView.as_view(), name="opening-hall"),
    path(f"{_hall}/sign-in", opening_api.SignInView.as_view(), name="opening-sign-in"),
    path(f"{_hall}/start", opening_api.StartView.as_view(), name="opening-start"),
    path(f"{_hall}/wrapped-key", opening_api.WrappedKeyView.as_view(), name="opening-wrapped-key"),
    path(f"{_hall}/data-key", opening_api.DataKeyView.as_view(), name="opening-data-key"),
    path(
        f"{_hall}/escrow-share", opening_api.EscrowShareView.as_view(), name="opening-escrow-share"
    ),
    path(
        f"{_hall}/escrow-recovery",
        opening_api.EscrowRecoverView.as_view(),
        name="opening-escrow-recovery",
    ),
    path(
        f"{_hall}/bids/<uuid:bid_id>/escrow-request",
        opening_api.EscrowRequestView.as_view(),
        name="opening-escrow-request",
    ),
    path(
        f"{_hall}/bids/<uuid:bid_id>/fault", opening_api.FaultView.as_view(), name="opening-fault"
    ),
    path(f"{_hall}/confirm", opening_api.ConfirmView.as_view(), name="opening-confirm"),
    path(f"{_hall}/objections", opening_api.ObjectionView.as_view(), name="opening-objections"),
    path(
        f"{_hall}/objections/<uuid:objection_id>/answer",
        opening_api.ObjectionAnswerView.as_view(),
        name="opening-objection-answer",
    ),
    path(f"{_hall}/finalise", opening_api.FinaliseView.as_view(), name="opening-finalise"),
    path(f"{_hall}/record", opening_api.RecordView.as_view(), name="opening-record"),
]
