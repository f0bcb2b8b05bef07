"""Pages of complaints: the list and one complaint as each reader may see it, the bidder's form
to file one, the supervisor's decisions, and the downloads (attachments, the signed receipt and
decisions). Views parse forms and call a service or selector; every permission is checked again
by the service or selector."""

import json
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.acting import acting_from_request, logged_in_user
from bids.acting import bidder_acting
from config.errors import Refusal
from signing.cms import signed_document_json
from supervision.complaints import selectors
from supervision.complaints.attachments import AttachmentUpload, attachment_chunks
from supervision.complaints.services import (
    MAXIMUM_REASON_LENGTH,
    MAXIMUM_TEXT_LENGTH,
    STEPS,
    complaint_decide,
    complaint_file,
)
from supervision.models import ComplaintMatter
from trading.models import Tender


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented way)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        clean_one = super().clean
        if isinstance(data, list | tuple):
            return [clean_one(item, initial) for item in data]
        return [clean_one(data, initial)] if data else []


class FileForm(forms.Form):
    matter = forms.ChoiceField(
        label=gettext_lazy("Matter complained of"), choices=ComplaintMatter.choices
    )
    objection = forms.UUIDField(label=gettext_lazy("Prior objection"), required=False)
    known_at = forms.DateTimeField(
        label=gettext_lazy("Known at (for a matter without a prior objection)"), required=False
    )
    text = forms.CharField(
        label=gettext_lazy("Facts and request"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAXIMUM_TEXT_LENGTH,
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"), required=False)


class DecideForm(forms.Form):
    step = forms.ChoiceField(choices=[(step, step) for step in STEPS])
    reason = forms.CharField(max_length=MAXIMUM_REASON_LENGTH)


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    complaints = selectors.complaints_seen(user=logged_in_user(request))
    return render(request, "supervision/complaint_list.html", {"complaints": complaints})


@login_required
def complaint_detail(request: HttpRequest, complaint_id: UUID) -> HttpResponse:
    seen = selectors.complaint_seen(user=logged_in_user(request), complaint_id=complaint_id)
    if seen is None:
        raise Http404(_("No such complaint."))
    return render(request, "supervision/complaint_detail.html", {"complaint": seen})


@login_required
def complaint_new(request: HttpRequest, tender_id: UUID) -> HttpResponse:
    """A bidder files a complaint: the session must be opened with its organisation's
    certificate, which names the organisation it acts for."""
    acting = acting_from_request(request)
    try:
        bidder = bidder_acting(
            user=acting.user,
            certificate_sha256=acting.certificate_sha256,
            client_ip=acting.client_ip,
            user_agent=acting.user_agent,
        )
    except Refusal as refusal:  # no certificate session, or not a bidder: a page, not JSON
        raise PermissionDenied(refusal.message) from None
    tender = Tender.objects.filter(pk=tender_id, published_at__isnull=False).first()
    if tender is None:
        raise Http404(_("No such tender."))
    form = FileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = complaint_file(
                acting=bidder,
                tender_id=tender.pk,
                matter=data["matter"],
                text=data["text"],
                objection_id=data["objection"],
                known_at=data["known_at"],
                attachments=[
                    AttachmentUpload(name=upload.name, stream=upload)
                    for upload in data["attachments"]
                ],
            )
        except Refusal as refusal:
            field = refusal.field if refusal.field in form.fields else None
            form.add_error(field, refusal.message)
        else:
            return redirect("complaints:detail", complaint_id=complaint.pk)
    return render(
        request,
        "supervision/complaint_new.html",
        {
            "tender": tender,
            "form": form,
            "organisation": bidder.acted_for,
            "objections": selectors.objections_to_complain_of(
                organisation_id=bidder.acted_for.pk, tender_id=tender.pk
            ),
        },
    )


@login_required
@require_POST
def complaint_decide_page(request: HttpRequest, complaint_id: UUID) -> HttpResponse:
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("choose a decision and give its reason"))
    else:
        try:
            complaint_decide(
                acting=acting_from_request(request),
                complaint_id=complaint_id,
                step=form.cleaned_data["step"],
                reason=form.cleaned_data["reason"],
            )
        except (Refusal, PermissionDenied) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The decision is signed and recorded."))
    return redirect("complaints:detail", complaint_id=complaint_id)


def _json_download(document: dict[str, Any], file_name: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@login_required
def complaint_receipt_download(request: HttpRequest, complaint_id: UUID) -> HttpResponse:
    complaint = selectors.complaint_receipt_for(
        user=logged_in_user(request), complaint_id=complaint_id
    )
    if complaint is None:
        raise Http404(_("No such complaint."))
    document = signed_document_json(
        "receipt",
        bytes(complaint.receipt_document),
        bytes(complaint.receipt_signature),
        bytes(complaint.receipt_timestamp_token),
    )
    return _json_download(document, f"complaint-{complaint.pk}-receipt.json")


@login_required
def complaint_decision_download(
    request: HttpRequest, complaint_id: UUID, decision_id: UUID
) -> HttpResponse:
    decision = selectors.complaint_decision_for(
        user=logged_in_user(request), complaint_id=complaint_id, decision_id=decision_id
    )
    if decision is None:
        raise Http404(_("No such decision."))
    document = signed_document_json(
        "decision",
        bytes(decision.document),
        bytes(decision.platform_signature),
        bytes(decision.timestamp_token),
    )
    return _json_download(document, f"complaint-{complaint_id}-{decision.step}.json")


@login_required
def complaint_attachment_download(
    request: HttpRequest, complaint_id: UUID, attachment_id: UUID
) -> StreamingHttpResponse:
    attachment = selectors.complaint_attachment_for(
        user=logged_in_user(request), complaint_id=complaint_id, attachment_id=attachment_id
    )
    if attachment is None:
        raise Http404(_("No such attachment."))
    response = StreamingHttpResponse(
        attachment_chunks(attachment), content_type="application/octet-stream"
    )
    response["Content-Length"] = str(attachment.size)
    # The name the complainant gave, escaped for the header (RFC 6266); never a storage key.
    response["Content-Disposition"] = (
        content_disposition_header(True, attachment.name) or "attachment"
    )
    return response
