"""The API's token endpoints: POST /api/auth/token/ (username and password → a new token and its
end) and POST /api/auth/token/revoke-all/ ("sign out everywhere": every token and session of the
caller). Sign-ins go through ``django.contrib.auth.authenticate`` with the request, so django-axes
counts them and refuses them when locked out (erp.lockout)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from erp.lockout import lockout_message
from erp.models import User
from erp.services import api_token_issue, user_sign_out_everywhere


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(label=_("Username"), max_length=150)
    password = serializers.CharField(label=_("Password"), max_length=4096, trim_whitespace=False,
                                     style={"input_type": "password"})

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The Django request, not DRF's wrapper: axes marks it (axes_locked_out), and its middleware reads it.
        request = self.context["request"]._request
        user = authenticate(request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(_("Unable to log in with provided credentials."), code="authorization")
        attrs["user"] = user
        return attrs


TokenResponse = inline_serializer("TokenResponse", {
    "token": serializers.CharField(help_text="Send as 'Authorization: Token <token>'. Shown only here."),
    "expires_at": serializers.DateTimeField(
        help_text="Absolute end; the token also ends after API_TOKEN_IDLE_HOURS without use."),
})
Detail = inline_serializer("TokenRefusal", {"detail": serializers.CharField()})


class ObtainTokenView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer, responses={
        200: TokenResponse, 400: OpenApiResponse(description="Wrong username or password"),
        429: OpenApiResponse(Detail, description="Too many failed sign-ins: locked for LOGIN_LOCKOUT_MINUTES"),
    }, operation_id="auth_token_create", tags=["auth"])
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        if getattr(request._request, "axes_locked_out", False):
            # axes' middleware answers the same (erp.lockout.lockout_response); said here too so the
            # view's answer is right without it.
            return Response({"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if not valid:
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        key, token = api_token_issue(user=serializer.validated_data["user"], request=request._request)
        return Response({"token": key, "expires_at": token.expires_at})


class RevokeAllTokensView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, operation_id="auth_token_revoke_all", tags=["auth"])
    def post(self, request: Request) -> Response:
        user_sign_out_everywhere(user=cast(User, request.user), request=request._request)  # IsAuthenticated
        return Response(status=status.HTTP_204_NO_CONTENT)
