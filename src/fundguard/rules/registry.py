"""The platform's rule codes: one code = one template applied to one knowledge source.

Code scheme ``<CAT>-<SET><NN>``: ``CAT`` is a three-letter category abbreviation (GEN 性别, AGE 年龄,
IND 适应症, LVL 医院等级, MED 就医方式, DEP 科室, FRQ 频次, QTY 疗程/用量, DUR 时长, PRC 价格,
DUP 重复, EXC 互斥/包含, ADD 加收, SPL 分解住院, BED 挂床, IMP 冒名, TRC 追溯码, STK 进销存,
SWP 串换, PHA 虚记, OVR 过度, SUS 暂停资格, OTH 其他, INS 险种, SUR 主次手术, CRS 疗程,
AMT 总额, STP 阶梯, UNB 分解, ASC 关联, CMB 组合, LKP 名称级对照表); ``SET`` is N national (两库),
M MediModel, P platform, L local; ``NN`` numbers the sources of that category within the set.

``enabled`` is the national default. Codes whose category/source is the one decision 0003 names are
enabled; other sources import as disabled with the reason stated (switchable per region).
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_0003 = "决策0003未将此知识来源列为该类别的默认来源；可按地区启用 (not the 0003 default source; enable per region)"
NOT_DETERMINISTIC = (
    "该表语义需人工判断（非确定性），仅导入备查 (semantics not deterministic; imported for reference)"
)
LOOKUP = "名称级知识点：规则由对应 *_codes.csv 展开到药品代码 (name-level sheet; rules come from *_codes.csv)"
COMBINED = "合并表，与分批次表内容重复，仅供对照 (combined table duplicating the per-batch tables)"


@dataclass(frozen=True)
class RuleDef:
    code: str
    rule_set: str  # national | medimodel | platform | local
    template: str  # a file in rules/templates/<template>.sql, or "none" for reference-only tables
    category: str
    title: str
    severity: str = "warn"
    enabled: bool = True
    disabled_reason: str = ""


def _r(code, rule_set, template, category, title, severity="warn", reason=""):
    return RuleDef(code, rule_set, template, category, title, severity, not reason, reason)


RULES: dict[str, RuleDef] = {
    r.code: r
    for r in (
        # national 两库 (authoritative; exact codes)
        _r("GEN-N01", "national", "gender", "GENDER", "药品限定性别（第一批）", "block"),
        _r("GEN-N02", "national", "gender", "GENDER", "医疗服务项目限定性别（第一批）", "block"),
        _r("AGE-N01", "national", "age", "AGE", "药品限定儿童（第一批）", "block"),
        _r("AGE-N02", "national", "age", "AGE", "医疗服务项目限定年龄（第一批）", "block"),
        _r("AGE-N03", "national", "age", "AGE", "超法定劳动年龄项目（第八批-2）", "block"),
        _r("LVL-N01", "national", "hosp_level", "HOSP_LEVEL", "药品限定医院等级（第五批）"),
        _r("MED-N01", "national", "med_type", "MED_TYPE", "药品限住院使用（第四批）"),
        _r("QTY-N01", "national", "quantity", "QUANTITY", "药品限定支付疗程（第六批）"),
        _r("EXC-N01", "national", "exclusive", "EXCLUSIVE", "项目重复收费/包含项目（第七批）"),
        _r("FRQ-N01", "national", "frequency", "FREQUENCY", "项目限定每日频次（第八批-1）"),
        _r("FRQ-N02", "national", "frequency", "FREQUENCY", "项目限定周期频次（第八批-4）"),
        _r("INS-N01", "national", "none", "OTHER", "药品限定险种（第三批）", reason=NOT_0003),
        _r("SUR-N01", "national", "none", "PRICE", "主次手术折价（第二批）", reason=NOT_DETERMINISTIC),
        _r("CRS-N01", "national", "none", "QUANTITY", "项目限定疗程（第八批-3）", reason=NOT_0003),
        _r("LKP-N01", "national", "none", "OTHER", "药品名称级知识点（各批 Sheet1）", reason=LOOKUP),
        _r("LKP-N02", "national", "none", "OTHER", "合并药品规则/代码表", reason=COMBINED),
        # MediModel curated set (prefix codes, regex lists)
        _r("IND-M01", "medimodel", "indication", "INDICATION", "药品限适应症（疾病限制）"),
        _r("DEP-M01", "medimodel", "department", "DEPARTMENT", "药品限专科（专科限制）"),
        _r("DEP-M02", "medimodel", "department", "DEPARTMENT", "诊疗项目限专科（专科限制）"),
        _r("ADD-M01", "medimodel", "add_on", "ADD_ON", "诊疗加收无主项"),
        _r("OVR-M01", "medimodel", "overuse", "OVERUSE", "诊疗过度（每周/每月次数）"),
        _r("GEN-M01", "medimodel", "gender", "GENDER", "药品性别限制（MediModel）", reason=NOT_0003),
        _r("GEN-M02", "medimodel", "gender", "GENDER", "诊疗性别限制（MediModel）", reason=NOT_0003),
        _r("AGE-M01", "medimodel", "age", "AGE", "药品年龄限制（MediModel）", reason=NOT_0003),
        _r("AGE-M02", "medimodel", "age", "AGE", "诊疗年龄限制（MediModel）", reason=NOT_0003),
        _r("LVL-M01", "medimodel", "hosp_level", "HOSP_LEVEL", "药品机构限制（MediModel）", reason=NOT_0003),
        _r("LVL-M02", "medimodel", "hosp_level", "HOSP_LEVEL", "诊疗机构限制（MediModel）", reason=NOT_0003),
        _r("MED-M01", "medimodel", "med_type", "MED_TYPE", "药品就医限制（MediModel）", reason=NOT_0003),
        _r("MED-M02", "medimodel", "med_type", "MED_TYPE", "诊疗就医限制（MediModel）", reason=NOT_0003),
        _r("IND-M02", "medimodel", "indication", "INDICATION", "诊疗疾病限制（MediModel）", reason=NOT_0003),
        _r("QTY-M01", "medimodel", "quantity", "QUANTITY", "药品疗程限制（MediModel）", reason=NOT_0003),
        _r("INS-M01", "medimodel", "none", "OTHER", "药品险种限制（MediModel）", reason=NOT_0003),
        _r(
            "STP-M01",
            "medimodel",
            "none",
            "INDICATION",
            "药品阶梯限制（一线/二线）",
            reason=NOT_DETERMINISTIC,
        ),
        _r("FRQ-M01", "medimodel", "none", "FREQUENCY", "诊疗频次限制（MediModel）", reason=NOT_0003),
        _r("QTY-M02", "medimodel", "none", "QUANTITY", "诊疗数量/疗程限制（MediModel）", reason=NOT_0003),
        _r("AMT-M01", "medimodel", "none", "PRICE", "诊疗总额限制（MediModel）", reason=NOT_0003),
        _r("SWP-M01", "medimodel", "none", "SWAP", "项目串换（MediModel）", reason=NOT_DETERMINISTIC),
        _r("UNB-M01", "medimodel", "none", "EXCLUSIVE", "项目分解（MediModel）", reason=NOT_DETERMINISTIC),
        _r("ASC-M01", "medimodel", "none", "OTHER", "项目关联缺失（MediModel）", reason=NOT_DETERMINISTIC),
        _r("PHA-M01", "medimodel", "none", "PHANTOM", "项目虚记排查（MediModel）", reason=NOT_DETERMINISTIC),
        _r("DUP-M01", "medimodel", "none", "EXCLUSIVE", "项目重复（MediModel）", reason=NOT_0003),
        _r("SUR-M01", "medimodel", "none", "PRICE", "项目主次（MediModel）", reason=NOT_DETERMINISTIC),
        _r("CMB-M01", "medimodel", "none", "EXCLUSIVE", "项目组合（MediModel）", reason=NOT_DETERMINISTIC),
        # platform rules (no knowledge table; parameters from the profile's rule: section)
        _r("DUR-P01", "platform", "duration", "DURATION", "床位费天数超住院天数"),
        _r("PRC-P01", "platform", "price", "PRICE", "单价超最高限价"),
        _r("DUP-P01", "platform", "duplicate", "DUPLICATE", "同一项目同一时间重复收费"),
        _r("SPL-P01", "platform", "split_admission", "SPLIT_ADMISSION", "分解住院"),
        _r("BED-P01", "platform", "bed_hanging", "BED_HANGING", "挂床住院"),
        _r("IMP-P01", "platform", "impersonation", "IMPERSONATION", "同一人同时段在两家机构住院"),
        _r("IMP-P02", "platform", "impersonation", "IMPERSONATION", "同一参保人性别前后不一致"),
        _r("TRC-P01", "platform", "trace_code", "TRACE_CODE", "追溯码重复销售"),
        _r("TRC-P02", "platform", "trace_code", "TRACE_CODE", "药店药品无追溯码"),
        _r("STK-P01", "platform", "stock", "STOCK", "进销存不符（销售超过进货加库存）"),
        _r("SWP-P01", "platform", "swap", "SWAP", "药店串换药品（未进货却销售）"),
        _r("PHA-P01", "platform", "phantom", "PHANTOM", "无手术记录的手术费"),
        _r(
            "SUS-P01",
            "platform",
            "suspended_person",
            "SUSPENDED_PERSON",
            "暂停/终止资格人员开具费用",
            "block",
        ),
        _r("OTH-P01", "platform", "other", "OTHER", "开单医师未在本机构备案"),
    )
}

SET_TITLES = {
    "national": "国家医保局两库知识点（第一至八批）",
    "medimodel": "MediModel 规则表（最新版+2025-09-12诊疗过度）",
    "platform": "平台规则",
    "local": "地方规则（YAML）",
}

TEMPLATES = sorted({r.template for r in RULES.values() if r.template != "none"})


def codes_for(selector: str | None) -> set[str]:
    """Rule codes named by a selector: comma-separated rule codes, categories or set names."""
    if not selector:
        return set(RULES)
    out: set[str] = set()
    for word in (w.strip() for w in selector.split(",")):
        if not word:
            continue
        up = word.upper()
        hits = {c for c, r in RULES.items() if c == up or r.category == up or r.rule_set == word.lower()}
        if not hits:
            from fundguard.errors import InputError

            raise InputError(
                "RULE_SELECTOR",
                f"规则选择器 {word} 不是规则编码、类别或规则集",
                f"unknown rule selector {word}",
            )
        out |= hits
    return out
