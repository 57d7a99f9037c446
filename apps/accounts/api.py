from django.contrib.auth import authenticate
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from apps.audit.services import record
from apps.core.pagination import ByIdCursorPagination
from apps.core.schema import error_responses
from apps.departments.access import is_admin

from . import services, two_factor
from .models import User


class UserSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "display_name", "is_active", "is_staff", "date_joined"]
        read_only_fields = fields


class UserCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    display_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=120, required=False, allow_blank=True)
    password = serializers.CharField(write_only=True, required=False, min_length=10, style={"input_type": "password"})
    is_staff = serializers.BooleanField(required=False, default=False)
    send_invitation = serializers.BooleanField(
        required=False, default=False, help_text="E-mail a link to choose a password."
    )


class UserUpdateSerializer(serializers.Serializer):
    is_active = serializers.BooleanField(required=False, help_text="false deactivates: sessions, tokens, sockets end.")
    is_staff = serializers.BooleanField(required=False)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Company accounts. Everyone reads; admins provision (e.g. from an HR system)."""

    serializer_class = UserSerializer
    pagination_class = ByIdCursorPagination

    def get_queryset(self):
        users = User.objects.select_related("profile")
        return users if is_admin(self.request.user) else users.filter(is_active=True)

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request):
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        send_invitation = fields.pop("send_invitation")
        with transaction.atomic():
            user = services.user_create(acting_user=request.user, **fields)
            if send_invitation:
                services.user_invite(acting_user=request.user, user=user, base_url=request.build_absolute_uri("/"))
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def partial_update(self, request, pk=None):
        user = get_object_or_404(self.get_queryset(), pk=pk)
        data = UserUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = data.validated_data
        with transaction.atomic():
            if "is_staff" in changes:
                services.user_set_admin(acting_user=request.user, user=user, is_staff=changes["is_staff"])
            if changes.get("is_active") is False:
                services.user_deactivate(acting_user=request.user, user=user)
            elif changes.get("is_active") is True:
                services.user_reactivate(acting_user=request.user, user=user)
        return Response(UserSerializer(user).data)

    @extend_schema(request=None, responses={202: None})
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        """Send (again) the e-mail that lets the person choose a password."""
        user = get_object_or_404(self.get_queryset(), pk=pk)
        services.user_invite(acting_user=request.user, user=user, base_url=request.build_absolute_uri("/"))
        return Response(status=status.HTTP_202_ACCEPTED)

    @action(detail=False, methods=["get"])
    def me(self, request):
        return Response(UserSerializer(request.user).data)


@error_responses(429)
class TokenView(APIView):
    """Exchange e-mail and password for an API token; DELETE revokes the caller's token.

    Failed attempts count towards the same lockout as the login form (django-axes).
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {
                "email": serializers.EmailField(),
                "password": serializers.CharField(),
                "otp": serializers.CharField(
                    required=False, help_text="With two-factor login on: the app's code or a recovery code."
                ),
            },
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request):
        email = str(request.data.get("email", "")).strip().lower()
        password = str(request.data.get("password", ""))
        if not email or not password:
            raise AuthenticationFailed("Send an e-mail address and a password.")
        user = authenticate(request._request, username=email, password=password)
        if user is None:
            record("auth.login_failed", actor_email=email, detail={"method": "api_token"})
            raise AuthenticationFailed("Wrong e-mail address or password.")
        self._second_factor(user, request.data.get("otp"))
        token, created = Token.objects.get_or_create(user=user)
        record("auth.token_created" if created else "auth.login", actor=user, detail={"method": "api_token"})
        return Response({"token": token.key})

    @staticmethod
    def _second_factor(user: User, otp: object) -> None:
        """A token is a login too: with two-factor login on, it needs the code as well."""
        if two_factor.is_enabled(user):
            if not otp:
                raise AuthenticationFailed("Send the code from your authenticator app as otp.", code="otp_required")
            if two_factor.verify(user, str(otp)) is None:
                record("auth.2fa_failed", actor_email=user.email, target=user, detail={"method": "api_token"})
                raise AuthenticationFailed("That code is not right.", code="bad_otp")
        elif two_factor.is_required_for(user):
            raise PermissionDenied(
                "Your company requires two-factor login: set it up at /accounts/two-factor/ first.",
                code="two_factor_setup_required",
            )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        deleted, _ = Token.objects.filter(user=request.user).delete()
        if deleted:
            record("auth.token_revoked", actor=request.user, target=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
