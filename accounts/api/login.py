"""Certificate login over the API: for bidtool and other bidder clients."""

import base64
import binascii

from django.contrib.auth import login
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import CERTIFICATE_SESSION_KEY
from accounts.selectors import user_memberships
from accounts.services import (
    certificate_login,
    login_challenge_issue,
    login_message,
)
from monitoring.services import client_ip_of


class ChallengeView(APIView):
    """Issue a one-time challenge; the client signs `message` (base64) with its certificate key."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "Challenge",
                {
                    "challenge_id": serializers.UUIDField(),
                    "message": serializers.CharField(help_text="base64 of the bytes to sign"),
                    "expires_at": serializers.DateTimeField(),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        # An address holds a bounded number of open challenges (429 past it).
        challenge = login_challenge_issue(client_ip=client_ip_of(request))
        return Response(
            {
                "challenge_id": str(challenge.id),
                "message": base64.b64encode(login_message(challenge)).decode("ascii"),
                "expires_at": challenge.expires_at.isoformat(),
            },
            status=status.HTTP_201_CREATED,
        )


class CertificateLoginSerializer(serializers.Serializer):
    challenge_id = serializers.UUIDField()
    signature = serializers.CharField(help_text="base64 of a DER CMS detached signature")
    username = serializers.CharField(required=False, help_text="the user the client claims to be")

    def validate_signature(self, value: str) -> bytes:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("The signature is not valid base64.") from None


class CertificateLoginView(APIView):
    """Answer a challenge with a CMS signature; the session is bound to the certificate's user."""

    authentication_classes = []  # the signature is the authentication: no session, no CSRF
    permission_classes = [AllowAny]

    @extend_schema(
        request=CertificateLoginSerializer,
        responses={
            200: inline_serializer(
                "CertificateLoginResult",
                {
                    "username": serializers.CharField(),
                    "certificate_sha256": serializers.CharField(),
                    "roles": serializers.ListField(child=serializers.CharField()),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        serializer = CertificateLoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A LoginRefused answers 401 through config.api.error_handler.
        result = certificate_login(
            challenge_id=serializer.validated_data["challenge_id"],
            signature=serializer.validated_data["signature"],
            client_ip=client_ip_of(request),  # nobody is logged in yet
            expected_username=serializer.validated_data.get("username"),
        )
        login(request._request, result.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[CERTIFICATE_SESSION_KEY] = result.certificate.certificate_sha256
        return Response(
            {
                "username": result.user.get_username(),
                "certificate_sha256": result.certificate.certificate_sha256,
                "roles": [str(membership) for membership in user_memberships(user=result.user)],
            }
        )
