"""Pages of the bids app: the bidder workspace (own bids, states, receipts to download)."""


from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from bids import selectors
from bids.models import ReceiptKind


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    """My bids and their states; nothing about anyone else's."""
    bids = list(selectors.bids_of_user(user=request.user))
    return render(request, "bids/workspace.html", {"bids": bids})


@login_required
def receipt_download(request: HttpRequest, bid_id, kind: str) -> HttpResponse:
    if kind not in ReceiptKind.values:
        raise Http404
    bid = selectors.bids_of_user(user=request.user).filter(pk=bid_id).first()
    receipt = selectors.receipt_of(bid=bid, kind=kind) if bid else None
    if receipt is None:
        raise Http404
    from bids.api import receipt_json

    response = JsonResponse(receipt_json(receipt), json_dumps_params={
        "ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="receipt-{bid.pk}-{kind}.json"'
    return response


