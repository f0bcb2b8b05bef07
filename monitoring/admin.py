from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from monitoring.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Events can be read here, never added, changed or deleted.

    Sealed events (obtaining documents, bidding, objections: 办法 第21条) are not listed at all:
    their rows hold no identity, but even their number per action would tell an operator how
    many obtained the documents or bid. Their sealed identities are never registered here;
    supervisors read them through `supervision.services.sealed_identities_read`.
    """

    list_display = (
        "sequence",
        "occurred_at",
        "actor_label",
        "role",
        "action",
        "object_type",
        "object_id",
        "from_state",
        "to_state",
        "client_ip",
    )
    list_filter = ("action", "object_type", "role")
    search_fields = ("object_id", "actor_label", "action")
    ordering = ("-sequence",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        # Detail pages and searches go through this queryset too: a sealed event's URL is a 404.
        return super().get_queryset(request).filter(sealed_identity__isnull=True)

    def get_readonly_fields(self, request: HttpRequest, obj: Event | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False
