"""A bureau's local rules (YAML) stored as versions of the ``local`` rule set and run by the audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from test_backtest import CITY, _write_lake

from fundguard.errors import InputError
from fundguard.rules import service
from fundguard.rules.models import RuleSetVersion

LOCAL = """
rules:
  - code: GEN-L01
    title: 本地限女性项目
    template: gender
    category: GENDER
    severity: block
    rows: [{code: "003100000000001", match: exact, allowed_gend: "2"}]
"""


def _local_hits(tmp_path: Path) -> list[tuple[str, str]]:
    result = service.audit(None, tmp_path / "out", selector="local")
    return [(r["rule_code"], r["feedetl_sn"]) for r in result.findings.to_pylist()]


def test_local_rules_are_versioned_region_scoped_and_audited(session, tmp_path: Path) -> None:
    service.import_knowledge(session, "national")
    session.commit()
    _write_lake(session, CITY)
    path = tmp_path / "local.yml"
    path.write_text(LOCAL, encoding="utf-8")

    first = service.import_local(session, path, region="1101", actor="sup1101")
    session.commit()
    assert first["status"] == "imported" and first["rules"] == 1 and first["rows"] == 1
    assert service.import_local(session, path, region="1101")["status"] == "unchanged"
    session.commit()
    local = service.local_rules(session)
    assert [(r.rule_code, r.title, r.severity) for r in local] == [("GEN-L01", "本地限女性项目", "block")]
    assert _local_hits(tmp_path) == [("GEN-L01", "F9")]

    # The same file for another city: a new version; the rule no longer applies to 110101.
    other = service.import_local(session, path, region="3204")
    session.commit()
    assert other["status"] == "imported" and other["version"] != first["version"]
    versions = session.execute(
        select(RuleSetVersion.version).where(RuleSetVersion.rule_set == "local")
    ).scalars()
    assert set(versions) == {first["version"], other["version"]}
    assert _local_hits(tmp_path) == []

    # Local codes can be switched like national ones.
    service.set_enabled(session, "GEN-L01", False, region="3204", actor="sup3204")
    session.commit()
    assert {"rule_code": "GEN-L01", "region": "3204", "enabled": False} in service.region_settings(session)


@pytest.mark.parametrize(
    ("text", "code", "field"),
    [
        (
            "rules: [{code: GEN-N01, template: gender, category: GENDER, rows: [{code: 'A1', allowed_gend: '2'}]}]",
            "LOCAL_RULE_CODE",
            "rules[0].code",
        ),
        ("params: {split_admission_window_days: 7}", "LOCAL_RULE_PARAMS", "params"),
        ("rules: [{code: GEN-L02, template: gender, category: GENDER}]", "LOCAL_RULE_EMPTY", "rules[0].rows"),
        (
            "rules: [{code: GEN-L02, template: gender, category: GENDER, rows: [{code: 'A1', allowed_gend: '3'}]}]",
            "CANDIDATE_INVALID",
            "rules[0].rows[0].allowed_gend",
        ),
    ],
)
def test_invalid_local_rules_are_rejected_at_load(session, tmp_path: Path, text: str, code: str, field: str):
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        service.import_local(session, path)
    assert (err.value.code, err.value.field) == (code, field)
    assert service.local_rules(session) == []
