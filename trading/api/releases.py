"""The public OCDS feed: every notice's release, paged by a cursor over the notice sequence.

Public by law (信息全公开): no authentication, no session, no CSRF.
"""

import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trading.notices import release_feed, release_get
from trading.ocds import OCDS_VERSION, ocds_datetime, release_extensions

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
DEFAULT_PUBLISHER = "公共资源交易平台"


def publisher() -> dict[str, str]:
    return {"name": getattr(settings, "OCDS_PUBLISHER_NAME", DEFAULT_PUBLISHER)}


class ReleaseFeedQuery(serializers.Serializer):
    after = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        help_text="the sequence of the last release already read (0 for the first page)",
    )
    limit = serializers.IntegerField(
        required=False,
        default=DEFAULT_LIMIT,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text=f"releases per page, 1 to {MAX_LIMIT}",
    )


ERROR = inline_serializer(
    "Error",
    {
        "error": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(required=False),
    },
)

RELEASE_PACKAGE = inline_serializer(
    "OcdsReleasePackage",
    {
        "uri": serializers.URLField(),
        "version": serializers.CharField(help_text='"1.1"'),
        "publishedDate": serializers.DateTimeField(),
        "publisher": inline_serializer("OcdsPublisher", {"name": serializers.CharField()}),
        "extensions": serializers.ListField(child=serializers.URLField(), required=False),
        "releases": serializers.ListField(
            child=serializers.JSONField(), help_text="OCDS 1.1 releases, exactly as signed"
        ),
        "cursor": serializers.IntegerField(
            help_text="the sequence to pass as `after` to read on from the end of this page"
        ),
        "next": serializers.URLField(
            allow_null=True, help_text="the next page, or null when nothing more was published yet"
        ),
        "links": inline_serializer(
            "OcdsLinks",
            {
                "next": serializers.URLField(allow_null=True),
            },
        ),
    },
)


def _page_url(request: Request, *, after: int, limit: int) -> str:
    path = reverse("ocds:releases")
    return request.build_absolute_uri(f"{path}?{urlencode({'after': after, 'limit': limit})}")


class ReleaseFeedView(APIView):
    """Releases in sequence order after `after`. The sequence is the commit order of notices,
    so a reader that keeps `cursor` and asks again never misses or repeats a release."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ocds_releases_list",
        parameters=[ReleaseFeedQuery],
        responses={200: RELEASE_PACKAGE, 400: OpenApiResponse(ERROR, "a bad after or limit")},
    )
    def get(self, request: Request) -> Response:
        query = ReleaseFeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        rows = release_feed(after=after, limit=limit)
        page, more = rows[:limit], len(rows) > limit
        releases = [release for _sequence, release in page]
        cursor = page[-1][0] if page else after
        next_url = _page_url(request, after=cursor, limit=limit) if more else None
        package: dict[str, Any] = {
            "uri": request.build_absolute_uri(),
            "version": OCDS_VERSION,
            "publishedDate": ocds_datetime(timezone.now()),
            "publisher": publisher(),
        }
        extensions = release_extensions(releases)
        if extensions:
            package["extensions"] = extensions
        package |= {
            "releases": releases,
            "cursor": cursor,
            "next": next_url,
            "links": {"next": next_url},
        }
        return Response(package)


class ReleaseDetailView(APIView):
    """One release by its id (the notice's id), exactly as the platform signed it."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ocds_releases_retrieve",
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(ERROR, "no such release")},
    )
    def get(self, request: Request, release_id: str) -> Response:
        try:
            key = uuid.UUID(release_id)
        except ValueError:
            raise NotFound(f"No release has the id {release_id!r}.") from None
        release = release_get(release_id=key)
        if release is None:
            raise NotFound(f"No release has the id {release_id!r}.")
        return Response(release)
