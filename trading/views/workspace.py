"""The tenderee's and agent's workspace: their tenders, drafting, publishing, amending.

Views parse forms and call services; every permission is checked again by the service.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition

from accounts.acting import acting_from_request
from monitoring.transitions import TransitionRefused
from trading.forms import AmendForm, AnswerForm, CancelForm, DraftForm, TextForm
from trading.models import Tender
from trading.objections import objection_answer
from trading.selectors import projects_managed_by, workspace_tenders
from trading.services import (
    TenderInvalid,
    tender_amend_deadline,
    tender_cancel,
    tender_clarify,
    tender_create_draft,
    tender_publish,
)


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "trading/workspace.html",
        {
            "tenders": workspace_tenders(user=request.user),
            "amend_form": AmendForm(),
            "cancel_form": CancelForm(),
        },
    )


@login_required
def draft_create(request: HttpRequest) -> HttpResponse:
    projects = list(projects_managed_by(user=request.user))
    form = DraftForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        terms = dict(form.cleaned_data)
        project = next(item for item in projects if str(item.pk) == terms.pop("project"))
        try:
            tender_create_draft(acting=acting_from_request(request), project=project, terms=terms)
        except TenderInvalid as error:
            for field, problem in error.problems.items():
                form.add_error(field if field in form.fields else None, problem)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            return redirect("trading:workspace")
    return render(request, "trading/draft_form.html", {"form": form})


@login_required
@require_POST
def tender_action(request: HttpRequest, tender_id: str, action: str) -> HttpResponse:
    get_object_or_404(Tender, pk=tender_id)
    acting = acting_from_request(request)
    try:
        if action == "clarify":
            form = TextForm(request.POST)
            if not form.is_valid():
                raise TenderInvalid({"text": _("the clarification has no text")})
            tender_clarify(acting=acting, tender_id=tender_id, text=form.cleaned_data["text"])
        elif action == "answer":
            form = AnswerForm(request.POST)
            if not form.is_valid():
                raise TenderInvalid({"text": _("the answer has no text")})
            objection_answer(
                acting=acting,
                objection_id=form.cleaned_data["objection"],
                answer=form.cleaned_data["text"],
            )
        elif action == "amend":
            form = AmendForm(request.POST)
            if not form.is_valid():
                raise TenderInvalid({key: str(value[0]) for key, value in form.errors.items()})
            tender_amend_deadline(acting=acting, tender_id=tender_id, **form.cleaned_data)
        elif action == "cancel":
            form = CancelForm(request.POST)
            if not form.is_valid():
                raise TenderInvalid({key: str(value[0]) for key, value in form.errors.items()})
            tender_cancel(acting=acting, tender_id=tender_id, reason=form.cleaned_data["reason"])
        elif action == "publish":
            tender_publish(acting=acting, tender_id=tender_id)
        else:
            raise TenderInvalid({"action": action})
    except TenderInvalid as error:
        for field, problem in error.problems.items():
            messages.error(request, f"{field}: {problem}")
    except (PermissionDenied, TransitionRefused, ConcurrentTransition) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, action)
    return redirect("trading:workspace")
