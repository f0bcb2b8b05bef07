"""What the submission and opening APIs share: the base view and the error body's schema."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.views import APIView


class BidApiView(APIView):
    """The base of the bid endpoints; a BidRefused is answered by config.api.error_handler."""


ERROR = inline_serializer(
    "BidError",
    {
        "error": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(required=False),
        "retryable": serializers.BooleanField(required=False),
    },
)
