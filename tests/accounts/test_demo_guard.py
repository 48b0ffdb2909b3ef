"""The demo loader (published logins such as staff / staff1234!) runs only against the embedded
database dev.py started, or when asked for explicitly; never silently against a DATABASE_URL."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from devtools.cli import demo_command
from devtools.engines import EMBEDDED_DATABASE_ENV

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_refuses_a_database_url_without_being_asked(monkeypatch):
    monkeypatch.delenv(EMBEDDED_DATABASE_ENV, raising=False)
    with pytest.raises(CommandError, match="--demo"):
        call_command("load_demo")
    assert not User.objects.filter(username__in=["staff", "shopper"]).exists()


def test_refuses_when_the_embedded_database_is_another_one(monkeypatch):
    monkeypatch.setenv(EMBEDDED_DATABASE_ENV, "postgres://postgres@%2Fsomewhere%2Felse/shop")
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not User.objects.filter(username="staff").exists()


def test_loads_into_the_embedded_database(monkeypatch):
    monkeypatch.setenv(EMBEDDED_DATABASE_ENV, django_settings.DATABASE_URL)
    call_command("load_demo")
    assert User.objects.get(username="staff").check_password("staff1234!")


def test_loads_anywhere_when_asked_for(monkeypatch):
    monkeypatch.delenv(EMBEDDED_DATABASE_ENV, raising=False)
    call_command("load_demo", any_database=True)
    assert User.objects.filter(username="shopper").exists()


def test_dev_run_loads_demo_data_only_into_its_own_embedded_database():
    url = "postgres://postgres@%2Fwork%2Fvar%2Fpostgres/shop"
    assert demo_command({"DATABASE_URL": url, EMBEDDED_DATABASE_ENV: url}, []) == ["load_demo"]
    external = {"DATABASE_URL": "postgres://shop:secret@db.internal:5432/shop"}
    assert demo_command(external, []) is None
    assert demo_command(external, ["--demo"]) == ["load_demo", "--any-database"]
