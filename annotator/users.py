"""Making a user account, for the two doors that make one: staff's new-account page
(accounts) and an invite link (projects). Those apps sit side by side in the layers and
cannot import each other, so the one rule for a new account lives here."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

NAME_MAX = 150  # User.first_name holds the whole name: names do not split into two parts


def user_create(*, username: str, password: str, email: str = "", name: str = ""):
    """A new active user. ValidationError with a message per field (username, email,
    name, password) when any is not acceptable; nothing is stored then."""
    User = get_user_model()
    username, email, name = username.strip(), email.strip(), name.strip()
    errors = {}
    if problem := _username_problem(User, username):
        errors["username"] = problem
    if email and (problem := _email_problem(User, email)):
        errors["email"] = problem
    if len(name) > NAME_MAX:
        errors["name"] = f"A name is at most {NAME_MAX} characters; this one has {len(name)}."
    candidate = User(username=username, email=email, first_name=name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:  # someone took the name a moment ago
        raise ValidationError({"username": "This username is taken."}) from None
    return candidate


def _username_problem(User, username: str) -> str:
    limit = User._meta.get_field(User.USERNAME_FIELD).max_length
    if not username:
        return "Choose a username."
    if len(username) > limit:
        return f"A username is at most {limit} characters."
    try:
        User.username_validator(username)
    except ValidationError as error:
        return " ".join(error.messages)
    # Owners add people by username or e-mail address: a username shaped like an address
    # could pass for someone else's.
    if "@" in username:
        return "A username cannot hold “@” (people are also found by their e-mail address)."
    # Case apart, two people must not look the same in lists and history.
    if User.objects.filter(username__iexact=username).exists():
        return "This username is taken."
    return ""


def _email_problem(User, email: str) -> str:
    limit = User._meta.get_field("email").max_length
    if len(email) > limit:
        return f"An e-mail address is at most {limit} characters."
    try:
        validate_email(email)
    except ValidationError:
        return "This is not an e-mail address."
    # One account per address: members are added and passwords reset by it.
    if User.objects.filter(email__iexact=email).exists():
        return "Another account has this e-mail address."
    return ""
