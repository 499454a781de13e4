"""A small audited synthetic city on the test's store, and users of each role for the rules pages."""

from __future__ import annotations

from pathlib import Path

from fundguard import db
from fundguard.auth import service as auth
from fundguard.rules import service
from fundguard.synth import service as synth

PASSWORD = "Secret-pass-123"
# Institution codes and 医保区划 of the synthetic city (seed 3, scale 0.01): districts of 常州 (3204).
OWN = "H32040200001"
USERS = {
    "admin1": ("admin", "", None),
    "sup3204": ("supervisor", "3204", None),
    "sup320402": ("supervisor", "320402", None),
    "sup3205": ("supervisor", "3205", None),
    "aud1": ("auditor", "3204", None),
    "leader1": ("leader", "", None),
    "inst1": ("institution", "", OWN),
}


def audited_city(tmp_path: Path) -> str:
    """Generate, ingest and audit a tiny city; create the users. Returns the audit run id."""
    city = tmp_path / "city"
    synth.generate(city, scale=0.01, seed=3)
    result = service.audit(city, tmp_path / "out", actor="test")
    with db.session_scope() as session:
        for username, (role, region, inst) in USERS.items():
            auth.create_user(session, username, PASSWORD, role, region=region, fixmedins_code=inst)
    return result.run_id
