"""The pool over the API: an expert's own profile and conflicts; operators register experts and
change their state. Each endpoint parses and calls a use case."""

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acting import acting_from_request
from config.errors import Refusal
from evaluation.models import Expert, ExpertConflict
from evaluation.pool.selectors import expert_profile
from evaluation.pool.services import (
    expert_blacklist,
    expert_conflict_declare,
    expert_conflict_withdraw,
    expert_profile_update,
    expert_register,
    expert_reinstate,
    expert_suspend,
)


# Choices are plain text here (the services check them), so that no enum component of the
# API document collides with another app's `kind` or `state`.
class ExpertConflictSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="organisation or person")

    class Meta:
        model = ExpertConflict
        fields = ["id", "kind", "uscc", "person_name", "reason", "declared_at"]


class ExpertSerializer(serializers.ModelSerializer):
    conflicts = ExpertConflictSerializer(many=True, read_only=True)
    title = serializers.CharField(help_text="senior, professor_level or equivalent")
    state = serializers.CharField(help_text="active, suspended or blacklisted")

    class Meta:
        model = Expert
        fields = [
            "id",
            "user",
            "specialties",
            "region",
            "employer_uscc",
            "employer_name",
            "title",
            "state",
            "state_reason",
            "conflicts",
        ]


class ExpertProfileSerializer(serializers.Serializer):
    specialties = serializers.ListField(child=serializers.CharField(max_length=20))
    region = serializers.CharField(max_length=6)
    employer_uscc = serializers.CharField(max_length=18)
    employer_name = serializers.CharField(max_length=200)


class ExpertRegisterSerializer(ExpertProfileSerializer):
    user = serializers.UUIDField()
    title = serializers.CharField(max_length=20, help_text="senior, professor_level or equivalent")


class ExpertConflictInputSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=20, help_text="organisation or person")
    uscc = serializers.CharField(max_length=18)
    person_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=1000)


class ExpertStateChangeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


def _profile_json(user: Any) -> dict[str, Any]:
    expert = expert_profile(user=user)
    if expert is None:
        raise Refusal("not_found", _("You are not in the expert pool."), status=404)
    return ExpertSerializer(expert).data


class MyProfileView(APIView):
    """GET: the expert's own profile and conflicts; PUT: change specialties, region, employer."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ExpertSerializer)
    def get(self, request: Request) -> Response:
        return Response(_profile_json(acting_from_request(request).user))

    @extend_schema(request=ExpertProfileSerializer, responses=ExpertSerializer)
    def put(self, request: Request) -> Response:
        serializer = ExpertProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        acting = acting_from_request(request)
        expert_profile_update(acting=acting, **serializer.validated_data)
        return Response(_profile_json(acting.user))


class MyConflictsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ExpertConflictInputSerializer, responses={201: ExpertConflictSerializer})
    def post(self, request: Request) -> Response:
        serializer = ExpertConflictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conflict = expert_conflict_declare(
            acting=acting_from_request(request), **serializer.validated_data
        )
        return Response(ExpertConflictSerializer(conflict).data, status=201)


class MyConflictView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, conflict_id: UUID) -> Response:
        expert_conflict_withdraw(acting=acting_from_request(request), conflict_id=conflict_id)
        return Response(status=204)


class ExpertRegisterView(APIView):
    """An operator admits a person holding the expert role to the pool."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ExpertRegisterSerializer, responses={201: ExpertSerializer})
    def post(self, request: Request) -> Response:
        serializer = ExpertRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expert = expert_register(
            acting=acting_from_request(request), user_id=data.pop("user"), **data
        )
        return Response(ExpertSerializer(expert).data, status=201)


STATE_CHANGES = {
    "suspend": expert_suspend,
    "reinstate": expert_reinstate,
    "blacklist": expert_blacklist,
}


class ExpertStateView(APIView):
    """An operator suspends, reinstates or blacklists an expert, with the reason."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ExpertStateChangeSerializer, responses=ExpertSerializer)
    def post(self, request: Request, expert_id: UUID, change: str) -> Response:
        serializer = ExpertStateChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expert = STATE_CHANGES[change](
            acting=acting_from_request(request),
            expert_id=expert_id,
            reason=serializer.validated_data["reason"],
        )
        return Response(ExpertSerializer(expert).data)
