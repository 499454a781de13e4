"""``fundguard users …`` and ``fundguard apikey …`` through the real command line."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from fundguard.auth import service
from fundguard.auth.models import ApiKey, AuditEvent


def run(args, env):
    return subprocess.run(
        [sys.executable, "-m", "fundguard.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_users_create_list_reset_and_apikey(store, cli_env, session):
    env = {**cli_env, "FUNDGUARD_DATABASE_URL": store}
    r = run(
        [
            "users",
            "create",
            "sup1",
            "--role",
            "supervisor",
            "--region",
            "3204",
            "--password",
            "Secret-pass-123",
        ],
        env,
    )
    assert r.returncode == 0, r.stderr
    r = run(["users", "create", "bad", "--role", "institution", "--password", "Secret-pass-123"], env)
    assert r.returncode == 2 and "定点机构" in r.stderr
    r = run(["users", "list"], env)
    assert r.returncode == 0 and "sup1" in r.stdout and "3204" in r.stdout
    r = run(["users", "reset", "sup1"], env)
    assert r.returncode == 0, r.stderr
    new_password = r.stdout.strip().splitlines()[-1].split(": ", 1)[1]
    assert service.authenticate(session, "sup1", new_password).user is not None
    session.rollback()  # release the SQLite write lock for the next command
    r = run(["apikey", "create", "H32040001", "--label", "HIS"], env)
    assert r.returncode == 0, r.stderr
    raw = r.stdout.strip().splitlines()[-1]
    assert raw.startswith("fgk_")
    session.expire_all()
    key = session.execute(select(ApiKey)).scalar_one()
    assert key.fixmedins_code == "H32040001" and raw not in key.key_hash
    assert run(["apikey", "revoke", str(key.id)], env).returncode == 0
    actions = session.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars().all()
    assert {"user.create", "user.reset", "apikey.create", "apikey.revoke"} <= set(actions)
