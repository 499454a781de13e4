"""Rule docs: one Chinese page per rule code (什么/为什么/依据/参数/命中示例/不命中示例).

The pages ``catalog/<CODE>.md`` are generated once from ``DOCS`` plus the code's fixture cases
(``python -m fundguard.rules.docs`` rewrites them) and then kept in the repository;
``fundguard rules docs OUT`` builds an index (Markdown and HTML) of every page.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import yaml

from fundguard.errors import NotFound
from fundguard.rules.fixtures import CATALOG_DIR
from fundguard.rules.registry import RULES
from fundguard.rules.schemas import TEMPLATE_PARAMS

B1 = "《医疗保障基金使用监督管理条例》第十五条、第三十八条；国家医保局“两库”知识库第一批"
DOCS: dict[str, tuple[str, str, str]] = {
    # code: (什么, 为什么, 依据)
    "GEN-N01": (
        "药品说明书或医保目录限定单一性别使用（如前列腺用药限男性、妇科用药限女性），而本次就诊患者为另一性别。",
        "性别不符通常意味着冒名开药、串换药品或录入错误，费用不应由基金支付。",
        B1 + "（限定性别对象，药品）",
    ),
    "GEN-N02": (
        "限定单一性别的医疗服务项目（如妇科检查、男性生殖系统检查）用于另一性别的患者。",
        "项目与患者生理性别矛盾，是虚记项目或冒名就医的典型信号。",
        B1 + "（限定性别对象，项目）",
    ),
    "AGE-N01": (
        "限儿童使用的药品（如儿童专用中成药）用于18岁及以上患者。",
        "成人使用儿童专用药超出医保支付范围，常见于替他人开药。",
        B1 + "（限定年龄对象，药品）",
    ),
    "AGE-N02": (
        "限新生儿、婴幼儿或儿童的医疗服务项目用于年龄不符的患者（新生儿以出生28天内为准）。",
        "年龄不符的项目很可能并未真实发生或系串换收费。",
        B1 + "（限定年龄对象，项目）",
    ),
    "AGE-N03": (
        "职业功能训练等项目用于超出法定劳动年龄（配置 rule.working_age_limit，默认60岁）的参保人。",
        "国家知识库规定此类项目超出法定就业年龄不予支付。",
        "国家医保局“两库”知识库第八批-2（限定年龄）",
    ),
    "LVL-N01": (
        "限二级或三级及以上医疗机构使用的药品，在等级更低的机构（含未定级）结算。",
        "医保目录对部分药品限定机构等级，低等级机构使用超出支付范围。",
        "国家医保局“两库”知识库第五批（限定机构等级）；医保药品目录备注",
    ),
    "MED-N01": (
        "限住院使用的药品在门诊、药店等非住院就诊中结算。",
        "目录限定住院患者方予支付，门诊使用属超支付范围。",
        "国家医保局“两库”知识库第四批（限定就医方式）",
    ),
    "QTY-N01": (
        "限定支付疗程（如14天）的药品，在同一就诊中自首次用药起超过疗程天数后继续收费。",
        "超疗程部分不属于医保支付范围。",
        "国家医保局“两库”知识库第六批（限定支付疗程）",
    ),
    "EXC-N01": (
        "从项已包含在主项内（如急诊监护费已含诊查、床位、护理），在规定频度（单日/单次就诊/6小时/同一小时）内与主项同时收费。",
        "包含项目另行收费属重复收费。",
        "国家医保局“两库”知识库第七批（重复收费）；各省医疗服务价格项目规范",
    ),
    "FRQ-N01": (
        "每日限定次数（或小时数）的项目，同一患者同一天累计超过上限。",
        "如住院诊查费每日限1次，超出部分属超标准收费。",
        "国家医保局“两库”知识库第八批-1（限定频次）",
    ),
    "FRQ-N02": (
        "周期内限定次数的检验项目（如糖化血红蛋白15天内1次），同一患者在滚动周期内累计超过上限。",
        "短期内重复检验缺乏临床意义，属过度检查。",
        "国家医保局“两库”知识库第八批-4（限定周期）",
    ),
    "IND-M01": (
        "限适应症用药（疾病限制，正则列表），本次就诊所有诊断名称均不符合。",
        "超适应症用药不属于医保支付范围。",
        "医保药品目录“限…”备注；MediModel 规则_药品限制（疾病限制）",
    ),
    "DEP-M01": (
        "限专科使用的药品（专科限制，如精神、营养、急诊），开单科室和入出院科室均不符合。",
        "非专科开具限专科药品属超支付范围。",
        "医保药品目录备注；MediModel 规则_药品限制（专科限制）",
    ),
    "DEP-M02": (
        "限专科开展的诊疗项目（如康复、精神心理），开单科室和入出院科室均不符合。",
        "非专科开展的专科项目往往未真实提供或资质不符。",
        "医疗服务价格项目规范；MediModel 规则_诊疗限制（专科限制）",
    ),
    "ADD-M01": (
        "加收项目（从项，如“经腔镜加收”）所在就诊中没有其主项目收费。",
        "加收必须依附主项目，单独收取加收费用属违规收费。",
        "医疗服务价格项目规范“加收”说明；MediModel 规则_项目加收",
    ),
    "OVR-M01": (
        "同一患者同一项目在一个自然周（周一起）或自然月内超过规定次数，超出的收费行。",
        "短期内反复检查检验属过度诊疗。",
        "MediModel 规则_诊疗过度（2025-09-12 版）；《条例》第十五条",
    ),
    "DUR-P01": (
        "住院床位费计费天数超过住院天数（ipt_days，缺失时按入出院日期差，最少1天），超出部分落在最后的床位费明细上。",
        "床位费按实际住院天数计收，多收即超标准收费。",
        "医疗服务价格项目规范（床位费“算入不算出”）；决策0003 DURATION",
    ),
    "PRC-P01": (
        "收费单价高于医保目录最高限价（目录 pric_uplmt_amt，缺失时用明细自带限价）0.005元以上。",
        "超过政府指导价或限价收费，超出部分不应由基金支付。",
        "《条例》第三十八条；医疗服务价格政策；决策0003 PRICE",
    ),
    "DUP-P01": (
        "同一就诊中同一项目在同一时间、以相同数量和单价收费两条及以上，第二条起为重复。",
        "完全相同的明细通常是重复录入或故意重复收费。",
        "《条例》第三十八条（重复收费）；决策0003 DUPLICATE",
    ),
    "SPL-P01": (
        "同一参保人出院后在配置的天数内（默认14天）再次入住同一机构，主诊断前三位相同，且不属于计划性放化疗（Z51）。",
        "将一次住院拆分为多次以规避单病种/按病种付费或起付线，是典型的分解住院。",
        "《条例》第三十八条（分解住院）；domain.md §5.8；配置 rule.split_admission_*",
    ),
    "BED-P01": (
        "住院期间连续N天（默认3天）只产生床位费、护理费而无任何诊疗、药品、检查费用。",
        "患者实际不在院或无治疗需要仍占床计费，即挂床住院。",
        "《条例》第四十条（挂床住院）；配置 rule.bed_hanging_*",
    ),
    "IMP-P01": (
        "同一参保人在两家机构的住院时间相互重叠，标记后开始的那次就诊。",
        "同一人不可能同时在两地住院，通常是冒用医保凭证。",
        "《条例》第四十一条（冒名就医）；决策0003 IMPERSONATION (a)",
    ),
    "IMP-P02": (
        "同一参保人本次就诊登记的性别与其最早一次就诊的性别不一致（未知性别0/9不参与比较）。",
        "性别改变通常意味着他人冒用参保凭证。",
        "《条例》第四十一条（冒名就医）；决策0003 IMPERSONATION (b)",
    ),
    "TRC-P01": (
        "同一药品追溯码已在更早的明细中销售过（按扫码/费用时间，跨机构），后一次销售被标记。",
        "一物一码，追溯码重复出现说明药品回流倒卖或虚假销售。",
        "国家医保局药品追溯码监管要求（2025年起）；domain.md §5.4",
    ),
    "TRC-P02": (
        "定点零售药店在追溯码强制日期（配置 rule.trace_code_enforce_from，默认2025-07-01）及以后销售的药品（X/Z编码）没有追溯码。",
        "未扫码上传追溯码的药品费用可拒付。",
        "domain.md §5.4 扫码结算；配置 rule.trace_code_*",
    ),
    "STK-P01": (
        "药店某药品某月医保销售量加非医保销售量，大于期初盘存（月初及以前最近一次盘点）加当月进货量。",
        "卖出的比买进和库存的还多，说明存在虚假销售或串换。",
        "进销存核对规则（决策0003 STOCK）；配置 rule.stock_*",
    ),
    "SWP-P01": (
        "药店医保销售了从未进货的药品，同时却进货了医保目录外商品。",
        "典型的串换：实际售出目录外商品（如保健品），以目录内药品名义结算。",
        "《条例》第三十八条（串换药品）；决策0003 SWAP",
    ),
    "PHA-P01": (
        "收取手术费（收费类别06）但本次就诊没有任何手术操作记录。",
        "无手术记录的手术费很可能是虚记。",
        "《条例》第四十条（虚记费用）；决策0003 PHANTOM",
    ),
    "SUS-P01": (
        "开单医师在费用发生日处于医保支付资格暂停或终止期间（记分管理），且本次就诊不属于急诊抢救。",
        "暂停/终止期间开具的费用基金不予支付（急救、抢救除外）。",
        "《医保支付资格管理办法》记分规则；配置 scoring.emergency_*",
    ),
    "OTH-P01": (
        "开单医师在医保支付资格人员主数据中没有本机构的备案登记。",
        "未备案人员开具处方/医嘱不符合定点协议管理要求。",
        "定点医药机构服务协议；domain.md V-24",
    ),
}


FIELD_ZH = {
    "code": "项目/药品编码（国家库为完整编码，精确匹配；MediModel 为编码前缀）",
    "match": "匹配方式：exact 精确 / prefix 前缀（等价于 LIKE code || '%'）",
    "item_name": "项目/药品名称（仅用于说明）",
    "allowed_gend": "允许的性别：1 男 / 2 女（导入时 男/男性、女/女性 统一）",
    "age_group": "年龄对象：新生儿/婴幼儿/儿童/成年/劳动年龄（小儿 统一为 儿童；年龄段见配置 rule.age_groups）",
    "pattern": "正则列表，如 (肿瘤|癌)",
    "min_rank": "最低机构等级：2 二级 / 3 三级（hosp_lv 映射见配置 rule.hosp_level_rank）",
    "setting": "就医方式：inpatient 住院 / outpatient 门诊",
    "max_units": "窗口内最多单位数",
    "window_days": "窗口天数（1 = 自然日）",
    "unit": "计量单位（日/小时/次）",
    "max_days": "最长支付天数",
    "group": "同一药品分组（通用名）",
    "main_code": "主项编码",
    "main_name": "主项名称",
    "period": "周期：day 单日 / visit 单次就诊 / 6h 六小时 / hour 同一小时；week 自然周 / month 自然月",
    "max_count": "周期内最多次数",
}


def _case_row(case: dict, expect: dict | None) -> str:
    tables = case.get("tables") or {}
    lines = []
    for t, rows in tables.items():
        lines.append(f"- `{t}`: " + "; ".join(json.dumps(r, ensure_ascii=False, default=str) for r in rows))
    if case.get("knowledge"):
        lines.append("- 知识点: " + "; ".join(json.dumps(k, ensure_ascii=False) for k in case["knowledge"]))
    if expect is not None:
        lines.append("- 预期命中: " + "; ".join(json.dumps(e, ensure_ascii=False) for e in case["expect"]))
    else:
        lines.append("- 预期：不命中")
    return "\n".join(lines)


def generate_markdown(code: str) -> str:
    rule = RULES[code]
    what, why, basis = DOCS[code]
    fixture = yaml.safe_load((CATALOG_DIR / f"{code}.yml").read_text(encoding="utf-8"))
    hit = next(c for c in fixture["cases"] if c["expect"])
    miss = next(c for c in fixture["cases"] if not c["expect"])
    model = TEMPLATE_PARAMS.get(rule.template)
    if model:
        params = "知识点字段（每行一个知识点，导入时校验）：\n\n" + "\n".join(
            f"- `{name}`：{FIELD_ZH.get(name, name)}" for name in model.model_fields
        )
    else:
        params = "平台规则，无知识表；参数来自配置 `rule.*`（见 `fundguard profile show --key rule`）。"
    return f"""# {code} {rule.title}

类别：{rule.category}；规则集：{rule.rule_set}；模板：`templates/{rule.template}.sql`；严重程度：{rule.severity}

## 什么

{what}

## 为什么

{why}

## 依据

{basis}

## 参数

{params}

金额口径见 docs/decisions/0003-violation-categories-and-labels.md。

## 命中示例

用例 `{hit["name"]}`（`catalog/{code}.yml`）：

{_case_row(hit, hit)}

## 不命中示例

用例 `{miss["name"]}`：

{_case_row(miss, None)}
"""


def rule_markdown(code: str) -> str:
    path = CATALOG_DIR / f"{code}.md"
    if path.exists():
        return path.read_text(encoding="utf-8")
    if code in RULES:
        r = RULES[code]
        return f"# {code} {r.title}\n\n类别：{r.category}；规则集：{r.rule_set}\n\n{r.disabled_reason}\n"
    raise NotFound("RULE_CODE", f"没有规则 {code}", f"no rule {code}")


def _md_to_html(text: str) -> str:
    out = []
    for line in text.splitlines():
        esc = html.escape(line)
        if line.startswith("## "):
            out.append(f"<h2>{esc[3:]}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{esc[2:]}</h1>")
        elif line.startswith("- "):
            out.append(f"<li>{esc[2:]}</li>")
        elif line.strip():
            out.append(f"<p>{esc}</p>")
    return "\n".join(out)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"</head><body>{body}</body></html>\n"
    )


def build(out: Path) -> int:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    index_md = [
        "# 规则目录 Rule catalog",
        "",
        "| 编码 | 类别 | 规则集 | 名称 | 默认启用 |",
        "|---|---|---|---|---|",
    ]
    index_html = [
        "<h1>规则目录</h1><table><tr><th>编码</th><th>类别</th><th>规则集</th><th>名称</th><th>默认启用</th></tr>"
    ]
    for code, r in RULES.items():
        md = rule_markdown(code)
        (out / f"{code}.md").write_text(md, encoding="utf-8")
        (out / f"{code}.html").write_text(_page(code, _md_to_html(md)), encoding="utf-8")
        on = "是" if r.enabled else "否"
        index_md.append(f"| [{code}]({code}.md) | {r.category} | {r.rule_set} | {r.title} | {on} |")
        index_html.append(
            f'<tr><td><a href="{code}.html">{code}</a></td><td>{r.category}</td><td>{r.rule_set}</td>'
            f"<td>{html.escape(r.title)}</td><td>{on}</td></tr>"
        )
    index_html.append("</table>")
    (out / "index.md").write_text("\n".join(index_md) + "\n", encoding="utf-8")
    (out / "index.html").write_text(_page("规则目录", "\n".join(index_html)), encoding="utf-8")
    return len(RULES)


if __name__ == "__main__":  # regenerate catalog/<CODE>.md
    for c in DOCS:
        (CATALOG_DIR / f"{c}.md").write_text(generate_markdown(c), encoding="utf-8")
