"""The panel's pages: the tenderee's request and progress (counts and states only), the expert's
invitations, and the fragment on the tender page. Views parse and call the use cases, which
check every permission again."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition

from accounts.acting import acting_from_request, logged_in_user
from config.errors import Refusal
from evaluation.models import Panel, PanelState
from evaluation.panel.forms import PanelRequestForm, ReasonForm, SpecialtyFormSet, specialties_of
from evaluation.panel.request import REQUESTABLE_STATES, panel_request
from evaluation.panel.seats import seat_confirm, seat_decline, seat_recuse
from evaluation.panel.selectors import expert_seats, panel_progress, tenderee_people
from trading.models import Tender
from trading.selectors import user_manages_project

DECISIONS = ("confirm", "decline", "recuse")


@login_required
def panel_request_page(request: HttpRequest, tender_id: UUID) -> HttpResponse:
    acting = acting_from_request(request)
    progress = panel_progress(acting=acting, tender_id=tender_id)  # 403 for anyone else
    if progress.panel is not None:
        return redirect("evaluation:panel-progress", tender_id)
    tender = progress.tender
    people = tenderee_people(tender=tender)
    form = PanelRequestForm(request.POST or None, people=people)
    formset = SpecialtyFormSet(request.POST or None, prefix="specialties")
    problem = ""
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            panel_request(
                acting=acting,
                tender_id=tender_id,
                specialties=specialties_of(formset),
                region=form.cleaned_data["region"],
                size=form.cleaned_data["size"],
                representative_ids=[person.pk for person in form.cleaned_data["representatives"]],
            )
        except Refusal as refusal:
            if refusal.field in form.fields:
                form.add_error(refusal.field, refusal.message)
            else:
                problem = refusal.message
        except PermissionDenied as error:
            problem = str(error)
        else:
            messages.success(request, _("The panel is drawn; the experts are being asked."))
            return redirect("evaluation:panel-progress", tender_id)
    return render(
        request,
        "evaluation/panel_request.html",
        {
            "tender": tender,
            "form": form,
            "formset": formset,
            "problem": problem,
            "requestable": tender.state in REQUESTABLE_STATES,
        },
    )


@login_required
def panel_progress_page(request: HttpRequest, tender_id: UUID) -> HttpResponse:
    progress = panel_progress(acting=acting_from_request(request), tender_id=tender_id)
    return render(
        request,
        "evaluation/panel_progress.html",
        {
            "progress": progress,
            "tender": progress.tender,
            "requestable": progress.tender.state in REQUESTABLE_STATES,
        },
    )


@login_required
def invitations_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "evaluation/panel_invitations.html",
        {"seats": expert_seats(user=logged_in_user(request)), "reason_form": ReasonForm()},
    )


@login_required
@require_POST
def seat_decision(request: HttpRequest, seat_id: UUID, decision: str) -> HttpResponse:
    if decision not in DECISIONS:
        raise Http404(decision)
    acting = acting_from_request(request)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if decision == "confirm":
            seat_confirm(acting=acting, seat_id=seat_id)
            messages.success(request, _("You confirmed your seat."))
        elif decision == "decline":
            seat_decline(acting=acting, seat_id=seat_id, reason=reason)
            messages.success(request, _("You declined; a replacement is drawn."))
        else:
            seat_recuse(acting=acting, seat_id=seat_id, reason=reason)
            messages.success(request, _("You withdrew; a replacement is drawn."))
    except Refusal as refusal:
        messages.error(request, refusal.message)
    except (PermissionDenied, ConcurrentTransition) as error:
        messages.error(request, str(error))
    return redirect("evaluation:invitations")


def panel_tender_panel(request: HttpRequest, tender: Tender) -> str:
    """On the tender page (settings.TENDER_PAGE_PANELS): the tenderee's and agent's way to the
    panel once the deadline has passed, and everyone's way to the draw record once revealed."""
    panel = Panel.objects.filter(tender=tender).only("state").first()
    revealed = panel is not None and panel.state == PanelState.REVEALED
    manages = user_manages_project(user=request.user, project=tender.project)  # type: ignore[arg-type]
    if not revealed and not (manages and (panel is not None or tender.state in REQUESTABLE_STATES)):
        return ""
    return render_to_string(
        "evaluation/panel_tender_panel.html",
        {"tender": tender, "panel": panel, "revealed": revealed, "manages": manages},
        request=request,
    )
