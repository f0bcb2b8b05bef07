"""A bidder's pages of tender documents: the registered download (saved under the document's own
name, Chinese included: RFC 6266 with RFC 5987's `filename*`), and an objection to them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.acting import acting_from_request
from config.errors import Refusal
from trading.documents import document_chunks, document_obtain
from trading.models import Tender, TenderDocument
from trading.objections import objection_raise
from trading.services import TenderInvalid
from trading.views.problems import problem_lines


def document_response(document: TenderDocument) -> StreamingHttpResponse:
    """The document's bytes, streamed, saved by the browser under the document's name."""
    response = StreamingHttpResponse(
        document_chunks(document), content_type="application/octet-stream"
    )
    response["Content-Length"] = str(document.size)
    response["Content-Disposition"] = content_disposition_header(True, document.name)
    response["X-Content-SHA256"] = document.sha256
    return response


@login_required
def document_download(request: HttpRequest, document_id: str) -> HttpResponse:
    """The registered download (document_obtain records who obtained it); a refusal is shown
    on the 403 page with its reason."""
    if not TenderDocument.objects.filter(pk=document_id).exists():
        raise Http404
    document = document_obtain(acting=acting_from_request(request), document_id=document_id)
    return document_response(document)


@login_required
@require_POST
def objection_raise_page(request: HttpRequest, tender_id: str) -> HttpResponse:
    """A bidder that obtained the documents objects to them (招标投标法实施条例 第二十二条)."""
    if not Tender.objects.filter(pk=tender_id).exists():
        raise Http404
    try:
        objection_raise(
            acting=acting_from_request(request),
            tender_id=tender_id,
            text=request.POST.get("text", "")[:5000],
        )
    except TenderInvalid as error:
        for line in problem_lines(error.problems):
            messages.error(request, line)
    except PermissionDenied as error:
        messages.error(request, str(error))
    except Refusal as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your objection is sent; the tenderee must answer it by the due date shown to it."),
        )
    return redirect("trading:tender-detail", tender_id=tender_id)
