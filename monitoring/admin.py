from django.contrib import admin
from django.http import HttpRequest

from monitoring.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Events can be read here, never added, changed or deleted."""

    list_display = (
        "sequence", "occurred_at", "actor_label", "role", "action",
        "object_type", "object_id", "from_state", "to_state", "client_ip",
    )
    list_filter = ("action", "object_type", "role")
    search_fields = ("object_id", "actor_label", "action")
    ordering = ("-sequence",)

    def get_readonly_fields(self, request: HttpRequest, obj: Event | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False
