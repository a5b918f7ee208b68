import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def outer_environment() -> dict:
    """The environment without what the browser tests set for their own process."""
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **outer_environment(),
        "DEBUG": "0",
        "SECRET_KEY": "x" * 64 + "-production-like-secret-key-for-the-check",
        "ALLOWED_HOSTS": "annotator.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {
        **outer_environment(),
        "DEBUG": "0",
        "SECRET_KEY": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
