"""API routes of the bids app (included under /api/v1/ by config/urls.py)."""

from django.urls import path

from bids import api

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
