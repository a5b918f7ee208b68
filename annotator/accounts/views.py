from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from annotator.accounts.models import ApiToken
from annotator.accounts.services import TokenError, api_token_create, api_token_revoke


@require_http_methods(["GET", "POST"])
def token_list(request):
    new_key = None
    if request.method == "POST":
        try:
            token, new_key = api_token_create(user=request.user, name=request.POST.get("name", ""))
        except TokenError as error:
            messages.error(request, str(error))
        else:
            # <bdi>: a right-to-left override in the name cannot reorder the message around it.
            message = "Token “<bdi>{}</bdi>” created. Copy it now: it is shown once."
            messages.success(request, format_html(message, token.name))
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/tokens.html", {"tokens": tokens, "new_key": new_key})


@require_POST
def token_revoke(request, token_id):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    api_token_revoke(token=token)
    messages.success(request, format_html("Token “<bdi>{}</bdi>” revoked.", token.name))
    return redirect("accounts:tokens")


def login_locked_out(request, original_response=None, credentials=None):
    """What django-axes answers once a user name has had too many wrong passwords from one
    address (AXES_LOCKOUT_CALLABLE): how long to wait, in the login page's style."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
