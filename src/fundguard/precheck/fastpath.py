"""The pre-check fast path: the rule templates evaluated in Python on one visit plus its history.

Batch audit runs ``rules/templates/<template>.sql`` over the whole lake. A pre-check request holds
ONE visit, so planning and running that SQL per request (≈100 ms) is far too slow for the 10 ms
target. This module evaluates the same templates in Python on dictionaries indexed once per
knowledge snapshot, with the same semantics, clause by clause:

- knowledge matching = ``engine.match_sql`` (exact code, or prefix per distinct prefix length;
  region scope against the visit institution's ``admdvs``; effective dates against the fee date);
- every template's conditions, amounts (``round(…, 2)`` half away from zero) and Chinese messages
  (``CAST(x AS VARCHAR)`` renderings: DECIMAL(18,4) keeps four decimals, dates ISO) are copied from
  its SQL, including SQL's NULL behaviour (a message concatenated with NULL is NULL);
- ``engine.wrap`` (rule join, region switch, ``amount > 0``) and ``engine.DEDUP`` (one finding per
  ``rule_code|rule_version|mdtrt_id|feedetl_sn``: highest amount, then the smallest message) and the
  final ORDER BY are applied last.

Rules that need other visits (SPLIT_ADMISSION, IMPERSONATION, FREQUENCY over a period, OVERUSE
per week/month, TRACE_CODE sold before) read ``History``: the patient's other visits/lines and the
request's trace codes sold elsewhere, from the history store (``precheck.history``). Given the same
rows the result equals batch audit's result for the request's visit; ``tests/precheck`` checks it on
every catalogue case and every visit of a synthetic city against the DuckDB engine.

``evidence`` carries the same keys as the SQL but is not byte-identical (it is not part of the answer).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from fundguard.contract import FINDING_COLUMNS
from fundguard.rules.schemas import TEMPLATE_PARAMS, knowledge_columns

CENT = Decimal("0.01")
Q4 = Decimal("0.0001")
ZERO = Decimal(0)
EPOCH_2000 = date(2000, 1, 1)

# Templates that need data no visit history holds (pharmacy stock, purchases): batch audit only.
BATCH_ONLY_TEMPLATES = frozenset({"stock", "swap"})
# Templates whose findings depend on rows outside the request's visit (read from History).
HISTORY_TEMPLATES = frozenset({"split_admission", "impersonation", "frequency", "overuse", "trace_code"})
LINE_TEMPLATES = ("frequency", "overuse")  # the only readers of the patient's other fee lines (History.lines)


# ------------------------------------------------------------------ SQL value helpers


def r2(x: Decimal) -> Decimal:
    """``round(x, 2)`` / ``CAST(x AS DECIMAL(18,2))``: half away from zero."""
    out = x.quantize(CENT, rounding=ROUND_HALF_UP)
    return abs(out) if out == 0 else out


def dec(x, q: Decimal = Q4) -> Decimal | None:
    """A contract decimal (dec4 by default) with its full scale, as DuckDB prints it."""
    if x is None:
        return None
    out = (x if isinstance(x, Decimal) else Decimal(str(x))).quantize(q, rounding=ROUND_HALF_UP)
    return abs(out) if out == 0 else out


def vs(x) -> str | None:
    """``CAST(x AS VARCHAR)``."""
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, datetime):
        return x.isoformat(sep=" ")
    if isinstance(x, date):
        return x.isoformat()
    return str(x)


def cat(*parts) -> str | None:
    """SQL ``a || b || …``: NULL when any part is NULL."""
    out = []
    for p in parts:
        if p is None:
            return None
        out.append(p if isinstance(p, str) else vs(p))
    return "".join(out)


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def rx(s: str | None, pattern: str | None) -> bool:
    """``coalesce(regexp_matches(s, pattern), FALSE)`` (search semantics)."""
    if s is None or pattern is None:
        return False
    return _regex(pattern).search(s) is not None


def days(a, b) -> int | None:
    """``date_diff('day', CAST(a AS DATE), CAST(b AS DATE))``."""
    if a is None or b is None:
        return None
    a = a.date() if isinstance(a, datetime) else a
    b = b.date() if isinstance(b, datetime) else b
    return (b - a).days


def _evidence(**pairs) -> str:
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":"), default=vs)


def _sort_key_nulls_last(x) -> tuple:
    return (x is None, x if x is not None else "")


# ------------------------------------------------------------------ knowledge index


@dataclass(frozen=True, eq=False)
class KRow:
    """One row of ``k_<template>``: the knowledge params (without ``k_``) plus match metadata."""

    rule_code: str
    match: str
    code: str
    region: str
    eff_from: date | None
    eff_to: date | None
    source_file: str
    source_row: int
    p: dict


def _as_date(v) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _typed(kind: str, v):
    """The value as ``engine._arrow_table`` types it."""
    if v is None:
        return None
    if kind == "INTEGER":
        return int(v)
    if kind == "VARCHAR":
        return str(v)
    if kind.startswith("DECIMAL"):
        return Decimal(str(v))
    if kind == "DATE":
        return _as_date(v)
    return v


class KTable:
    """``fg_m_k_<template>`` for one line: exact code dict plus one dict per prefix length."""

    def __init__(self, template: str, rows: Iterable[dict]) -> None:
        kinds = {name[2:]: kind for name, kind in knowledge_columns(template) if name.startswith("k_")}
        self.exact: dict[str, list[KRow]] = defaultdict(list)
        prefix: dict[int, dict[str, list[KRow]]] = defaultdict(lambda: defaultdict(list))
        self.size = 0
        for r in rows:
            params = {name: _typed(kinds[name], v) for name, v in r["params"].items() if name in kinds}
            for name in TEMPLATE_PARAMS[template].model_fields:
                params.setdefault(name, None)
            row = KRow(
                rule_code=r["rule_code"],
                match=params.get("match"),
                code=params.get("code"),
                region=r.get("region_scope") or "",
                eff_from=_as_date(r.get("effective_from")),
                eff_to=_as_date(r.get("effective_to")),
                source_file=r.get("source_file", "") or "",
                source_row=int(r.get("source_row", 0) or 0),
                p=params,
            )
            self.size += 1
            if row.match == "exact":
                self.exact[row.code].append(row)
            elif row.match == "prefix":
                prefix[len(row.code)][row.code].append(row)
        self.exact = dict(self.exact)
        self.prefix = tuple((plen, dict(d)) for plen, d in sorted(prefix.items()))

    def merged(self, template: str) -> tuple[dict, dict]:
        """This table's rows as (template, row) pairs: exact dict and prefix dicts (for ``AllKnowledge``)."""
        return (
            {code: [(template, k) for k in rows] for code, rows in self.exact.items()},
            {
                plen: {code: [(template, k) for k in rows] for code, rows in d.items()}
                for plen, d in self.prefix
            },
        )

    def match(self, code: str, admdvs: str, fee_date: date) -> list[KRow]:
        out = []
        hits = self.exact.get(code)
        if hits:
            out.extend(hits)
        for plen, d in self.prefix:
            hits = d.get(code[:plen])
            if hits:
                out.extend(hits)
        if not out:
            return out
        return [
            k
            for k in out
            if (k.region == "" or k.region == admdvs)
            and (k.eff_from is None or fee_date >= k.eff_from)
            and (k.eff_to is None or fee_date <= k.eff_to)
        ]


class AllKnowledge:
    """Every template's knowledge in one index: a line costs one exact lookup plus one per distinct
    prefix length over all tables, instead of that per template."""

    def __init__(self, ktables: dict[str, KTable]) -> None:
        exact: dict[str, list] = defaultdict(list)
        prefix: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for template in sorted(ktables):
            e, p = ktables[template].merged(template)
            for code, rows in e.items():
                exact[code] += rows
            for plen, d in p.items():
                for code, rows in d.items():
                    prefix[plen][code] += rows
        self.exact = dict(exact)
        self.prefix = tuple((plen, dict(d)) for plen, d in sorted(prefix.items()))

    def match(self, code: str, admdvs: str, fee_date: date) -> list[tuple[str, KRow]]:
        out = []
        hits = self.exact.get(code)
        if hits:
            out.extend(hits)
        for plen, d in self.prefix:
            hits = d.get(code[:plen])
            if hits:
                out.extend(hits)
        if not out:
            return out
        return [
            (t, k)
            for t, k in out
            if (k.region == "" or k.region == admdvs)
            and (k.eff_from is None or fee_date >= k.eff_from)
            and (k.eff_to is None or fee_date <= k.eff_to)
        ]


@dataclass
class Index:
    """Everything a request needs, built once per knowledge snapshot."""

    params: dict
    rules: dict[str, dict]  # rule_code -> rule (rule_version, category, severity, template)
    templates: tuple[str, ...]  # templates to evaluate in Python, in order
    ktables: dict[str, KTable]
    region_enabled: dict[tuple[str, str], bool]
    institutions: dict[str, dict]  # fixmedins_code -> {hosp_lv, fixmedins_type, admdvs}
    practitioners: frozenset[tuple[str, str]]  # (prac_psn_code, fixmedins_code)
    practitioner_count: int
    ceilings: dict[str, list[Decimal | None]]  # catalogue med_list_codg -> pric_uplmt_amt rows
    suspensions: dict[str, list[dict]]  # prac_psn_code -> periods
    inpatient_types: frozenset[str]
    hosp_rank: dict[str, int]
    age_groups: dict[str, tuple[int, int]]
    trace_enforce_from: date | None
    all_knowledge: AllKnowledge = field(default_factory=lambda: AllKnowledge({}))

    def enabled(self, rule_code: str, fixmedins_code: str | None) -> bool:
        rule = self.rules.get(rule_code)
        if rule is None:
            return False
        admdvs = (self.institutions.get(fixmedins_code) or {}).get("admdvs") if fixmedins_code else None
        if admdvs is not None:
            hit = self.region_enabled.get((rule_code, admdvs))
            if hit is not None:
                return hit
        hit = self.region_enabled.get((rule_code, ""))
        if hit is not None:
            return hit
        return bool(rule.get("enabled"))

    def has(self, *rule_codes: str) -> bool:
        return any(c in self.rules for c in rule_codes)


def _master_rows(table) -> list[dict]:
    if table is None:
        return []
    return table.to_pylist() if hasattr(table, "to_pylist") else list(table)


def build_index(knowledge, params: dict, master: dict | None = None, templates: Iterable[str] = ()) -> Index:
    """The fast-path index of ``knowledge`` (``engine.Knowledge``) with the pre-check ``params``."""
    master = master or {}
    institutions: dict[str, dict] = {}
    for r in _master_rows(master.get("fixmedins")):
        institutions[r["fixmedins_code"]] = {
            "hosp_lv": r.get("hosp_lv"),
            "fixmedins_type": r.get("fixmedins_type"),
            "admdvs": r.get("admdvs"),
        }
    prac_rows = _master_rows(master.get("practitioner"))
    ceilings: dict[str, list] = defaultdict(list)
    for r in _master_rows(master.get("catalog")):
        ceilings[r["med_list_codg"]].append(dec(r.get("pric_uplmt_amt")))
    suspensions: dict[str, list[dict]] = defaultdict(list)
    for s in knowledge.suspensions or []:
        suspensions[str(s["prac_psn_code"])].append(
            {
                "start_date": _as_date(s["start_date"]),
                "end_date": _as_date(s.get("end_date")),
                "kind": None if s.get("kind") is None else str(s["kind"]),
            }
        )
    groups = {str(k): (int(v[0]), int(v[1])) for k, v in params["age_groups"].items()}
    groups["劳动年龄"] = (0, int(params["working_age_limit"]))
    ktables = {t: KTable(t, knowledge.rows.get(t, [])) for t in TEMPLATE_PARAMS if t in templates}
    rules = {r["rule_code"]: r for r in knowledge.rules}
    return Index(
        params=params,
        rules=rules,
        templates=tuple(templates),
        ktables=ktables,
        region_enabled={(s["rule_code"], s["region"]): bool(s["enabled"]) for s in knowledge.region_settings},
        institutions=institutions,
        practitioners=frozenset((r["prac_psn_code"], r["fixmedins_code"]) for r in prac_rows),
        practitioner_count=len(prac_rows),
        ceilings=dict(ceilings),
        suspensions=dict(suspensions),
        inpatient_types=frozenset(str(x) for x in params["inpatient_med_types"]),
        hosp_rank={str(k): int(v) for k, v in params["hosp_level_rank"].items()},
        age_groups=groups,
        trace_enforce_from=_as_date(params.get("trace_enforce_from")),
        all_knowledge=AllKnowledge(ktables),
    )


# ------------------------------------------------------------------ the visit as fg_visit / fg_line


@dataclass
class History:
    """Rows of OTHER visits (never the request's ``mdtrt_id``) that history rules read.

    ``visits``: mdtrt_id, psn_no, fixmedins_code, gend, med_type, begntime, endtime, main_diag_code.
    ``lines``: feedetl_sn, mdtrt_id, psn_no, fixmedins_code, visit_fixmedins_code, fee_ocur_time,
    med_list_codg, cnt (lines whose visit exists, like ``fg_line``).
    ``traces``: drug_trac_codg, feedetl_sn, sort_time (= coalesce(scan_time, the line's fee time)).
    A subset is fine as long as it holds every row a rule can need (see ``history.fetch``).
    """

    visits: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    traces: list[dict] = field(default_factory=list)


EMPTY_HISTORY = History()


VISIT_FIELDS = (
    "mdtrt_id", "psn_no", "gend", "age", "brdy", "fixmedins_code", "med_type", "begntime", "endtime", "ipt_days",
    "adm_dept_name", "dscg_dept_name", "chfpdr_code", "dscg_maindiag_name", "dscg_maindiag_code", "hosp_lv",
)  # fmt: skip


# visit fields every ``fg_line`` row carries
LINE_VISIT_FIELDS = (
    "gend", "age", "brdy", "med_type", "begntime", "endtime", "ipt_days", "adm_dept_name", "dscg_dept_name",
    "main_diag_code", "dscg_maindiag_name", "hosp_lv", "fixmedins_type", "admdvs", "is_inpatient",
)  # fmt: skip


def prepare_visit(ix: Index, visit: dict) -> tuple[dict, list[dict]]:
    """``fg_visit`` row and ``fg_line`` rows of the request's visit (typed contract values)."""
    m = visit["mdtrt"][0]
    inst = ix.institutions.get(m["fixmedins_code"]) or {}
    flagged = [
        d["diag_code"] for d in visit.get("diag", []) if d.get("maindiag_flag") == "1" and d.get("diag_code")
    ]
    main = m.get("dscg_maindiag_code")
    v = {
        **{k: m.get(k) for k in VISIT_FIELDS},
        **m,
        "main_diag_code": main if main is not None else (min(flagged) if flagged else None),
        "hosp_lv": inst.get("hosp_lv") if inst.get("hosp_lv") is not None else m.get("hosp_lv"),
        "fixmedins_type": inst.get("fixmedins_type"),
        "admdvs": inst.get("admdvs") or "",
        "is_inpatient": 1 if m.get("med_type") in ix.inpatient_types else 0,
        "setl_id": None,
    }
    shared = {k: v[k] for k in LINE_VISIT_FIELDS}  # the same for every line: built once per visit
    lines = []
    for f in visit.get("fee_list", []):
        if f.get("mdtrt_id") != m["mdtrt_id"]:
            continue
        name = f.get("medins_list_name")
        if name is None:
            name = f.get("hilist_name")
        lines.append(
            {
                **f,
                "setl_id": f.get("setl_id") if f.get("setl_id") is not None else v["setl_id"],
                "fee_date": f["fee_ocur_time"].date(),
                "item_name": name if name is not None else f["med_list_codg"],
                "pric_uplmt_amt": f.get("pric_uplmt_amt"),
                **shared,
            }
        )
    return v, lines


def _line_row(rule_code, line, amount, message, evidence) -> dict:
    return {
        "rule_code": rule_code,
        "mdtrt_id": line["mdtrt_id"],
        "setl_id": line.get("setl_id"),
        "feedetl_sn": line["feedetl_sn"],
        "psn_no": line.get("psn_no"),
        "fixmedins_code": line.get("fixmedins_code"),
        "prac_psn_code": line.get("bilg_dr_codg"),
        "amount": amount,
        "message": message,
        "evidence": evidence,
    }


def _visit_amount(lines: list[dict]) -> tuple[Decimal, str | None] | None:
    """``fg_visit_amount``: sum of the visit's line amounts and min(bilg_dr_codg); None without lines."""
    if not lines:
        return None
    drs = [x["bilg_dr_codg"] for x in lines if x.get("bilg_dr_codg") is not None]
    return sum((x["det_item_fee_sumamt"] for x in lines), ZERO), (min(drs) if drs else None)


def _visit_row(rule_code, v, amt, amount, message, evidence) -> dict:
    return {
        "rule_code": rule_code,
        "mdtrt_id": v["mdtrt_id"],
        "setl_id": v.get("setl_id"),
        "feedetl_sn": None,
        "psn_no": v.get("psn_no"),
        "fixmedins_code": v.get("fixmedins_code"),
        "prac_psn_code": v.get("chfpdr_code") if v.get("chfpdr_code") is not None else amt[1],
        "amount": amount,
        "message": message,
        "evidence": evidence,
    }


class Ctx:
    """One evaluation: the index, the visit, its lines and the history; caches knowledge matches."""

    def __init__(self, ix: Index, v: dict, lines: list[dict], visit: dict, history: History) -> None:
        self.ix, self.v, self.lines, self.visit, self.history = ix, v, lines, visit, history
        self._matches: dict[str, list[tuple[dict, KRow]]] | None = None

    def matches(self, template: str) -> list[tuple[dict, KRow]]:
        """``fg_m_k_<template>`` restricted to the request's lines (every template's, in one pass)."""
        if self._matches is None:
            self._matches = defaultdict(list)
            for line in self.lines:
                for t, k in self.ix.all_knowledge.match(
                    line["med_list_codg"], line["admdvs"], line["fee_date"]
                ):
                    self._matches[t].append((line, k))
        return self._matches.get(template, [])


# ------------------------------------------------------------------ templates (one per SQL file)


def t_gender(c: Ctx, out: list) -> None:
    for m, k in c.matches("gender"):
        if m["gend"] in ("1", "2") and k.p["allowed_gend"] is not None and m["gend"] != k.p["allowed_gend"]:
            msg = cat(
                "项目“", m["item_name"], "”限", "男" if k.p["allowed_gend"] == "1" else "女",
                "性使用，但患者性别为", "男" if m["gend"] == "1" else "女", "。",
            )  # fmt: skip
            ev = _evidence(item=m["med_list_codg"], gend=m["gend"], allowed_gend=k.p["allowed_gend"],
                           source_file=k.source_file, source_row=k.source_row)  # fmt: skip
            out.append(_line_row(k.rule_code, m, m["det_item_fee_sumamt"], msg, ev))


def t_age(c: Ctx, out: list) -> None:
    newborn_max = int(c.ix.params["newborn_max_days"])
    for m, k in c.matches("age"):
        g = c.ix.age_groups.get(k.p["age_group"])
        if g is None or m["age"] is None:
            continue
        if k.p["age_group"] == "新生儿" and m.get("brdy") is not None:
            fires = days(m["brdy"], m["fee_ocur_time"]) > newborn_max
        else:
            fires = m["age"] < g[0] or m["age"] > g[1]
        if fires:
            msg = cat("项目“", m["item_name"], "”限", k.p["age_group"], "（", vs(g[0]), "–", vs(g[1]),
                      "岁）使用，但患者年龄为", vs(m["age"]), "岁。")  # fmt: skip
            ev = _evidence(item=m["med_list_codg"], age=m["age"], age_group=k.p["age_group"], min_age=g[0],
                           max_age=g[1], source_file=k.source_file, source_row=k.source_row)  # fmt: skip
            out.append(_line_row(k.rule_code, m, m["det_item_fee_sumamt"], msg, ev))


def t_hosp_level(c: Ctx, out: list) -> None:
    for m, k in c.matches("hosp_level"):
        rank = c.ix.hosp_rank.get(m["hosp_lv"]) if m["hosp_lv"] is not None else None
        if rank is None or k.p["min_rank"] is None or not rank < k.p["min_rank"]:
            continue
        level = {3: "三级", 2: "二级"}.get(k.p["min_rank"], "一级")
        msg = cat(
            "项目“",
            m["item_name"],
            "”限",
            level,
            "及以上医疗机构使用，但本机构等级代码为",
            m["hosp_lv"],
            "。",
        )
        ev = _evidence(item=m["med_list_codg"], hosp_lv=m["hosp_lv"], rank=rank, min_rank=k.p["min_rank"],
                       source_file=k.source_file, source_row=k.source_row)  # fmt: skip
        out.append(_line_row(k.rule_code, m, m["det_item_fee_sumamt"], msg, ev))


def t_med_type(c: Ctx, out: list) -> None:
    for m, k in c.matches("med_type"):
        s = k.p["setting"]
        if (s == "inpatient" and m["is_inpatient"] == 0) or (s == "outpatient" and m["is_inpatient"] == 1):
            msg = cat("项目“", m["item_name"], "”限", "住院" if s == "inpatient" else "门诊",
                      "使用，但本次就诊类型为", m["med_type"] if m["med_type"] is not None else "未知", "。")  # fmt: skip
            ev = _evidence(item=m["med_list_codg"], med_type=m["med_type"], setting=s,
                           source_file=k.source_file, source_row=k.source_row)  # fmt: skip
            out.append(_line_row(k.rule_code, m, m["det_item_fee_sumamt"], msg, ev))


def t_indication(c: Ctx, out: list) -> None:
    diag_names = [d.get("diag_name") for d in c.visit.get("diag", [])] or [None]
    groups: dict[tuple, list[tuple[dict, KRow]]] = {}
    for m, k in c.matches("indication"):
        groups.setdefault((k.rule_code, m["feedetl_sn"], k.source_file, k.source_row), []).append((m, k))
    for (rule_code, _sn, source_file, source_row), pairs in groups.items():
        if any(rx(m["dscg_maindiag_name"], k.p["pattern"]) or any(rx(n, k.p["pattern"]) for n in diag_names)
               for m, k in pairs):  # fmt: skip
            continue
        m = pairs[0][0]
        pattern = max((k.p["pattern"] for _, k in pairs if k.p["pattern"] is not None), default=None)
        msg = cat("项目“", m["item_name"], "”限", pattern, "相关诊断使用，但本次就诊无符合的诊断。")
        ev = _evidence(item=m["med_list_codg"], pattern=pattern, main_diag=m["dscg_maindiag_name"],
                       source_file=source_file, source_row=source_row)  # fmt: skip
        out.append(_line_row(rule_code, m, m["det_item_fee_sumamt"], msg, ev))


def t_department(c: Ctx, out: list) -> None:
    for m, k in c.matches("department"):
        pat = k.p["pattern"]
        if rx(m.get("bilg_dept_name"), pat) or rx(m["adm_dept_name"], pat) or rx(m["dscg_dept_name"], pat):
            continue
        dept = next((x for x in (m.get("bilg_dept_name"), m["adm_dept_name"]) if x is not None), "未知")
        msg = cat("项目“", m["item_name"], "”限", pat, "专科使用，但开单科室为“", dept, "”。")
        ev = _evidence(item=m["med_list_codg"], pattern=pat, bilg_dept_name=m.get("bilg_dept_name"),
                       adm_dept_name=m["adm_dept_name"], dscg_dept_name=m["dscg_dept_name"],
                       source_file=k.source_file, source_row=k.source_row)  # fmt: skip
        out.append(_line_row(k.rule_code, m, m["det_item_fee_sumamt"], msg, ev))


def _history_pairs(c: Ctx, template: str) -> list[tuple[dict, KRow]]:
    """``fg_m_k_<template>`` rows of the patient's OTHER lines (from History)."""
    kt = c.ix.ktables.get(template)
    if kt is None or not kt.size or not c.history.lines:
        return []
    out = []
    for h in c.history.lines:
        inst = c.ix.institutions.get(h.get("visit_fixmedins_code")) or {}
        fee_date = h["fee_ocur_time"].date()
        for k in kt.match(h["med_list_codg"], inst.get("admdvs") or "", fee_date):
            out.append(({**h, "fee_date": fee_date, "_history": True}, k))
    return out


def reads_history_line(ix: Index, code: str) -> bool:
    """Whether a FREQUENCY or OVERUSE rule of ``ix`` can read a history line of ``code``.

    By code only (exact or prefix), for any region and date: a superset of what ``_history_pairs``
    matches, so a line this rejects can change no finding of this knowledge.
    """
    for template in LINE_TEMPLATES:
        kt = ix.ktables.get(template)  # built only for the templates the knowledge runs
        if kt is None:
            continue
        if code in kt.exact or any(code[:plen] in d for plen, d in kt.prefix):
            return True
    return False


def _before_or_same(b: dict, a: dict) -> bool:
    return b["fee_ocur_time"] < a["fee_ocur_time"] or (
        b["fee_ocur_time"] == a["fee_ocur_time"] and b["feedetl_sn"] <= a["feedetl_sn"]
    )


def t_frequency(c: Ctx, out: list) -> None:
    mine = c.matches("frequency")
    if not mine:
        return
    everyone = mine + _history_pairs(c, "frequency")
    by_key: dict[tuple, list[tuple[dict, KRow]]] = defaultdict(list)
    for b, kb in everyone:
        by_key[(b.get("psn_no"), kb.rule_code, kb.source_row)].append((b, kb))
    running: dict[tuple, Decimal] = {}
    for a, ka in mine:  # w: GROUP BY a.rule_code, a.feedetl_sn, a.k_source_row over every a row
        key = (ka.rule_code, a["feedetl_sn"], ka.source_row)
        total = running.get(key, ZERO)
        hit = False
        for b, _kb in by_key[(a.get("psn_no"), ka.rule_code, ka.source_row)]:
            d = days(b["fee_date"], a["fee_date"])
            if (
                ka.p["window_days"] is not None
                and 0 <= d <= ka.p["window_days"] - 1
                and _before_or_same(b, a)
            ):
                total += b["cnt"]
                hit = True
        if hit or key in running:
            running[key] = total
    for m, k in mine:
        units = running.get((k.rule_code, m["feedetl_sn"], k.source_row))
        if units is None or k.p["max_units"] is None or not units > k.p["max_units"]:
            continue
        excess = min(m["cnt"], units - k.p["max_units"])
        window = k.p["window_days"]
        msg = cat("项目“", m["item_name"], "”", "每日" if window == 1 else cat(vs(window), "天内"), "限",
                  vs(k.p["max_units"]), "次（单位），累计已达", vs(r2(units)), "。")  # fmt: skip
        ev = _evidence(item=m["med_list_codg"], running_units=units, max_units=k.p["max_units"],
                       window_days=window, excess_units=excess, source_file=k.source_file,
                       source_row=k.source_row)  # fmt: skip
        out.append(_line_row(k.rule_code, m, r2(excess * m["pric"]), msg, ev))


def t_quantity(c: Ctx, out: list) -> None:
    pairs = c.matches("quantity")
    first: dict[tuple, date] = {}
    for m, k in pairs:
        key = (k.rule_code, k.p["group"])
        if key not in first or m["fee_date"] < first[key]:
            first[key] = m["fee_date"]
    for m, k in pairs:
        f = first[(k.rule_code, k.p["group"])]
        n = days(f, m["fee_date"])
        if k.p["max_days"] is None or not n > k.p["max_days"] - 1:
            continue
        msg = cat(
            "药品“",
            k.p["group"],
            "”限支付",
            vs(k.p["max_days"]),
            "天，本次费用发生在首次用药后第",
            vs(n + 1),
            "天。",
        )
        ev = _evidence(item=m["med_list_codg"], first_date=f, fee_date=m["fee_date"], max_days=k.p["max_days"],
                       source_file=k.source_file, source_row=k.source_row)  # fmt: skip
        out.append(_line_row(k.rule_code, m, m["det_item_fee_sumamt"], msg, ev))


PERIOD_WORD = {"day": "日", "visit": "次就诊", "6h": "6小时内"}


def t_exclusive(c: Ctx, out: list) -> None:
    for s, k in c.matches("exclusive"):
        main = k.p["main_code"]
        if main is None:
            continue
        for mn in c.lines:
            if mn["feedetl_sn"] == s["feedetl_sn"] or mn["med_list_codg"][: len(main)] != main:
                continue
            if not (k.match == "prefix" or mn["med_list_codg"] == main):
                continue
            period = k.p["period"]
            if period == "day":
                ok = s["fee_date"] == mn["fee_date"]
            elif period == "visit":
                ok = True
            elif period == "6h":
                ok = abs((s["fee_ocur_time"] - mn["fee_ocur_time"]).total_seconds()) <= 21600
            else:
                ok = mn["fee_ocur_time"].replace(minute=0, second=0, microsecond=0) == s[
                    "fee_ocur_time"
                ].replace(minute=0, second=0, microsecond=0)
            if not ok:
                continue
            msg = cat("项目“", s["item_name"], "”已包含在同", PERIOD_WORD.get(period, "一小时"), "收取的“",
                      k.p["main_name"], "”中，不应另行收费。")  # fmt: skip
            ev = _evidence(item=s["med_list_codg"], main_item=mn["med_list_codg"], main_feedetl_sn=mn["feedetl_sn"],
                           period=period, source_file=k.source_file, source_row=k.source_row)  # fmt: skip
            out.append(_line_row(k.rule_code, s, s["det_item_fee_sumamt"], msg, ev))


def t_add_on(c: Ctx, out: list) -> None:
    for s, k in c.matches("add_on"):
        main = k.p["main_code"]
        if main is None:
            continue
        if any(
            mn["feedetl_sn"] != s["feedetl_sn"] and mn["med_list_codg"][: len(main)] == main for mn in c.lines
        ):
            continue
        msg = cat("加收项目“", s["item_name"], "”所依附的主项目“", k.p["main_name"], "”在本次就诊中未收费。")
        ev = _evidence(
            item=s["med_list_codg"], main_code=main, source_file=k.source_file, source_row=k.source_row
        )
        out.append(_line_row(k.rule_code, s, s["det_item_fee_sumamt"], msg, ev))


def t_overuse(c: Ctx, out: list) -> None:
    mine = c.matches("overuse")
    if not mine:
        return

    def period_start(x: dict, k: KRow) -> date:
        d = x["fee_ocur_time"].date()
        return d - timedelta(days=d.weekday()) if k.p["period"] == "week" else d.replace(day=1)

    parts: dict[tuple, list[tuple[dict, KRow]]] = defaultdict(list)
    for x, k in mine + _history_pairs(c, "overuse"):
        parts[(x.get("psn_no"), k.rule_code, k.source_row, period_start(x, k))].append((x, k))
    for rows in parts.values():
        rows.sort(key=lambda p: (p[0]["fee_ocur_time"], p[0]["feedetl_sn"]))
        for n, (x, k) in enumerate(rows, start=1):
            if x.get("_history") or k.p["max_count"] is None or not n > k.p["max_count"]:
                continue
            msg = cat("项目“", x["item_name"], "”", "每周" if k.p["period"] == "week" else "每月", "限",
                      vs(k.p["max_count"]), "次，本次为该周期第", vs(n), "次。")  # fmt: skip
            ev = _evidence(item=x["med_list_codg"], period=k.p["period"], period_start=period_start(x, k), nth=n,
                           max_count=k.p["max_count"], source_file=k.source_file, source_row=k.source_row)  # fmt: skip
            out.append(_line_row(k.rule_code, x, x["det_item_fee_sumamt"], msg, ev))


def t_duplicate(c: Ctx, out: list) -> None:
    parts: dict[tuple, list[dict]] = defaultdict(list)
    for x in c.lines:
        parts[(x["med_list_codg"], x["fee_ocur_time"], x["cnt"], x["pric"])].append(x)
    for rows in parts.values():
        if len(rows) < 2:
            continue
        rows.sort(key=lambda x: x["feedetl_sn"])
        first = rows[0]["feedetl_sn"]
        for n, x in enumerate(rows[1:], start=2):
            msg = cat("项目“", x["item_name"], "”在同一时间以相同数量和单价重复收费（第", vs(n), "条）。")
            ev = _evidence(
                item=x["med_list_codg"], fee_ocur_time=x["fee_ocur_time"], first_feedetl_sn=first, nth=n
            )
            out.append(_line_row("DUP-P01", x, x["det_item_fee_sumamt"], msg, ev))


def t_duration(c: Ctx, out: list) -> None:
    p = c.ix.params
    beds = [
        x
        for x in c.lines
        if x.get("med_chrgitm_type") == str(p["bed_chrgitm_type"]) and x["is_inpatient"] == 1
    ]
    if not beds:
        return
    bed_units = sum((x["cnt"] for x in beds), ZERO)
    order = sorted(beds, key=lambda x: (x["fee_ocur_time"], x["feedetl_sn"]), reverse=True)
    later = ZERO
    for b in order:
        d = days(b["begntime"], b["endtime"])
        stay = b["ipt_days"] if b["ipt_days"] is not None else max(d, 1) if d is not None else 1
        excess_total = bed_units - stay - later
        if bed_units > stay and excess_total > 0:
            excess = min(b["cnt"], excess_total)
            msg = cat("床位费共计", vs(r2(bed_units)), "天，超过住院天数", vs(stay), "天。")
            ev = _evidence(bed_units=bed_units, stay_days=stay, excess_units_on_line=excess)
            out.append(_line_row("DUR-P01", b, r2(excess * b["pric"]), msg, ev))
        later += b["cnt"]


def t_bed_hanging(c: Ctx, out: list) -> None:
    p = c.ix.params
    idle_types = {str(x) for x in p["bed_idle_types"]}
    by_day: dict[date, list[dict]] = defaultdict(list)
    for x in c.lines:
        if x["is_inpatient"] == 1:
            by_day[x["fee_date"]].append(x)
    if not by_day:
        return
    idle_days = sorted(
        d for d, xs in by_day.items() if all(x.get("med_chrgitm_type") in idle_types for x in xs)
    )
    runs: dict[int, list[date]] = defaultdict(list)
    for n, d in enumerate(idle_days, start=1):
        runs[days(EPOCH_2000, d) - n].append(d)
    qualifying = [ds for ds in runs.values() if len(ds) >= int(p["bed_min_days"])]
    amt = _visit_amount(c.lines)
    if not qualifying or amt is None:
        return
    total = sum((x["det_item_fee_sumamt"] for ds in qualifying for d in ds for x in by_day[d]), ZERO)
    longest = max(len(ds) for ds in qualifying)
    msg = cat("住院期间连续", vs(longest), "天只有床位、护理费用而无诊疗，疑似挂床住院。")
    ev = _evidence(idle_days=sum(len(ds) for ds in qualifying), longest_run=longest,
                   first_idle_day=min(min(ds) for ds in qualifying), min_days=int(p["bed_min_days"]))  # fmt: skip
    out.append(_visit_row("BED-P01", c.v, amt, total, msg, ev))


def t_phantom(c: Ctx, out: list) -> None:
    if c.visit.get("oprn"):
        return
    kind = str(c.ix.params["surgery_chrgitm_type"])
    for x in c.lines:
        if x.get("med_chrgitm_type") == kind:
            msg = cat("收取手术费“", x["item_name"], "”，但本次就诊没有任何手术操作记录。")
            ev = _evidence(item=x["med_list_codg"], med_chrgitm_type=x.get("med_chrgitm_type"))
            out.append(_line_row("PHA-P01", x, x["det_item_fee_sumamt"], msg, ev))


def t_price(c: Ctx, out: list) -> None:
    tol = Decimal(str(c.ix.params["price_tolerance"]))
    for x in c.lines:
        rows = c.ix.ceilings.get(x["med_list_codg"]) or [None]
        for cat_ceiling in rows:
            ceiling = cat_ceiling if cat_ceiling is not None else x["pric_uplmt_amt"]
            if ceiling is None or not x["pric"] > ceiling + tol:
                continue
            pric, limit = vs(dec(x["pric"])), vs(dec(ceiling))  # DECIMAL(18,4) as DuckDB prints it
            msg = cat("项目“", x["item_name"], "”单价", pric, "元，超过最高限价", limit, "元。")
            ev = _evidence(item=x["med_list_codg"], pric=x["pric"], ceiling=ceiling, cnt=x["cnt"])
            out.append(_line_row("PRC-P01", x, r2((x["pric"] - ceiling) * x["cnt"]), msg, ev))


def t_other(c: Ctx, out: list) -> None:
    if c.ix.practitioner_count <= 0:
        return
    for x in c.lines:
        dr = x.get("bilg_dr_codg")
        if dr is None or dr == "" or (dr, x.get("fixmedins_code")) in c.ix.practitioners:
            continue
        msg = cat("开单医师", dr, "未在本机构（", x.get("fixmedins_code"), "）备案医保支付资格。")
        ev = _evidence(bilg_dr_codg=dr, fixmedins_code=x.get("fixmedins_code"))
        out.append(_line_row("OTH-P01", x, x["det_item_fee_sumamt"], msg, ev))


TERMINATED = ("termination", "terminated")


def t_suspended_person(c: Ctx, out: list) -> None:
    if not c.ix.suspensions:
        return
    p = c.ix.params
    emergency = any(
        (x["med_type"] in {str(t) for t in p["emergency_med_types"]})
        or rx(x["adm_dept_name"], p["emergency_dept_pattern"])
        or rx(x.get("bilg_dept_name"), p["emergency_dept_pattern"])
        or rx(x["item_name"], p["rescue_item_pattern"])
        for x in c.lines
    )
    for x in c.lines:
        for s in c.ix.suspensions.get(x.get("bilg_dr_codg") or "", ()):
            if s["start_date"] is None or x["fee_date"] < s["start_date"]:
                continue
            if s["end_date"] is not None and not x["fee_date"] < s["end_date"]:
                continue
            terminated = s["kind"] in TERMINATED
            if s["kind"] is None:  # SQL: NULL IN (…) is NULL, and NOT NULL filters the row out
                exempt = p["emergency_exempt_termination"] or p["emergency_exempt_suspension"]
            else:
                exempt = p["emergency_exempt_termination"] if terminated else p["emergency_exempt_suspension"]
            if emergency and exempt:
                continue
            msg = cat("开单医师", x["bilg_dr_codg"], "在", vs(x["fee_date"]), "处于医保支付资格",
                      "终止" if terminated else "暂停", "期间。")  # fmt: skip
            ev = _evidence(
                kind=s["kind"], start_date=s["start_date"], end_date=s["end_date"], fee_date=x["fee_date"]
            )
            out.append(_line_row("SUS-P01", x, x["det_item_fee_sumamt"], msg, ev))


def t_trace_code(c: Ctx, out: list) -> None:
    ix = c.ix
    by_sn = {x["feedetl_sn"]: x for x in c.lines}
    mine = [
        {"drug_trac_codg": t["drug_trac_codg"], "feedetl_sn": t["feedetl_sn"],
         "sort_time": t.get("scan_time") or by_sn[t["feedetl_sn"]]["fee_ocur_time"]}
        for t in c.visit.get("trace", [])
        if t["feedetl_sn"] in by_sn
    ]  # fmt: skip
    if "TRC-P01" in ix.rules and mine:
        codes = {t["drug_trac_codg"] for t in mine}
        sold: dict[str, list[tuple]] = defaultdict(list)
        for t in mine:
            sold[t["drug_trac_codg"]].append((t["sort_time"], t["feedetl_sn"], True))
        for h in c.history.traces:
            if h["drug_trac_codg"] in codes and h["feedetl_sn"] not in by_sn:
                sold[h["drug_trac_codg"]].append((h["sort_time"], h["feedetl_sn"], False))
        for code, rows in sold.items():
            rows.sort(key=lambda r: (r[0], r[1]))
            first_sn = rows[0][1]
            for n, (_t, sn, own) in enumerate(rows, start=1):
                if n == 1 or not own:
                    continue
                x = by_sn[sn]
                msg = cat("药品追溯码", code, "已在费用明细", first_sn, "中销售过，重复销售。")
                ev = _evidence(drug_trac_codg=code, first_feedetl_sn=first_sn, nth=n)
                out.append(_line_row("TRC-P01", x, x["det_item_fee_sumamt"], msg, ev))
    if "TRC-P02" in ix.rules:
        traced = {t["feedetl_sn"] for t in c.visit.get("trace", [])}
        pharmacy = str(ix.params["pharmacy_type"])
        for x in c.lines:
            if (
                x["feedetl_sn"] not in traced
                and x["fixmedins_type"] == pharmacy
                and x["med_list_codg"][:1] in ("X", "Z")
                and ix.trace_enforce_from is not None
                and x["fee_date"] >= ix.trace_enforce_from
            ):
                msg = cat("药店销售药品“", x["item_name"], "”未上传药品追溯码。")
                ev = _evidence(
                    item=x["med_list_codg"], fee_date=x["fee_date"], enforce_from=ix.trace_enforce_from
                )
                out.append(_line_row("TRC-P02", x, x["det_item_fee_sumamt"], msg, ev))


def _visit_key(x: dict) -> tuple:
    return (x["begntime"], x["mdtrt_id"])


def t_split_admission(c: Ctx, out: list) -> None:
    v, p = c.v, c.ix.params
    if v["is_inpatient"] != 1:
        return
    same = [
        h for h in c.history.visits
        if h.get("psn_no") == v["psn_no"] and h.get("fixmedins_code") == v["fixmedins_code"]
        and h.get("med_type") in c.ix.inpatient_types and _visit_key(h) < _visit_key(v)
    ]  # fmt: skip
    amt = _visit_amount(c.lines)
    if not same or amt is None:
        return
    prev = max(same, key=_visit_key)
    prev_end, prev_diag = prev.get("endtime"), prev.get("main_diag_code")
    gap = days(prev_end, v["begntime"])
    if gap is None or not 0 <= gap <= int(p["split_window_days"]):
        return
    main = v["main_diag_code"]
    same_diag = main is not None and prev_diag is not None and main[:3] == prev_diag[:3]
    if p["split_match"] == "same_3char_main_diag" and not same_diag:
        return
    if rx(main or "", p["split_exempt_pattern"]):
        return
    msg = cat(
        "出院后",
        vs(gap),
        "天内以相同主诊断（",
        None if main is None else main[:3],
        "）再次入住同一机构，疑似分解住院。",
    )
    ev = _evidence(prev_mdtrt_id=prev["mdtrt_id"], prev_endtime=prev_end, begntime=v["begntime"],
                   main_diag_code=main, prev_diag=prev_diag, window_days=p["split_window_days"])  # fmt: skip
    out.append(_visit_row("SPL-P01", v, amt, amt[0], msg, ev))


def t_impersonation(c: Ctx, out: list) -> None:
    v = c.v
    amt = _visit_amount(c.lines)
    if amt is None:
        return
    others = [h for h in c.history.visits if h.get("psn_no") == v["psn_no"]]
    if v["is_inpatient"] == 1:
        for a in others:
            if (
                a.get("med_type") in c.ix.inpatient_types
                and a.get("fixmedins_code") != v["fixmedins_code"]
                and _visit_key(v) > _visit_key(a)
                and a.get("endtime") is not None
                and v["begntime"] < a["endtime"]
            ):
                msg = cat("该参保人在另一机构住院期间（", a["fixmedins_code"], "，就诊", a["mdtrt_id"],
                          "）又在本机构住院，疑似冒名就医。")  # fmt: skip
                ev = _evidence(other_mdtrt_id=a["mdtrt_id"], other_fixmedins_code=a["fixmedins_code"],
                               other_begntime=a["begntime"], other_endtime=a["endtime"], begntime=v["begntime"])  # fmt: skip
                out.append(_visit_row("IMP-P01", v, amt, amt[0], msg, ev))
    if v["gend"] in ("1", "2"):
        first = min((h for h in [*others, v] if h.get("gend") in ("1", "2")), key=_visit_key)
        if first["gend"] != v["gend"]:
            msg = cat(
                "本次就诊性别（",
                v["gend"],
                "）与该参保人首次就诊性别（",
                first["gend"],
                "）不一致，疑似冒名就医。",
            )
            ev = _evidence(gend=v["gend"], first_gend=first["gend"], first_mdtrt_id=first["mdtrt_id"])
            out.append(_visit_row("IMP-P02", v, amt, amt[0], msg, ev))


TEMPLATES: dict[str, Callable[[Ctx, list], None]] = {
    "add_on": t_add_on,
    "age": t_age,
    "bed_hanging": t_bed_hanging,
    "department": t_department,
    "duplicate": t_duplicate,
    "duration": t_duration,
    "exclusive": t_exclusive,
    "frequency": t_frequency,
    "gender": t_gender,
    "hosp_level": t_hosp_level,
    "impersonation": t_impersonation,
    "indication": t_indication,
    "med_type": t_med_type,
    "other": t_other,
    "overuse": t_overuse,
    "phantom": t_phantom,
    "price": t_price,
    "quantity": t_quantity,
    "split_admission": t_split_admission,
    "suspended_person": t_suspended_person,
    "trace_code": t_trace_code,
}


# ------------------------------------------------------------------ wrap + dedup


def finalize(ix: Index, rows: list[dict]) -> list[dict]:
    """``engine.wrap`` (rule join, region switch, amount > 0, DECIMAL(18,2)) + ``engine.DEDUP`` + ORDER BY."""
    best: dict[tuple, dict] = {}
    for t in rows:
        rule = ix.rules.get(t["rule_code"])
        if rule is None or t["amount"] is None or not t["amount"] > 0:
            continue
        if not ix.enabled(t["rule_code"], t["fixmedins_code"]):
            continue
        f = {
            **t,
            "rule_version": rule["rule_version"],
            "category": rule["category"],
            "severity": rule["severity"],
            "amount": r2(t["amount"]),
        }
        key = (t["rule_code"], rule["rule_version"], t["mdtrt_id"], t["feedetl_sn"] or "")
        old = best.get(key)
        if old is None or (f["amount"], _Rev(f["message"])) > (old["amount"], _Rev(old["message"])):
            best[key] = f
    out = []
    for (code, version, mdtrt_id, sn), f in best.items():
        raw = f"{code}|{version}|{mdtrt_id}|{sn}"
        f["finding_id"] = hashlib.md5(raw.encode()).hexdigest()  # noqa: S324 — same id as engine.wrap
        out.append({c: f.get(c) for c in FINDING_COLUMNS})
    out.sort(
        key=lambda f: (f["category"], f["rule_code"], f["mdtrt_id"], *_sort_key_nulls_last(f["feedetl_sn"]))
    )
    return out


class _Rev:
    """Inverts string order so that max() prefers the smallest message (NULL messages last)."""

    __slots__ = ("s",)

    def __init__(self, s: str | None) -> None:
        self.s = s

    def __lt__(self, other: _Rev) -> bool:
        if self.s is None:
            return other.s is not None
        if other.s is None:
            return False
        return self.s > other.s

    def __gt__(self, other: _Rev) -> bool:
        return other < self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Rev) and self.s == other.s


@dataclass
class Needs:
    """What the request's history rules will read (``history.fetch`` queries only that)."""

    psn_no: str
    mdtrt_id: str
    fixmedins_code: str
    begntime: datetime
    inpatient_types: frozenset[str]
    first_gend: bool = False  # IMP-P02: the patient's earliest visit with gend 1/2
    prev_inpatient: bool = False  # SPL-P01: the previous inpatient visit at the same institution
    overlaps: bool = False  # IMP-P01: inpatient stays at other institutions still open at begntime
    line_window: tuple[date, datetime] | None = None  # FREQUENCY/OVERUSE: the patient's lines in [lo, hi]
    trace_codes: frozenset[str] = frozenset()  # TRC-P01: where these codes were sold before
    exclude_sns: frozenset[str] = frozenset()

    @property
    def any(self) -> bool:
        return bool(
            self.first_gend or self.prev_inpatient or self.overlaps or self.line_window or self.trace_codes
        )


def plan(ix: Index, visit: dict) -> Ctx:
    """Prepare the visit (``fg_visit``/``fg_line``) once; ``needs`` and ``run`` share it."""
    v, lines = prepare_visit(ix, visit)
    return Ctx(ix, v, lines, visit, EMPTY_HISTORY)


def needs(ctx: Ctx) -> Needs:
    ix, v = ctx.ix, ctx.v
    n = Needs(
        psn_no=v["psn_no"],
        mdtrt_id=v["mdtrt_id"],
        fixmedins_code=v["fixmedins_code"],
        begntime=v["begntime"],
        inpatient_types=ix.inpatient_types,
        exclude_sns=frozenset(x["feedetl_sn"] for x in ctx.lines),
    )
    if not ctx.lines:  # every history rule needs a line of the request's visit
        return n
    templates = set(ix.templates)
    if "impersonation" in templates:
        n.first_gend = "IMP-P02" in ix.rules and v["gend"] in ("1", "2")
        n.overlaps = "IMP-P01" in ix.rules and v["is_inpatient"] == 1
    if "split_admission" in templates:
        n.prev_inpatient = "SPL-P01" in ix.rules and v["is_inpatient"] == 1
    lo, hi = None, None
    for template in LINE_TEMPLATES:
        if template not in templates:
            continue
        for x, k in ctx.matches(template):
            d = x["fee_date"]
            try:
                if template == "frequency":
                    start = d - timedelta(days=max((k.p["window_days"] or 1) - 1, 0))
                else:
                    start = d - timedelta(days=d.weekday()) if k.p["period"] == "week" else d.replace(day=1)
            except OverflowError:  # a fee date in year 1
                start = date.min
            lo = start if lo is None else min(lo, start)
            hi = x["fee_ocur_time"] if hi is None else max(hi, x["fee_ocur_time"])
    if lo is not None:
        n.line_window = (lo, hi)
    if "trace_code" in templates and "TRC-P01" in ix.rules:
        n.trace_codes = frozenset(t["drug_trac_codg"] for t in ctx.visit.get("trace", []))
    return n


def run(ctx: Ctx, history: History | None = None) -> list[dict]:
    """Findings (``FINDING_COLUMNS``; ``amount`` a Decimal) of the request's visit, batch semantics."""
    ctx.history = history or EMPTY_HISTORY
    rows: list[dict] = []
    for template in ctx.ix.templates:
        TEMPLATES[template](ctx, rows)
    mdtrt_id = ctx.v["mdtrt_id"]
    return [f for f in finalize(ctx.ix, rows) if f["mdtrt_id"] == mdtrt_id]


def evaluate(ix: Index, visit: dict, history: History | None = None) -> list[dict]:
    return run(plan(ix, visit), history)
