"""API routes of the bids app (included under /api/v1/ by config/urls.py)."""

from django.urls import path

from bids import api, api_opening

urlpatterns = [
    path("tenders/<uuid:tender_id>/bid-uploads", api.UploadOpenView.as_view(),
         name="bid-upload-open"),
    path("tenders/<uuid:tender_id>/bid-evidence", api.TenderEvidenceView.as_view(),
         name="bid-evidence"),
    path("bid-uploads/<uuid:upload_id>", api.UploadStatusView.as_view(),
         name="bid-upload-status"),
    path("bid-uploads/<uuid:upload_id>/parts/<int:number>", api.UploadPartView.as_view(),
         name="bid-upload-part"),
    path("bid-uploads/<uuid:upload_id>/finalise", api.UploadFinaliseView.as_view(),
         name="bid-upload-finalise"),
    path("bids", api.MyBidsView.as_view(), name="bid-list"),
    path("bids/<uuid:bid_id>/receipt", api.ReceiptView.as_view(), name="bid-receipt"),
    path("bids/<uuid:bid_id>/withdraw", api.WithdrawView.as_view(), name="bid-withdraw"),
]

_hall = "tenders/<uuid:tender_id>/opening"
urlpatterns += [
    path(_hall, api_opening.HallView.as_view(), name="opening-hall"),
    path(f"{_hall}/sign-in", api_opening.SignInView.as_view(), name="opening-sign-in"),
    path(f"{_hall}/start", api_opening.StartView.as_view(), name="opening-start"),
    path(f"{_hall}/wrapped-key", api_opening.WrappedKeyView.as_view(),
         name="opening-wrapped-key"),
    path(f"{_hall}/data-key", api_opening.DataKeyView.as_view(), name="opening-data-key"),
    path(f"{_hall}/escrow-share", api_opening.EscrowShareView.as_view(),
         name="opening-escrow-share"),
    path(f"{_hall}/escrow-recovery", api_opening.EscrowRecoverView.as_view(),
         name="opening-escrow-recovery"),
    path(f"{_hall}/bids/<uuid:bid_id>/escrow-request", api_opening.EscrowRequestView.as_view(),
         name="opening-escrow-request"),
    path(f"{_hall}/bids/<uuid:bid_id>/fault", api_opening.FaultView.as_view(),
         name="opening-fault"),
    path(f"{_hall}/confirm", api_opening.ConfirmView.as_view(), name="opening-confirm"),
    path(f"{_hall}/objections", api_opening.ObjectionView.as_view(), name="opening-objections"),
    path(f"{_hall}/objections/<uuid:objection_id>/answer",
         api_opening.ObjectionAnswerView.as_view(), name="opening-objection-answer"),
    path(f"{_hall}/finalise", api_opening.FinaliseView.as_view(), name="opening-finalise"),
    path(f"{_hall}/record", api_opening.RecordView.as_view(), name="opening-record"),
]
