"""The tenderee's and agent's workspace: their tenders, drafting, and each tender's page where
it is published, documented, amended, clarified, objected to and terminated.

Views parse forms and call services; every permission is checked again by the service.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition

from accounts.acting import acting_from_request, logged_in_user
from config.errors import Refusal
from trading.documents import document_upload
from trading.escrow import EscrowUnavailable
from trading.forms import (
    AmendForm,
    AnswerForm,
    CancelForm,
    DocumentUploadForm,
    DraftForm,
    TextForm,
)
from trading.models import Tender, TenderState
from trading.objections import objection_answer
from trading.selectors import (
    WORKSPACE_ACTIONS,
    after_evaluation,
    open_objections_seen,
    projects_managed_by,
    tenders_managed_by,
    workspace_tenders,
)
from trading.services import (
    TenderInvalid,
    tender_amend_deadline,
    tender_cancel,
    tender_clarify,
    tender_create_draft,
    tender_publish,
)
from trading.views.portal import tender_page_panels
from trading.views.problems import problem_lines, problem_text


def _done(action: str) -> str:
    """What the workspace says once an action succeeded (never the action's code)."""
    return {
        "publish": _("The tender is published; its notice is signed and on the portal."),
        "amend": _("The bid deadline is amended and the amendment notice published."),
        "clarify": _("The clarification is published and sent to the bidders."),
        "answer": _("The answer is sent."),
        "cancel": _("The tender is terminated; the termination notice is published."),
        "document": _("The document is signed, checked and added."),
    }[action]


def _managed(request: HttpRequest, tender_id: str) -> Tender:
    """A tender this user manages (tenderee or agent), or 404: another's tender is not shown."""
    tender = tenders_managed_by(user=logged_in_user(request)).filter(pk=tender_id).first()
    if tender is None:
        raise Http404
    return tender


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    user = logged_in_user(request)
    return render(
        request,
        "trading/workspace.html",
        {
            "tenders": workspace_tenders(user=user),
            "may_draft": projects_managed_by(user=user).exists(),
        },
    )


@login_required
def draft_create(request: HttpRequest) -> HttpResponse:
    projects = list(projects_managed_by(user=logged_in_user(request)))
    if not projects:
        raise PermissionDenied(_("Only a tenderee or its agent drafts tenders."))
    form = DraftForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        project = next(item for item in projects if str(item.pk) == form.cleaned_data["project"])
        try:
            tender = tender_create_draft(
                acting=acting_from_request(request), project=project, terms=form.terms()
            )
        except TenderInvalid as error:
            for term, problem in error.problems.items():
                form.add_error(form.field_of(term), problem_text(term, problem))
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The draft is saved. Add its documents, then publish."))
            return redirect("trading:workspace-tender", tender_id=tender.pk)
    return render(request, "trading/draft_form.html", {"form": form})


@login_required
def tender_manage(request: HttpRequest, tender_id: str) -> HttpResponse:
    """One tender of the workspace: its facts, documents and every step its state allows."""
    user = logged_in_user(request)
    tender = _managed(request, tender_id)
    actions = [
        transition.name
        for transition in tender.get_available_state_transitions()
        if transition.name in WORKSPACE_ACTIONS
    ]
    return render(
        request,
        "trading/workspace_tender.html",
        {
            "tender": tender,
            "seen": after_evaluation(tender=tender) if _evaluated(tender) else None,
            "actions": actions,
            "documents": tender.documents.order_by("uploaded_at"),
            "objections": open_objections_seen(user=user, tenders=[tender])[tender.pk],
            "panels": [mark_safe(panel(request, tender)) for panel in tender_page_panels()],  # noqa: S308 - our own templates
            "upload_form": DocumentUploadForm(),
            "amend_form": AmendForm(),
            "clarify_form": TextForm(),
            "cancel_form": CancelForm(),
            "answer_form": AnswerForm(),
        },
    )


# From the evaluation on, the workspace shows the steps after the report (the award's pages).
AFTER_EVALUATION_STATES = (
    TenderState.EVALUATING,
    TenderState.PUBLICIZING,
    TenderState.AWARDED,
    TenderState.CONTRACTED,
    TenderState.ARCHIVED,
)


def _evaluated(tender: Tender) -> bool:
    return tender.state in AFTER_EVALUATION_STATES or (
        tender.state == TenderState.SUSPENDED
        and tender.state_before_suspension in AFTER_EVALUATION_STATES
    )


def _document(request: HttpRequest, tender: Tender) -> None:
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        raise TenderInvalid({key: str(value[0]) for key, value in form.errors.items()})
    upload = form.cleaned_data["file"]
    document_upload(
        acting=acting_from_request(request),
        tender_id=tender.pk,
        kind=form.cleaned_data["kind"],
        name=upload.name,
        stream=upload,
        statement_signature=form.cleaned_data["signature"],
    )


def _act(request: HttpRequest, tender: Tender, action: str) -> None:
    """Parse the action's form and call its service; a bad form is refused like the service
    refuses, field by field."""
    acting = acting_from_request(request)
    forms: dict[str, Any] = {
        "clarify": TextForm,
        "answer": AnswerForm,
        "amend": AmendForm,
        "cancel": CancelForm,
    }
    form = forms[action](request.POST) if action in forms else None
    if form is not None and not form.is_valid():
        raise TenderInvalid({key: str(value[0]) for key, value in form.errors.items()})
    data = form.cleaned_data if form is not None else {}
    if action == "clarify":
        tender_clarify(acting=acting, tender_id=tender.pk, text=data["text"])
    elif action == "answer":
        objection_answer(acting=acting, objection_id=data["objection"], answer=data["text"])
    elif action == "amend":
        tender_amend_deadline(acting=acting, tender_id=tender.pk, **data)
    elif action == "cancel":
        tender_cancel(acting=acting, tender_id=tender.pk, reason=data["reason"])
    elif action == "publish":
        tender_publish(acting=acting, tender_id=tender.pk)
    elif action == "document":
        _document(request, tender)
    else:
        raise Http404


@login_required
@require_POST
def tender_action(request: HttpRequest, tender_id: str, action: str) -> HttpResponse:
    # Only a tender the user manages is acted on: anyone else is told it does not exist,
    # before the form is read (a refusal naming the project would tell it is there).
    tender = (
        tenders_managed_by(user=logged_in_user(request))
        .filter(pk=tender_id)
        .select_related("project")
        .first()
    )
    if tender is None:
        raise Http404
    try:
        _act(request, tender, action)
    except (TenderInvalid, EscrowUnavailable) as error:
        for line in problem_lines(error.problems):
            messages.error(request, line)
    except (PermissionDenied, ConcurrentTransition) as error:
        messages.error(request, str(error))
    except Refusal as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _done(action))
    return redirect("trading:workspace-tender", tender_id=tender.pk)
