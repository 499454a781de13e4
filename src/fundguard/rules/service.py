"""Rule engine service: knowledge import, loading, batch audit, findings store, verdicts, stats.

No CLI or web imports here; ``cli.py`` and ``views.py`` are thin wrappers.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml
from pydantic import ValidationError
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from fundguard import refdata
from fundguard.auth import service as audit_log
from fundguard.contract import FINDING_COLUMNS, TABLES
from fundguard.errors import InputError, NotFound
from fundguard.profiles import get_profile
from fundguard.rules import engine
from fundguard.rules.knowledge import importers
from fundguard.rules.models import (
    AuditRun,
    BacktestRun,
    Finding,
    KnowledgeRow,
    Rule,
    RuleRegionSetting,
    RuleSet,
    RuleSetVersion,
    Verdict,
)
from fundguard.rules.registry import RULES, SET_TITLES, codes_for
from fundguard.rules.schemas import TEMPLATE_PARAMS, CandidateFile
from fundguard.timeutil import now

SOURCES = {"national": ["national"], "medimodel": ["medimodel"], "all": ["national", "medimodel"]}


# ------------------------------------------------------------------ import


def _hash_files(paths: list[Path], extra: bytes = b"") -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    h.update(extra)
    return h.hexdigest()


def _set_files(rule_set: str) -> list[Path]:
    if rule_set == "platform":
        return sorted(engine.TEMPLATE_DIR.glob("*.sql"))
    return [refdata.path(f) for f in importers.sources(rule_set)]


def _rule_defs_bytes(rule_set: str) -> bytes:
    return json.dumps(
        [
            [r.code, r.template, r.category, r.severity, r.enabled]
            for r in RULES.values()
            if r.rule_set == rule_set
        ]
    ).encode()


def _validate_item(item: dict) -> str | None:
    rule = RULES[item["rule_code"]]
    model = TEMPLATE_PARAMS.get(rule.template)
    if model is None:
        return None
    try:
        item["params"] = model.model_validate(item["params"]).model_dump(mode="json")
    except ValidationError as exc:
        err = exc.errors()[0]
        return f"字段 {'.'.join(str(x) for x in err['loc'])}: {err['msg']}"
    return None


def import_set(session: Session, rule_set: str, version: str | None = None, actor: str = "cli") -> list[dict]:
    """Import one rule set as a new version (no-op when that version exists). Returns the per-table report."""
    content_hash = _hash_files(_set_files(rule_set), _rule_defs_bytes(rule_set))
    version = version or f"{rule_set}-{content_hash[:12]}"
    rs = session.get(RuleSet, rule_set)
    if rs is None:
        rs = RuleSet(name=rule_set, title=SET_TITLES[rule_set])
        session.add(rs)
        session.flush()
    existing = session.execute(
        select(RuleSetVersion).where(RuleSetVersion.rule_set == rule_set, RuleSetVersion.version == version)
    ).scalar_one_or_none()
    if existing is not None:
        return [dict(r, status="unchanged") for r in existing.report]
    ver = RuleSetVersion(
        rule_set=rule_set, version=version, content_hash=content_hash, imported_at=now(), report=[]
    )
    session.add(ver)
    session.flush()
    for code, r in RULES.items():
        if r.rule_set == rule_set:
            session.add(
                Rule(
                    version_id=ver.id,
                    rule_code=code,
                    rule_set=rule_set,
                    template=r.template,
                    category=r.category,
                    severity=r.severity,
                    title=r.title,
                    params={},
                    enabled=r.enabled,
                    disabled_reason=r.disabled_reason,
                )
            )
    report: list[dict] = []
    if rule_set == "platform":
        codes = [c for c, r in RULES.items() if r.rule_set == "platform"]
        report.append(
            {
                "rule_set": rule_set,
                "source_file": "rules/templates/*.sql",
                "rows_read": 0,
                "rules_created": len(codes),
                "rule_codes": codes,
                "rejected": 0,
                "rejections": [],
                "enabled": True,
                "note": "平台规则，参数来自配置 rule.*",
            }
        )
    for source_file in importers.sources(rule_set):
        result = importers.run_importer(source_file)
        rows, rejected = [], list(result.rejected)
        bad_lines: set[int] = set()
        for item in result.items:
            reason = _validate_item(item)
            if reason:
                rejected.append((item["source_row"], reason))
                bad_lines.add(item["source_row"])
        for item in result.items:
            if item["source_row"] in bad_lines:
                continue
            rule = RULES[item["rule_code"]]
            rows.append(
                {
                    "version_id": ver.id,
                    "rule_code": rule.code,
                    "template": rule.template,
                    "category": rule.category,
                    "severity": rule.severity,
                    "params": item["params"],
                    "source_file": source_file,
                    "source_row": item["source_row"],
                    "effective_from": None,
                    "effective_to": None,
                    "region_scope": "",
                    "enabled": True,
                    "disabled_reason": "",
                }
            )
        for start in range(0, len(rows), 5000):
            session.execute(insert(KnowledgeRow), rows[start : start + 5000])
        codes = sorted({r["rule_code"] for r in rows})
        reasons = sorted({RULES[c].disabled_reason for c in codes if not RULES[c].enabled})
        report.append(
            {
                "rule_set": rule_set,
                "source_file": source_file,
                "rows_read": result.rows_read,
                "rules_created": len(rows),
                "rule_codes": codes,
                "rejected": len({line for line, _ in rejected}),
                "rejections": [
                    {"file": source_file, "row": line, "reason": why} for line, why in sorted(rejected)
                ],
                "enabled": any(RULES[c].enabled for c in codes),
                "note": "；".join(reasons),
            }
        )
    ver.report = report
    rs.current_version = version
    audit_log.record(
        session,
        actor,
        "rules.import",
        "rule_set_version",
        f"{rule_set}:{version}",
        {"tables": len(report), "rules": sum(r["rules_created"] for r in report)},
    )
    session.flush()
    return [dict(r, status="imported") for r in report]


def import_knowledge(
    session: Session, source: str = "all", version: str | None = None, actor: str = "cli"
) -> list[dict]:
    if source not in SOURCES:
        raise InputError(
            "RULE_SOURCE", f"未知知识来源 {source}（national|medimodel|all）", f"unknown source {source}"
        )
    report = []
    for rule_set in SOURCES[source]:
        report += import_set(session, rule_set, version, actor)
    report += import_set(session, "platform", None, actor)
    return report


def import_local(session: Session, path: Path, region: str = "", actor: str = "cli") -> dict:
    """Store a bureau's local rule YAML as a new version of the ``local`` rule set.

    Validated at load like a backtest candidate (errors name the file, rule and field); only local
    codes (``XXX-L01``) may be defined and profile ``params`` belong in the province profile. The
    knowledge rows apply to ``region`` (an admdvs prefix; "" = everywhere). The same content again
    is a no-op; a new content becomes the current version and the old one stays for backtesting.
    """
    path = Path(path)
    rules, rows, params = load_candidate(path)
    if params:
        raise InputError(
            "LOCAL_RULE_PARAMS",
            f"{path.name}：地方规则文件不能包含 params，阈值请在省级配置中设置",
            "params belong in the province profile",
            field="params",
        )
    for i, r in enumerate(rules):
        if not re.fullmatch(r"[A-Z]{3}-L[0-9]{2}", r["rule_code"]):
            raise InputError(
                "LOCAL_RULE_CODE",
                f"{path.name} rules[{i}].code: 地方规则编码须为 XXX-L01 形式（{r['rule_code']} 属于国家/平台规则）",
                "local rules need XXX-Lnn codes",
                field=f"rules[{i}].code",
            )
        if not r["replace"]:
            raise InputError(
                "LOCAL_RULE_EMPTY",
                f"{path.name} rules[{i}].rows: 地方规则至少需要一行知识点",
                "a local rule needs rows",
                field=f"rules[{i}].rows",
            )
    if region and not re.fullmatch(r"[0-9]{2,6}", region):
        raise InputError("LOCAL_RULE_REGION", f"地区 {region} 不是医保区划前缀", "bad region", field="region")
    data = path.read_bytes()
    content_hash = hashlib.sha256(data + region.encode()).hexdigest()
    version = f"local-{content_hash[:12]}"
    rs = session.get(RuleSet, "local")
    if rs is None:
        rs = RuleSet(name="local", title=SET_TITLES["local"])
        session.add(rs)
        session.flush()
    existing = session.execute(
        select(RuleSetVersion).where(RuleSetVersion.rule_set == "local", RuleSetVersion.version == version)
    ).scalar_one_or_none()
    if existing is not None:
        rs.current_version = version
        return {"version": version, "status": "unchanged", "rules": len(rules), "rows": len(rows)}
    report = [{"source_file": path.name, "region": region, "rules": len(rules), "rows": len(rows)}]
    ver = RuleSetVersion(
        rule_set="local", version=version, content_hash=content_hash, imported_at=now(), report=report
    )
    session.add(ver)
    session.flush()
    titles = {r.code: r.title for r in CandidateFile.model_validate(yaml.safe_load(data) or {}).rules}
    for r in rules:
        session.add(
            Rule(
                version_id=ver.id,
                rule_code=r["rule_code"],
                rule_set="local",
                template=r["template"],
                category=r["category"],
                severity=r["severity"],
                title=titles.get(r["rule_code"]) or f"地方规则 {r['rule_code']}",
                params={"source_file": path.name, "region": region},
                enabled=True,
                disabled_reason="",
            )
        )
    severity = {r["rule_code"]: r["severity"] for r in rules}
    session.execute(
        insert(KnowledgeRow),
        [
            {
                "version_id": ver.id,
                "rule_code": row["rule_code"],
                "template": row["template"],
                "category": next(r["category"] for r in rules if r["rule_code"] == row["rule_code"]),
                "severity": severity[row["rule_code"]],
                "params": row["params"],
                "source_file": path.name,
                "source_row": row["source_row"],
                "effective_from": None,
                "effective_to": None,
                "region_scope": region,
                "enabled": True,
                "disabled_reason": "",
            }
            for row in rows
        ],
    )
    rs.current_version = version
    audit_log.record(
        session,
        actor,
        "rules.import_local",
        "rule_set_version",
        f"local:{version}",
        {"file": path.name, "region": region, "rules": len(rules), "rows": len(rows)},
        region=region,
    )
    session.flush()
    return {"version": version, "status": "imported", "rules": len(rules), "rows": len(rows)}


def local_rules(session: Session) -> list[Rule]:
    """The rules of the current version of the ``local`` set (empty when none was imported)."""
    rs = session.get(RuleSet, "local")
    if rs is None or not rs.current_version:
        return []
    ver = session.execute(
        select(RuleSetVersion).where(
            RuleSetVersion.rule_set == "local", RuleSetVersion.version == rs.current_version
        )
    ).scalar_one()
    return list(
        session.execute(select(Rule).where(Rule.version_id == ver.id).order_by(Rule.rule_code)).scalars()
    )


def ensure_imported(session: Session) -> bool:
    """Import every set that has no current version yet; True when something was imported."""
    missing = [
        s
        for s in ("national", "medimodel", "platform")
        if (rs := session.get(RuleSet, s)) is None or rs.current_version is None
    ]
    for s in missing:
        import_set(session, s)
    return bool(missing)


# ------------------------------------------------------------------ load


def _current_version_ids(
    session: Session, versions: dict[str, str] | None = None
) -> dict[str, tuple[int, str]]:
    out = {}
    for rs in session.execute(select(RuleSet)).scalars():
        wanted = (versions or {}).get(rs.name, rs.current_version)
        if not wanted:
            continue
        ver = session.execute(
            select(RuleSetVersion).where(RuleSetVersion.rule_set == rs.name, RuleSetVersion.version == wanted)
        ).scalar_one_or_none()
        if ver is None:
            raise NotFound(
                "RULE_VERSION", f"规则集 {rs.name} 没有版本 {wanted}", f"no version {wanted} of {rs.name}"
            )
        out[rs.name] = (ver.id, ver.version)
    return out


def region_settings(session: Session) -> list[dict]:
    return [
        {"rule_code": s.rule_code, "region": s.region, "enabled": s.enabled}
        for s in session.execute(select(RuleRegionSetting)).scalars()
    ]


def _selected(rule: Rule, wanted: set[str], selector: str | None) -> bool:
    """Registry codes by the selector; local codes (not in the registry) by code, category or "local"."""
    if rule.rule_code in RULES:
        return rule.rule_code in wanted
    if not selector:
        return True
    words = {w.strip().upper() for w in selector.split(",") if w.strip()}
    return bool(words & {rule.rule_code, rule.category, "LOCAL"})


def load_knowledge(
    session: Session,
    selector: str | None = None,
    versions: dict[str, str] | None = None,
    suspensions: list[dict] | None = None,
) -> engine.Knowledge:
    """The knowledge of the current (or given) versions for the selected, runnable rules."""
    profile = get_profile()
    enabled_sets = set(profile["rule.enabled_sets"])
    local = {r.rule_code for r in local_rules(session)}
    registry_selector = _registry_selector(selector, local)
    wanted = set() if registry_selector == "__none__" else codes_for(registry_selector)
    settings = region_settings(session)
    switched_on = {s["rule_code"] for s in settings if s["enabled"]}
    rules, version_of = [], {}
    for rule_set, (vid, version) in _current_version_ids(session, versions).items():
        for r in session.execute(select(Rule).where(Rule.version_id == vid)).scalars():
            if not _selected(r, wanted, selector) or r.template == "none":
                continue
            enabled = r.enabled and rule_set in enabled_sets
            if not enabled and r.rule_code not in switched_on:
                continue
            rules.append(
                {
                    "rule_code": r.rule_code,
                    "rule_version": version,
                    "category": r.category,
                    "severity": r.severity,
                    "template": r.template,
                    "enabled": enabled,
                }
            )
            version_of[r.rule_code] = vid
    rows: dict[str, list[dict]] = {}
    for code, vid in version_of.items():
        query = select(KnowledgeRow).where(
            KnowledgeRow.version_id == vid, KnowledgeRow.rule_code == code, KnowledgeRow.enabled.is_(True)
        )
        for k in session.execute(query).scalars():
            rows.setdefault(k.template, []).append(
                {
                    "rule_code": k.rule_code,
                    "params": k.params,
                    "source_file": k.source_file,
                    "source_row": k.source_row,
                    "region_scope": k.region_scope,
                    "effective_from": k.effective_from,
                    "effective_to": k.effective_to,
                }
            )
    if suspensions is None:
        suspensions = suspension_periods(session)
    return engine.Knowledge(rules=rules, rows=rows, region_settings=settings, suspensions=suspensions)


def _registry_selector(selector: str | None, local: set[str]) -> str | None:
    """The selector without local codes (which the registry does not know); ``None`` selects all."""
    if not selector:
        return None
    words = [w for w in selector.split(",") if w.strip() and w.strip().upper() not in local | {"LOCAL"}]
    if not words and selector.strip():
        return "__none__"
    return ",".join(words)


def suspension_periods(session: Session) -> list[dict]:
    """Practitioner suspension/termination periods from the scoring domain (end date exclusive)."""
    try:
        scoring = importlib.import_module("fundguard.scoring.service")
    except ModuleNotFoundError:
        return []
    fn = getattr(scoring, "suspension_periods", None)
    if fn is None:
        return []
    return [{"prac_psn_code": c, "start_date": s, "end_date": e, "kind": k} for c, s, e, k in fn(session)]


# ------------------------------------------------------------------ audit


@dataclass
class AuditResult:
    findings: pa.Table
    out_dir: Path
    run_id: str
    batch_id: str | None = None
    imported_knowledge: bool = False
    by_category: list[dict] = field(default_factory=list)
    by_institution: list[dict] = field(default_factory=list)


def has_contract_tables(path: Path) -> bool:
    if not path.is_dir():
        return False
    names = {p.stem.lower() for p in path.iterdir() if p.is_file()}
    return bool(names & set(TABLES))


def write_findings(table: pa.Table, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out_dir / "findings.parquet")
    con = duckdb.connect()
    con.register("findings", table)
    cols = ", ".join("CAST(amount AS VARCHAR) AS amount" if c == "amount" else c for c in FINDING_COLUMNS)
    csv_table = con.sql(f"SELECT {cols} FROM findings").to_arrow_table()
    pacsv.write_csv(csv_table, out_dir / "findings.csv")


def store_findings(
    session: Session, table: pa.Table, run_id: str, visit_months: dict[str, str] | None = None
) -> int:
    """Upsert by finding_id (same input + same rule version → same id → one row)."""
    months = visit_months or {}
    rows = table.to_pylist()
    ids = [r["finding_id"] for r in rows]
    found_at = now()
    existing = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        existing |= set(
            session.execute(select(Finding.finding_id).where(Finding.finding_id.in_(chunk))).scalars()
        )
    new = []
    for r in rows:
        values = dict(
            r,
            evidence=json.loads(r["evidence"]) if r["evidence"] else {},
            run_id=run_id,
            found_at=found_at,
            visit_month=months.get(r["finding_id"]),
        )
        if r["finding_id"] in existing:
            session.merge(Finding(**values))
        else:
            new.append(values)
    for start in range(0, len(new), 2000):
        session.execute(insert(Finding), new[start : start + 2000])
    return len(rows)


def _summaries(table: pa.Table) -> tuple[list[dict], list[dict]]:
    con = duckdb.connect()
    con.register("f", table)
    cat = con.sql(
        "SELECT category, count(*) AS n, sum(amount) AS amount FROM f GROUP BY category ORDER BY category"
    )
    ins = con.sql(
        "SELECT fixmedins_code, count(*) AS n, sum(amount) AS amount FROM f GROUP BY fixmedins_code "
        "ORDER BY amount DESC, fixmedins_code"
    )
    return cat.to_arrow_table().to_pylist(), ins.to_arrow_table().to_pylist()


def run_on_connection(
    con,
    knowledge: engine.Knowledge,
    engine_name: str = "duckdb",
    since: date | None = None,
    until: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> pa.Table:
    params = engine.rule_params(get_profile())
    if engine_name == "duckdb":
        return engine.run_duckdb(con, knowledge, params, since, until, progress)
    if engine_name == "spark":
        from fundguard.rules import spark_engine

        return spark_engine.run_spark_over_duckdb(con, knowledge, params, since, until, progress)
    raise InputError("ENGINE", f"未知引擎 {engine_name}（duckdb|spark）", f"unknown engine {engine_name}")


def start_run(engine_name: str, selector: str | None, actor: str, run_id: str | None = None) -> str:
    """Register an audit run as ``running`` (committed at once so the web page can follow it)."""
    from fundguard.db import session_scope

    run_id = run_id or uuid.uuid4().hex[:16]
    with session_scope() as session:
        session.add(
            AuditRun(
                run_id=run_id,
                status="running",
                stage="准备",
                engine=engine_name,
                selector=selector or "",
                actor=actor,
                started_at=now(),
            )
        )
    return run_id


def _set_run(run_id: str, **values) -> None:
    from fundguard.db import session_scope

    with session_scope() as session:
        run = session.get(AuditRun, run_id)
        if run is not None:
            for key, value in values.items():
                setattr(run, key, value)


def _visit_months(con, findings: pa.Table) -> dict[str, str]:
    """finding_id → YYYY-MM of its visit (mdtrt.begntime) for the dashboard's trend."""
    con.register("fg_found", findings.select(["finding_id", "mdtrt_id"]))
    rows = con.sql(
        "SELECT f.finding_id, strftime(min(m.begntime), '%Y-%m') FROM fg_found f "
        "JOIN mdtrt m ON m.mdtrt_id = f.mdtrt_id GROUP BY f.finding_id"
    ).fetchall()
    con.unregister("fg_found")
    return {fid: ym for fid, ym in rows if ym}


def audit(
    input_path: Path | None,
    out_dir: Path,
    engine_name: str = "duckdb",
    selector: str | None = None,
    since: date | None = None,
    until: date | None = None,
    progress: Callable[[str], None] | None = None,
    actor: str = "cli",
    run_id: str | None = None,
) -> AuditResult:
    """Ingest INPUT_DIR if it holds contract tables (else audit the lake), run the rules, write and store.

    The run is tracked in ``audit_run`` (status, stage, counts); a failure marks it ``failed`` with
    the error and stores no findings. Pass ``run_id`` of a run registered by ``start_run``.
    """
    run_id = run_id or start_run(engine_name, selector, actor)

    def stage(name: str) -> None:
        _set_run(run_id, stage=name)
        if progress:
            progress(name)

    try:
        result = _audit(input_path, out_dir, engine_name, selector, since, until, stage, actor, run_id)
    except BaseException as exc:
        message = getattr(exc, "message_zh", "") or str(exc) or type(exc).__name__
        _set_run(run_id, status="failed", finished_at=now(), error=message[:2000])
        raise
    total = sum((Decimal(str(r["amount"] or 0)) for r in result.by_category), Decimal("0"))
    _set_run(
        run_id,
        status="finished",
        stage="完成",
        finished_at=now(),
        findings=result.findings.num_rows,
        amount=total.quantize(Decimal("0.01")),
        batch_id=result.batch_id,
    )
    return result


def _audit(input_path, out_dir, engine_name, selector, since, until, stage, actor, run_id) -> AuditResult:
    from fundguard import lake
    from fundguard.db import session_scope

    batch_id = None
    if input_path is not None and has_contract_tables(Path(input_path)):
        try:
            ingest = importlib.import_module("fundguard.ingest.service")
        except ModuleNotFoundError:
            raise InputError(
                "INGEST_MISSING", "数据接入模块不可用，无法导入输入目录", "ingest is not installed"
            ) from None
        stage("ingest")
        report = ingest.ingest_folder(Path(input_path))
        batch_id = getattr(report, "batch_id", None)
    elif input_path is not None and not Path(input_path).exists():
        raise InputError(
            "INPUT_MISSING", f"输入目录 {input_path} 不存在", f"input folder {input_path} does not exist"
        )
    with session_scope() as session:
        imported = ensure_imported(session)
    with session_scope() as session:
        knowledge = load_knowledge(session, selector)
    con = duckdb.connect()
    lake.register_views(con)
    findings = run_on_connection(con, knowledge, engine_name, since, until, stage)
    stage("write")
    write_findings(findings, Path(out_dir))
    months = _visit_months(con, findings)
    with session_scope() as session:
        store_findings(session, findings, run_id, months)
        audit_log.record(
            session,
            actor,
            "rules.audit",
            "audit_run",
            run_id,
            {
                "findings": findings.num_rows,
                "engine": engine_name,
                "rules": selector or "",
                "batch_id": batch_id or "",
            },
        )
    by_cat, by_ins = _summaries(findings)
    return AuditResult(findings, Path(out_dir), run_id, batch_id, imported, by_cat, by_ins)


# ------------------------------------------------------------------ lifecycle


def set_enabled(
    session: Session, rule_code: str, enabled: bool, region: str = "", actor: str = "cli"
) -> None:
    if rule_code not in RULES and rule_code not in {r.rule_code for r in local_rules(session)}:
        raise NotFound("RULE_CODE", f"没有规则 {rule_code}", f"no rule {rule_code}")
    if rule_code in RULES and RULES[rule_code].template == "none":
        raise InputError(
            "RULE_NOT_RUNNABLE",
            f"规则 {rule_code} 仅供对照，不能启用：{RULES[rule_code].disabled_reason}",
            f"rule {rule_code} is reference-only",
        )
    row = session.get(RuleRegionSetting, (rule_code, region))
    if row is None:
        row = RuleRegionSetting(
            rule_code=rule_code, region=region, enabled=enabled, changed_at=now(), actor=actor
        )
        session.add(row)
    else:
        row.enabled, row.changed_at, row.actor = enabled, now(), actor
    audit_log.record(
        session,
        actor,
        "rules.enable" if enabled else "rules.disable",
        "rule",
        rule_code,
        {"region": region},
        region=region,
    )
    session.flush()


def record_verdict(
    session: Session, finding_id: str, verdict: str, reason: str = "", actor: str = "cli"
) -> Verdict:
    if verdict not in ("confirmed", "rejected"):
        raise InputError(
            "VERDICT", "复核结论只能是 confirmed 或 rejected", "verdict must be confirmed|rejected"
        )
    if verdict == "rejected" and not reason.strip():
        raise InputError("VERDICT_REASON", "驳回必须填写理由", "a rejection needs a reason", field="reason")
    if session.get(Finding, finding_id) is None:
        raise NotFound("FINDING", f"没有规则命中 {finding_id}", f"no finding {finding_id}")
    v = Verdict(finding_id=finding_id, verdict=verdict, reason=reason, actor=actor, decided_at=now())
    session.add(v)
    audit_log.record(session, actor, f"finding.{verdict}", "finding", finding_id, {"reason": reason})
    session.flush()
    return v


def stats(session: Session) -> list[dict]:
    """Per rule: hits, confirmed, rejected, precision (confirmed / reviewed), amount (latest verdict
    counts), and the pre-check override rate (overridden ÷ feedback)."""
    hits = {
        r[0]: (r[1], r[2])
        for r in session.execute(
            select(Finding.rule_code, func.count(), func.sum(Finding.amount)).group_by(Finding.rule_code)
        )
    }
    latest = (
        select(Verdict.finding_id, func.max(Verdict.id).label("vid")).group_by(Verdict.finding_id).subquery()
    )
    rows = session.execute(
        select(Finding.rule_code, Verdict.verdict, func.count())
        .join(latest, latest.c.finding_id == Finding.finding_id)
        .join(Verdict, Verdict.id == latest.c.vid)
        .group_by(Finding.rule_code, Verdict.verdict)
    )
    verdicts: dict[str, dict[str, int]] = {}
    for code, verdict, n in rows:
        verdicts.setdefault(code, {})[verdict] = n
    overrides = _override_rates(session)
    out = []
    for code in sorted(set(hits) | set(overrides)):
        n, amount = hits.get(code, (0, 0))
        c = verdicts.get(code, {}).get("confirmed", 0)
        r = verdicts.get(code, {}).get("rejected", 0)
        fb = overrides.get(code, {})
        out.append(
            {
                "rule_code": code,
                "hits": n,
                "confirmed": c,
                "rejected": r,
                "precision": round(c / (c + r), 4) if c + r else None,
                "amount": str(Decimal(str(amount or 0)).quantize(Decimal("0.01"))),
                "feedback": fb.get("feedback", 0),
                "overridden": fb.get("overridden", 0),
                "override_rate": fb.get("override_rate"),
            }
        )
    return out


def _override_rates(session: Session) -> dict[str, dict]:
    """Pre-check feedback per rule (事前提醒被医生坚持的比例), when the pre-check domain is installed."""
    try:
        precheck = importlib.import_module("fundguard.precheck.service")
    except ModuleNotFoundError:
        return {}
    return {r["rule_code"]: r for r in precheck.override_rates(session)}


def versions(session: Session) -> list[dict]:
    return [
        {
            "rule_set": v.rule_set,
            "version": v.version,
            "imported_at": v.imported_at.isoformat(),
            "current": session.get(RuleSet, v.rule_set).current_version == v.version,
        }
        for v in session.execute(select(RuleSetVersion).order_by(RuleSetVersion.id)).scalars()
    ]


def knowledge_counts(session: Session) -> dict[str, int]:
    ids = [vid for vid, _ in _current_version_ids(session).values()]
    q = (
        select(KnowledgeRow.rule_code, func.count())
        .where(KnowledgeRow.version_id.in_(ids))
        .group_by(KnowledgeRow.rule_code)
    )
    return {code: n for code, n in session.execute(q)}


def delete_findings(session: Session) -> None:  # pragma: no cover - maintenance helper
    session.execute(delete(Verdict))
    session.execute(delete(Finding))


# ------------------------------------------------------------------ candidates, local rules, backtest


def load_candidate(path: Path) -> tuple[list[dict], list[dict], dict]:
    """Validate a candidate/local-rule YAML at load; errors name the file, rule and field.

    Returns ``(rules, knowledge_rows, params)`` ready to overlay on the current knowledge.
    """
    from fundguard.contract import VIOLATION_CATEGORIES

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        cand = CandidateFile.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError("CANDIDATE_UNREADABLE", f"候选规则文件 {path} 无法读取：{exc}", str(exc)) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise InputError(
            "CANDIDATE_INVALID", f"{path.name} 字段 {loc}: {err['msg']}", f"{path.name} {loc}", field=loc
        ) from None
    rules, rows = [], []
    for i, r in enumerate(cand.rules):
        known = RULES.get(r.code)
        template = r.template or (known.template if known else None)
        category = r.category or (known.category if known else None)
        where = f"rules[{i}]"
        if template not in TEMPLATE_PARAMS and not (known and template == known.template):
            raise InputError(
                "CANDIDATE_INVALID",
                f"{path.name} {where}.template: 未知模板 {template}",
                f"unknown template {template}",
                field=f"{where}.template",
            )
        if category not in VIOLATION_CATEGORIES:
            raise InputError(
                "CANDIDATE_INVALID",
                f"{path.name} {where}.category: 未知类别 {category}",
                f"unknown category {category}",
                field=f"{where}.category",
            )
        model = TEMPLATE_PARAMS.get(template)
        for j, row in enumerate(r.rows):
            if model is None:
                break
            try:
                params = model.model_validate(row).model_dump(mode="json")
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = f"{where}.rows[{j}]." + ".".join(str(x) for x in err["loc"])
                raise InputError(
                    "CANDIDATE_INVALID", f"{path.name} 字段 {loc}: {err['msg']}", loc, field=loc
                ) from None
            rows.append(
                {
                    "rule_code": r.code,
                    "params": params,
                    "source_file": path.name,
                    "source_row": j + 1,
                    "region_scope": "",
                    "effective_from": None,
                    "effective_to": None,
                    "template": template,
                }
            )
        rules.append(
            {
                "rule_code": r.code,
                "rule_version": "candidate",
                "category": category,
                "severity": r.severity,
                "template": template,
                "enabled": True,
                "replace": bool(r.rows),
            }
        )
    return rules, rows, cand.params


def backtest(
    session: Session,
    candidate: Path,
    since: date | None = None,
    until: date | None = None,
    actor: str = "cli",
) -> dict:
    """Run the current knowledge and the candidate over the lake; report added/removed findings.

    The result is kept (``backtest_run``) for the rule catalog page, with the candidate's content hash.
    """
    result = _backtest(session, candidate, since, until)
    run = BacktestRun(
        candidate=Path(candidate).name,
        content_hash=hashlib.sha256(Path(candidate).read_bytes()).hexdigest(),
        actor=actor,
        ran_at=now(),
        since=since,
        until=until,
        result=result,
    )
    session.add(run)
    session.flush()
    audit_log.record(
        session,
        actor,
        "rules.backtest",
        "backtest_run",
        str(run.id),
        {"candidate": run.candidate, "before": result["before"], "after": result["after"]},
    )
    return result


def _backtest(session: Session, candidate: Path, since: date | None, until: date | None) -> dict:
    from fundguard import lake

    cand_rules, cand_rows, cand_params = load_candidate(candidate)
    base = load_knowledge(session)
    params = engine.rule_params(get_profile())
    unknown = set(cand_params) - set(params)
    if unknown:
        raise InputError(
            "CANDIDATE_INVALID",
            f"params 中有未知参数 {sorted(unknown)}",
            f"unknown params {unknown}",
            field="params",
        )
    replaced = {r["rule_code"] for r in cand_rules if r["replace"]}
    codes = {r["rule_code"] for r in cand_rules}
    rows = {t: [r for r in rs if r["rule_code"] not in replaced] for t, rs in base.rows.items()}
    for r in cand_rows:
        rows.setdefault(r["template"], []).append(r)
    rules = [r for r in base.rules if r["rule_code"] not in codes] + [
        {k: v for k, v in r.items() if k != "replace"} for r in cand_rules
    ]
    cand = engine.Knowledge(
        rules=rules, rows=rows, region_settings=base.region_settings, suspensions=base.suspensions
    )

    def run(knowledge, p):
        con = duckdb.connect()
        lake.register_views(con)
        t = engine.run_duckdb(con, knowledge, p, since, until)
        return {(f["rule_code"], f["mdtrt_id"], f["feedetl_sn"] or ""): f["amount"] for f in t.to_pylist()}

    before = run(base, params)
    after = run(cand, {**params, **cand_params})
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(after) & set(before) if after[k] != before[k])
    delta = sum((after[k] for k in after), Decimal("0")) - sum((before[k] for k in before), Decimal("0"))
    return {
        "before": len(before),
        "after": len(after),
        "added": [
            {"rule_code": k[0], "mdtrt_id": k[1], "feedetl_sn": k[2], "amount": str(after[k])} for k in added
        ],
        "removed": [
            {"rule_code": k[0], "mdtrt_id": k[1], "feedetl_sn": k[2], "amount": str(before[k])}
            for k in removed
        ],
        "changed": len(changed),
        "amount_delta": str(delta.quantize(Decimal("0.01"))),
    }
