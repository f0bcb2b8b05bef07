from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, RoleMembership, User


class MembershipInline(admin.TabularInline):
    model = RoleMembership
    extra = 0
    autocomplete_fields = ("organisation",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Person"), {"fields": ("full_name", "phone")}),
    )
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email")
    inlines = (MembershipInline,)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "created_at")
    search_fields = ("name", "uscc")
