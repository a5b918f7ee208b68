import hashlib
import secrets
from datetime import timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from annotator.accounts.models import ApiToken
from annotator.rows import columns, instances
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


@cache
def _token_user_sql() -> str:
    """An active token (ApiToken.objects.active(): not revoked) of an active user, by its
    key's hash: its id and last use, then the user. A constant (annotator/rows.py says why):
    every API call runs it."""
    User = get_user_model()
    return (
        f"SELECT t.id, t.last_used_at, {columns(User, 'u')}"  # noqa: S608 (no value in it)
        f" FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id"
        " WHERE t.key_sha256 = %s AND t.revoked_at IS NULL AND u.is_active"
    )


def api_token_authenticate(key: str):
    """The active user owning `key`, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_token_user_sql(), [hash_key(key)])
        row = cursor.fetchone()
    if row is None:
        return None
    token_id, last_used_at, *user_row = row
    # Recorded at most once a minute, so a busy pipeline does not write on every call.
    now = timezone.now()
    if last_used_at is None or last_used_at < now - timedelta(minutes=1):
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return instances(user_row, get_user_model())[0]


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
