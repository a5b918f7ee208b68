import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from annotator.accounts.models import ApiToken
from annotator.users import user_create

KEY_PREFIX = "ann_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class TokenError(ValueError):
    """A token that cannot be made as asked; the message is for the user."""


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token; return it with its key, which is not stored and cannot be shown again."""
    name = name.strip() or "API token"
    limit = ApiToken._meta.get_field("name").max_length
    if len(name) > limit:
        raise TokenError(f"A token’s name is at most {limit} characters; this one has {len(name)}.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_sha256=hash_key(key))
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_authenticate(key: str):
    """The active user owning `key`, or None."""
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_sha256=hash_key(key), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    # Recorded at most once a minute, so a busy pipeline does not write on every call.
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def account_create(
    *, user, username: str, email: str = "", name: str = "", password: str = ""
) -> tuple:
    """A new account, made by a staff member. Without a password one is generated;
    returns the account and that generated password (None when one was given), which
    is not stored and cannot be shown again. ValidationError per field otherwise."""
    if not (user.is_active and user.is_staff):
        raise PermissionDenied("Only staff create accounts.")
    generated = None if password else secrets.token_urlsafe(12)
    made = user_create(username=username, email=email, name=name, password=password or generated)
    return made, generated
