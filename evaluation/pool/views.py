"""The expert's own page in the pool: its profile and its declared conflicts. Views parse and
call the use cases, which check every permission again."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.acting import acting_from_request, logged_in_user
from config.errors import Refusal
from evaluation.pool.forms import ConflictForm, ProfileForm
from evaluation.pool.selectors import expert_profile
from evaluation.pool.services import (
    expert_conflict_declare,
    expert_conflict_withdraw,
    expert_profile_update,
)


def _add_refusal(form: ProfileForm | ConflictForm, refusal: Refusal) -> None:
    form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)


@login_required
def profile_page(request: HttpRequest) -> HttpResponse:
    expert = expert_profile(user=logged_in_user(request))
    if expert is None:
        raise PermissionDenied(_("You are not in the expert pool."))
    initial = {
        "specialties": ", ".join(expert.specialties),
        "region": expert.region,
        "employer_name": expert.employer_name,
        "employer_uscc": expert.employer_uscc,
    }
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    profile_form = ProfileForm(posted if which == "profile" else None, initial=initial)
    conflict_form = ConflictForm(posted if which == "conflict" else None)
    acting = acting_from_request(request)
    if which == "profile" and profile_form.is_valid():
        try:
            expert_profile_update(
                acting=acting,
                specialties=profile_form.specialty_codes(),
                region=profile_form.cleaned_data["region"],
                employer_uscc=profile_form.cleaned_data["employer_uscc"],
                employer_name=profile_form.cleaned_data["employer_name"],
            )
        except Refusal as refusal:
            _add_refusal(profile_form, refusal)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("evaluation:pool-profile")
    if which == "conflict" and conflict_form.is_valid():
        try:
            expert_conflict_declare(acting=acting, **conflict_form.cleaned_data)
        except Refusal as refusal:
            _add_refusal(conflict_form, refusal)
        else:
            messages.success(request, _("The conflict is declared."))
            return redirect("evaluation:pool-profile")
    return render(
        request,
        "evaluation/pool_profile.html",
        {"expert": expert, "profile_form": profile_form, "conflict_form": conflict_form},
    )


@login_required
@require_POST
def conflict_withdraw(request: HttpRequest, conflict_id: UUID) -> HttpResponse:
    try:
        expert_conflict_withdraw(acting=acting_from_request(request), conflict_id=conflict_id)
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The conflict is withdrawn."))
    return redirect("evaluation:pool-profile")
