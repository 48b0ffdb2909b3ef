"""core.lua.LuaScript: run by SHA, and loaded by redis-py when Redis does not know the script
(a fresh server, a restart or a SCRIPT FLUSH all answer NOSCRIPT)."""

import hashlib
import uuid

from django_redis import get_redis_connection

from core.lua import LuaScript


def test_a_script_redis_has_never_seen_is_loaded_and_run_by_sha():
    source = f"return {{KEYS[1], ARGV[1], '{uuid.uuid4().hex}'}}"  # a script no one loaded before
    sha = hashlib.sha1(source.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1
    conn = get_redis_connection("default")
    assert conn.script_exists(sha) == [False]

    script = LuaScript(source)
    assert script(keys=["a-key"], args=["an-arg"])[:2] == [b"a-key", b"an-arg"]
    assert conn.script_exists(sha) == [True]
    assert script(keys=["b"], args=["c"])[:2] == [b"b", b"c"]  # registered once, run again by SHA
