from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the platform: database roles, backup and restore (docs/operations.md)."""

    name = "operations"
    verbose_name = "Operations"
