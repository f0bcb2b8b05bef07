"""The supervisor's page to suspend or resume a tender, with a reason. The view parses the
form and calls the service, which checks everything again."""

from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.acting import acting_from_request, logged_in_user
from accounts.models import Role
from accounts.selectors import user_has_role
from config.errors import Refusal
from supervision.suspension.services import (
    MAXIMUM_REASON_LENGTH,
    suspension_actions_open,
    suspension_lift,
    suspension_order,
)
from trading.models import Tender


class ReasonForm(forms.Form):
    action = forms.ChoiceField(choices=[("suspend", "suspend"), ("resume", "resume")])
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=MAXIMUM_REASON_LENGTH)


@login_required
def tender_suspension(request: HttpRequest, tender_id: UUID) -> HttpResponse:
    if not user_has_role(user=logged_in_user(request), role=Role.SUPERVISOR):
        raise PermissionDenied(_("only a supervisor suspends or resumes a tender"))
    tender = Tender.objects.select_related("project").filter(pk=tender_id).first()
    if tender is None:
        raise Http404(_("No such tender."))
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _("say why"))
        else:
            service = {"suspend": suspension_order, "resume": suspension_lift}[
                form.cleaned_data["action"]
            ]
            try:
                service(
                    acting=acting_from_request(request),
                    tender_id=tender.pk,
                    reason=form.cleaned_data["reason"],
                )
            except (Refusal, PermissionDenied) as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Done."))
        return redirect("suspension:tender", tender_id=tender.pk)
    return render(
        request,
        "supervision/tender_suspension.html",
        {
            "tender": tender,
            "form": form,
            "actions": suspension_actions_open(tender),
        },
    )
