"""The operator's admin for the expert pool.

Nothing is written here directly: an expert is registered through `expert_register`, and
suspended, reinstated or blacklisted through the pool's services (each with its reason and its
event), from the list's actions. Profiles are the experts' own; conflicts are shown read-only.
Panels are not in the admin: who sits on one is secret until it is revealed (条例 第四十六条).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.acting import acting_from_request
from accounts.models import Role, User
from config.errors import Refusal
from evaluation.models import Expert, ExpertConflict, ExpertTitle
from evaluation.pool.services import (
    expert_blacklist,
    expert_register,
    expert_reinstate,
    expert_suspend,
)

STATE_CHANGES = {
    "suspend": (expert_suspend, gettext_lazy("Suspend")),
    "reinstate": (expert_reinstate, gettext_lazy("Reinstate")),
    "blacklist": (expert_blacklist, gettext_lazy("Blacklist")),
}


class ConflictInline(admin.TabularInline):
    """Read-only: declared by the expert itself."""

    model = ExpertConflict
    extra = 0
    fields = ("kind", "uscc", "person_name", "reason", "declared_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RegisterForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("person"),
        queryset=User.objects.filter(memberships__role=Role.EXPERT, expert_profile__isnull=True)
        .distinct()
        .order_by("username"),
        help_text=gettext_lazy("a person holding the expert role, not yet in the pool"),
    )
    specialties = forms.CharField(
        label=gettext_lazy("specialty codes"), help_text=gettext_lazy("separated by commas")
    )
    region = forms.CharField(label=gettext_lazy("region"), max_length=6)
    employer_name = forms.CharField(label=gettext_lazy("employer"), max_length=200)
    employer_uscc = forms.CharField(label=gettext_lazy("employer's credit code"), max_length=18)
    title = forms.ChoiceField(label=gettext_lazy("title"), choices=ExpertTitle.choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason"), widget=forms.Textarea, max_length=1000)


def _change_state(
    modeladmin: "ExpertAdmin", request: HttpRequest, experts: QuerySet[Expert], change: str
) -> HttpResponse | None:
    """An intermediate page asks for the reason, then the service changes each expert."""
    service, label = STATE_CHANGES[change]
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        acting = acting_from_request(request)
        changed = 0
        for expert in experts:
            try:
                service(acting=acting, expert_id=expert.pk, reason=form.cleaned_data["reason"])
            except (Refusal, PermissionDenied) as error:
                modeladmin.message_user(request, f"{expert}: {error}", messages.ERROR)
            else:
                changed += 1
        if changed:
            modeladmin.message_user(
                request, _("%(count)d experts changed.") % {"count": changed}, messages.SUCCESS
            )
        return None
    return TemplateResponse(
        request,
        "evaluation/pool_admin_state.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": label,
            "opts": Expert._meta,
            "experts": experts,
            "form": form,
            "action": change,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ("__str__", "employer_name", "region", "specialty_list", "title", "state")
    list_filter = ("state", "title")
    search_fields = ("user__username", "user__full_name", "employer_name", "employer_uscc")
    list_select_related = ("user",)
    fields = (
        "user",
        "specialties",
        "region",
        "employer_name",
        "employer_uscc",
        "title",
        "state",
        "state_reason",
        "created_at",
    )
    readonly_fields = fields
    inlines = (ConflictInline,)
    actions = ("suspend", "reinstate", "blacklist")

    @admin.display(description=gettext_lazy("specialties"))
    def specialty_list(self, expert: Expert) -> str:
        return ", ".join(expert.specialties)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Suspend the selected experts"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[Expert]) -> HttpResponse | None:
        return _change_state(self, request, queryset, "suspend")

    @admin.action(description=gettext_lazy("Reinstate the selected experts"))
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Expert]) -> HttpResponse | None:
        return _change_state(self, request, queryset, "reinstate")

    @admin.action(description=gettext_lazy("Blacklist the selected experts"))
    def blacklist(self, request: HttpRequest, queryset: QuerySet[Expert]) -> HttpResponse | None:
        return _change_state(self, request, queryset, "blacklist")

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """Registering goes through `expert_register` (and its event), not a model form."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RegisterForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                expert = expert_register(
                    acting=acting_from_request(request),
                    user_id=data["user"].pk,
                    specialties=[
                        code.strip().upper()
                        for code in data["specialties"].replace("，", ",").split(",")
                        if code.strip()
                    ],
                    region=data["region"],
                    employer_uscc=data["employer_uscc"],
                    employer_name=data["employer_name"],
                    title=data["title"],
                )
            except Refusal as refusal:
                form.add_error(
                    refusal.field if refusal.field in form.fields else None, refusal.message
                )
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The expert is in the pool."))
                return redirect("admin:evaluation_expert_change", expert.pk)
        return TemplateResponse(
            request,
            "evaluation/pool_admin_register.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Register an expert"),
                "opts": self.model._meta,
                "form": form,
            },
        )
