"""The operator's admin for persons and organisations.

Roles are never written here directly: the memberships are shown read-only and a role is
granted through the `role_grant` service, which records the event. The supervisor role is not
offered at all: it is granted on the server with `manage.py grant_supervisor`.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.acting import acting_from_request
from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import Organisation, Role, RoleMembership, User
from accounts.services import IdentityError, role_grant

# Every role but the supervisor's: that one is granted on the server only.
ADMIN_GRANTABLE_ROLES = [(role.value, role.label) for role in Role if role != Role.SUPERVISOR]


class MembershipInline(admin.TabularInline):
    """Read-only: a membership written here would bypass the service and its event."""

    model = RoleMembership
    extra = 0
    fields = ("role", "organisation", "granted_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("role"), choices=ADMIN_GRANTABLE_ROLES)
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        help_text=gettext_lazy("for the tenderee, agent and bidder roles"),
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (gettext_lazy("Person"), {"fields": ("full_name", "phone")}),
        (gettext_lazy("Roles"), {"fields": ("grant_role_link",)}),
    )
    readonly_fields = ("grant_role_link",)
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email")
    inlines = (MembershipInline,)

    @admin.display(description=gettext_lazy("grant a role"))
    def grant_role_link(self, user: User) -> str:
        if user.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:accounts_user_grant_role", args=[user.pk]),
            _("Grant a role"),
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<uuid:user_id>/grant-role/",
                self.admin_site.admin_view(self.grant_role_view),
                name="accounts_user_grant_role",
            ),
            *super().get_urls(),
        ]

    def grant_role_view(self, request: HttpRequest, user_id: str) -> HttpResponse:
        user = get_object_or_404(User, pk=user_id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = RoleGrantForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                role_grant(
                    user=user,
                    role=Role(form.cleaned_data["role"]),
                    organisation=form.cleaned_data["organisation"],
                    actor=acting_from_request(request).as_actor(Role.OPERATOR),
                )
            except (IdentityError, PermissionDenied) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The role is granted."))
                return redirect("admin:accounts_user_change", user.pk)
        return TemplateResponse(
            request,
            "admin/accounts/user/grant_role.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Grant a role to %(user)s") % {"user": user},
                "opts": self.model._meta,
                "original": user,
                "form": form,
            },
        )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "created_at")
    search_fields = ("name", "uscc")

    def has_delete_permission(self, request: HttpRequest, obj: Organisation | None = None) -> bool:
        # An organisation is evidence, never deleted; and the delete page would list the bids,
        # uploads and downloads that protect it, tying it to their tenders (办法 第二十一条).
        return False


# The admin's own login counts failures and locks out like the login page (abuse limits).
admin.site.login_form = ThrottledAdminAuthenticationForm
