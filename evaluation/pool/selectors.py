"""Reading the pool: an expert's own profile with its conflicts (two queries)."""

from django.db.models import Prefetch

from accounts.models import User
from evaluation.models import Expert, ExpertConflict


def expert_profile(*, user: User) -> Expert | None:
    """The user's profile in the pool, its conflicts prefetched newest first; None if absent."""
    return (
        Expert.objects.filter(user=user)
        .prefetch_related(
            Prefetch("conflicts", queryset=ExpertConflict.objects.order_by("-declared_at"))
        )
        .first()
    )
