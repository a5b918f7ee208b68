import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from annotator.projects.demo import DEMO_SLUG, demo_load
from annotator.projects.models import Membership, Project, Role


@pytest.fixture
def demo(db):
    """The demo project (users, sources, event, four annotated articles)."""
    demo_load()
    return Project.objects.get(slug=DEMO_SLUG)


@pytest.fixture
def demo_users(demo):
    User = get_user_model()
    return {user.username: user for user in User.objects.filter(memberships__project=demo)}


@pytest.fixture
def outsider(db):
    """A user who owns another project and has no role in the demo project."""
    user = get_user_model().objects.create_user("outsider", password="pw-outsider")
    other = Project.objects.create(name="Other newsroom", slug="other")
    Membership.objects.create(project=other, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def login():
    """login(user) -> a test client logged in as that user."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
