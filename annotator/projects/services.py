"""Changes to projects and their memberships: keyword-only functions, the one door for the
pages, the API and the commands."""

import hashlib
import secrets
from datetime import timedelta

import pghistory
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from annotator.projects.access import role_check
from annotator.projects.models import Invite, Membership, Role
from annotator.projects.signals import member_removed
from annotator.users import user_create


def guidelines_seen(*, membership: Membership) -> Membership:
    """The member has just been shown the guidelines: their "updated" badge goes until the
    guidelines change again. A member marks only their own membership."""
    now = timezone.now()
    # Not in the members page's history: its trigger leaves this field out (models.py).
    Membership.objects.filter(pk=membership.pk).update(guidelines_seen_at=now)
    membership.guidelines_seen_at = now
    return membership


# --- members -------------------------------------------------------------------------

LAST_OWNER = "The project needs an owner: make someone else an owner first."


class MemberError(ValueError):
    """The membership cannot be changed as asked; the message says why, for the user."""


def member_add(*, user, project, who: str, role: str) -> Membership:
    """Add the account whose username or e-mail address is `who` with `role`. Owners
    only; they learn whether such an account exists, which is what the form is for."""
    role_check(user=user, project_id=project.pk, minimum=Role.OWNER, doing="add members")
    _role_valid(role)
    person = _account(who.strip())
    if Membership.objects.filter(project=project, user=person).exists():
        raise MemberError(f"{person.get_username()} is already a member of this project.")
    try:
        with transaction.atomic(), pghistory.context(user=user.pk):
            return Membership.objects.create(project=project, user=person, role=role)
    except IntegrityError:  # added by someone else a moment ago
        raise MemberError(f"{person.get_username()} is already a member of this project.") from None


def member_role_set(*, user, membership: Membership, role: str) -> Membership:
    """Give the member another role; it counts from their next request. Owners only, and
    the last owner stays one."""
    role_check(
        user=user, project_id=membership.project_id, minimum=Role.OWNER, doing="change roles"
    )
    _role_valid(role)
    with transaction.atomic(), pghistory.context(user=user.pk):
        current = _locked(membership)
        if current.role == Role.OWNER and role != Role.OWNER:
            _another_owner_check(current)
        Membership.objects.filter(pk=current.pk).update(role=role)
    membership.role = role
    return membership


def member_remove(*, user, membership: Membership) -> None:
    """Take the member out of the project. Owners only; their annotations stay, credited
    to them, and the last owner cannot go."""
    role_check(
        user=user, project_id=membership.project_id, minimum=Role.OWNER, doing="remove members"
    )
    with transaction.atomic(), pghistory.context(user=user.pk):
        current = _locked(membership)
        if current.role == Role.OWNER:
            _another_owner_check(current)
        Membership.objects.filter(pk=current.pk).delete()
        member_removed.send(sender=Membership, membership=current, user=user)


def _role_valid(role: str) -> None:
    if role not in Role.values:
        raise MemberError(f"Unknown role {role!r}: use {', '.join(Role.values)}.")


def _account(who: str):
    if not who:
        raise MemberError("Give the person's username or e-mail address.")
    # An address is looked up as an address only, so that a username shaped like one (made
    # before usernames refused "@") cannot stand in for the person whose address it is.
    active = get_user_model().objects.filter(is_active=True)
    if "@" in who:
        found = list(active.filter(email__iexact=who)[:2])
    else:
        found = list(active.filter(username__iexact=who)[:2])
        found = [u for u in found if u.get_username() == who] or found  # exact case first
    if len(found) == 1:
        return found[0]
    if found:
        raise MemberError("Several accounts have this e-mail address: add the person by username.")
    raise MemberError(f"No account has the username or e-mail address “{who}”.")


def _locked(membership: Membership) -> Membership:
    """The membership as it is now, locked with every owner's: two owners demoting each
    other at once cannot leave the project without one."""
    rows = list(
        Membership.objects.select_for_update()
        .filter(project_id=membership.project_id)
        .filter(Q(pk=membership.pk) | Q(role=Role.OWNER))
        .order_by("pk")
    )
    current = next((m for m in rows if m.pk == membership.pk), None)
    if current is None:
        raise MemberError("This person is no longer a member of the project.")
    current.owner_count = sum(m.role == Role.OWNER for m in rows)
    return current


def _another_owner_check(membership: Membership) -> None:
    if membership.owner_count < 2:
        raise MemberError(LAST_OWNER)


# --- invite links --------------------------------------------------------------------

INVITE_DAYS_DEFAULT = 7
INVITE_DAYS_MAX = 90


class InviteError(ValueError):
    """The invite cannot be made or accepted as asked; the message is for the user."""


class InviteGone(Exception):
    """The link does not (or no longer) work: `status` 404 (no such link) or 410 (it did
    once), and the reason for the person who followed it."""

    def __init__(self, reason: str, status: int = 410):
        super().__init__(reason)
        self.status = status


def invite_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def invite_create(
    *, user, project, role: str, days: int = INVITE_DAYS_DEFAULT, note: str = ""
) -> tuple[Invite, str]:
    """A one-time link for joining the project with `role` within `days`. Returns the
    invite and its key, which is not stored and cannot be shown again."""
    role_check(user=user, project_id=project.pk, minimum=Role.OWNER, doing="invite people")
    if role not in Role.values:
        raise InviteError(f"Unknown role {role!r}: use {', '.join(Role.values)}.")
    if not isinstance(days, int) or not 1 <= days <= INVITE_DAYS_MAX:
        raise InviteError(f"An invite link lasts from 1 to {INVITE_DAYS_MAX} days.")
    note = note.strip()
    limit = Invite._meta.get_field("note").max_length
    if len(note) > limit:
        raise InviteError(f"The note is at most {limit} characters; this one has {len(note)}.")
    key = secrets.token_urlsafe(32)
    invite = Invite.objects.create(
        project=project,
        role=role,
        note=note,
        key_sha256=invite_key_hash(key),
        created_by=user,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return invite, key


def invite_revoke(*, user, invite: Invite) -> None:
    role_check(user=user, project_id=invite.project_id, minimum=Role.OWNER, doing="revoke invites")
    Invite.objects.filter(pk=invite.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def invite_check(*, key: str, lock: bool = False) -> Invite:
    """The invite whose link holds `key`, while it can still be used; InviteGone saying
    why not otherwise."""
    invites = Invite.objects.select_related("project")
    if lock:
        invites = invites.select_for_update(of=("self",))
    invite = invites.filter(key_sha256=invite_key_hash(key)).first()
    if invite is None:
        raise InviteGone("This invite link is not valid: check that you copied all of it.", 404)
    if invite.accepted_at is not None:
        raise InviteGone(
            "This invite link has been used. Each link works once: ask the project’s "
            "owners for a new one."
        )
    if invite.revoked_at is not None:
        raise InviteGone("This invite link was withdrawn by the project’s owners.")
    if invite.expires_at <= timezone.now():
        when = date_format(timezone.localtime(invite.expires_at), "j F Y")
        raise InviteGone(
            f"This invite link expired on {when}. Ask the project’s owners for a new one."
        )
    if invite.project.archived_at is not None:
        raise InviteGone("This project has been archived: it takes no new members.")
    return invite


def invite_accept(
    *, key: str, user=None, username: str = "", password: str = "", name: str = ""
) -> Membership:
    """Join the invite's project with its role: as `user` (someone logged in), or as a
    new account made from `username`, `password` and `name` (ValidationError per field
    if they are not acceptable). One transaction, the invite locked: a link is used once."""
    with transaction.atomic():
        invite = invite_check(key=key, lock=True)
        if user is None:
            user = user_create(username=username, password=password, name=name)
        already = InviteError(
            f"You are already a member of {invite.project.name}; the link stays unused "
            "for the person it was meant for."
        )
        if Membership.objects.filter(project_id=invite.project_id, user=user).exists():
            raise already
        try:
            with transaction.atomic(), pghistory.context(user=user.pk):
                membership = Membership.objects.create(
                    project=invite.project, user=user, role=invite.role
                )
        except IntegrityError:  # an owner added them a moment ago
            raise already from None
        Invite.objects.filter(pk=invite.pk).update(accepted_at=timezone.now(), accepted_by=user)
    return membership
