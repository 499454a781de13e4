"""Province profiles (省级配置): every policy number with its national default and source.

``profiles/national.yaml`` declares each parameter as a leaf mapping::

    scoring:
      suspend_threshold: {value: 9, type: int, min: 1, max: 12, scope: N,
                          source: "seed 000_6cbbdddd0664cbaa.txt S-3"}

A province file (``profiles/<name>.yaml``) names only what it changes::

    name: 示例省
    extends: national
    overrides:
      rule.split_admission.window_days: 15
      scoring.repair_max_per_year: {value: 3, source: "示例省实施细则第十条"}

Loading validates every value against its declaration (type and range) and names the
offending key on error. Code reads values by dotted key: ``profile["scoring.suspend_threshold"]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from fundguard.settings import get_settings

LEAF_TYPES = {"int", "number", "money", "bool", "str", "date", "regex", "list", "table", "percent"}


class ProfileError(ValueError):
    """A profile file is malformed or a value breaks its declaration; the message names the key."""

    def __init__(self, key: str, message_zh: str, message_en: str):
        self.key = key
        super().__init__(f"配置项 {key}: {message_zh} / profile key {key}: {message_en}")


@dataclass(frozen=True)
class Parameter:
    key: str
    value: Any
    type: str
    source: str
    scope: str = "N"
    min: Any = None
    max: Any = None
    choices: tuple | None = None
    item_type: str | None = None
    description: str = ""
    overridden_by: str | None = None


@dataclass
class Profile:
    name: str
    title: str
    parameters: dict[str, Parameter] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        try:
            return self.parameters[key].value
        except KeyError:
            raise KeyError(f"profile has no parameter {key!r}") from None

    def __contains__(self, key: str) -> bool:
        return key in self.parameters

    def get(self, key: str, default: Any = None) -> Any:
        param = self.parameters.get(key)
        return default if param is None else param.value

    def section(self, prefix: str) -> dict[str, Any]:
        """Values under ``prefix.`` with the prefix stripped (e.g. ``section("scoring")``)."""
        dotted = prefix.rstrip(".") + "."
        return {k[len(dotted) :]: p.value for k, p in self.parameters.items() if k.startswith(dotted)}

    def as_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "key": p.key,
                "value": p.value,
                "type": p.type,
                "scope": p.scope,
                "source": p.source,
                "overridden_by": p.overridden_by,
            }
            for p in sorted(self.parameters.values(), key=lambda p: p.key)
        ]


def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and "type" in node


def _walk(node: dict, prefix: str = ""):
    for name, child in node.items():
        key = f"{prefix}{name}"
        if _is_leaf(child):
            yield key, child
        elif isinstance(child, dict):
            yield from _walk(child, key + ".")
        else:
            raise ProfileError(key, "缺少 value/type/source 声明", "is not declared as {value, type, source}")


def _coerce_scalar(key: str, kind: str, raw: Any) -> Any:
    try:
        if kind == "int":
            if isinstance(raw, bool) or not isinstance(raw, int | str):
                raise TypeError
            return int(raw)
        if kind in {"number", "percent"}:
            if isinstance(raw, bool):
                raise TypeError
            return float(raw)
        if kind == "money":
            if isinstance(raw, bool) or isinstance(raw, float) and raw != round(raw, 2):
                raise TypeError
            value = Decimal(str(raw))
            if value != value.quantize(Decimal("0.01")):
                raise TypeError
            return value.quantize(Decimal("0.01"))
        if kind == "bool":
            if not isinstance(raw, bool):
                raise TypeError
            return raw
        if kind == "str":
            if not isinstance(raw, str):
                raise TypeError
            return raw
        if kind == "date":
            if isinstance(raw, date):
                return raw
            return date.fromisoformat(str(raw))
        if kind == "regex":
            re.compile(str(raw))
            return str(raw)
    except (TypeError, ValueError, InvalidOperation, re.error):
        raise ProfileError(
            key, f"值 {raw!r} 不是 {kind} 类型", f"value {raw!r} is not a valid {kind}"
        ) from None
    raise ProfileError(key, f"未知类型 {kind}", f"unknown type {kind}")


def _validate(key: str, decl: dict, raw: Any) -> Any:
    kind = decl["type"]
    if kind not in LEAF_TYPES:
        raise ProfileError(key, f"未知类型 {kind}", f"unknown type {kind}")
    if kind == "list":
        if not isinstance(raw, list):
            raise ProfileError(key, "应为列表", "must be a list")
        item_type = decl.get("item_type")
        value = [_coerce_scalar(f"{key}[{i}]", item_type, v) for i, v in enumerate(raw)] if item_type else raw
    elif kind == "table":
        if not isinstance(raw, dict | list):
            raise ProfileError(key, "应为映射表", "must be a mapping or a list of rows")
        value = raw
    else:
        value = _coerce_scalar(key, kind, raw)
    values = value if isinstance(value, list) else [value]
    lo, hi = decl.get("min"), decl.get("max")
    for v in values:
        if isinstance(v, int | float | Decimal | date) and not isinstance(v, bool):
            if lo is not None and v < _coerce_scalar(key, kind if kind != "list" else decl["item_type"], lo):
                raise ProfileError(key, f"值 {v} 小于下限 {lo}", f"value {v} is below the minimum {lo}")
            if hi is not None and v > _coerce_scalar(key, kind if kind != "list" else decl["item_type"], hi):
                raise ProfileError(key, f"值 {v} 大于上限 {hi}", f"value {v} is above the maximum {hi}")
    choices = decl.get("choices")
    if choices is not None:
        for v in values:
            if v not in choices:
                raise ProfileError(
                    key, f"值 {v!r} 不在可选值 {choices} 中", f"value {v!r} is not one of {choices}"
                )
    return value


def _load_yaml(path: Path) -> dict:
    if not path.exists():
        raise ProfileError("<file>", f"找不到配置文件 {path}", f"profile file {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ProfileError(
            "<file>", f"{path} 不是合法的 YAML: {exc}", f"{path} is not valid YAML: {exc}"
        ) from None
    if not isinstance(data, dict):
        raise ProfileError("<file>", f"{path} 顶层应为映射", f"{path} must hold a mapping")
    return data


def load_profile(name: str | None = None, profiles_dir: Path | None = None) -> Profile:
    """Load ``national`` and, for a province, apply its overrides; validate everything."""
    settings = get_settings()
    name = name or settings.profile
    profiles_dir = Path(profiles_dir or settings.profiles_dir)
    national = _load_yaml(profiles_dir / "national.yaml")
    params: dict[str, Parameter] = {}
    declarations: dict[str, dict] = {}
    for key, decl in _walk(national.get("parameters", {})):
        if not decl.get("source"):
            raise ProfileError(key, "缺少来源 source", "has no source citation")
        declarations[key] = decl
        params[key] = Parameter(
            key=key,
            value=_validate(key, decl, decl["value"]),
            type=decl["type"],
            source=str(decl["source"]),
            scope=str(decl.get("scope", "N")),
            min=decl.get("min"),
            max=decl.get("max"),
            choices=tuple(decl["choices"]) if decl.get("choices") else None,
            item_type=decl.get("item_type"),
            description=str(decl.get("description", "")),
        )
    title = str(national.get("name", "国家默认"))
    if name != "national":
        province = _load_yaml(profiles_dir / f"{name}.yaml")
        title = str(province.get("name", name))
        overrides = province.get("overrides") or {}
        if not isinstance(overrides, dict):
            raise ProfileError("overrides", "应为映射", "must be a mapping of dotted keys")
        for key, raw in overrides.items():
            if key not in declarations:
                raise ProfileError(key, "国家配置中没有此项", "is not declared in national.yaml")
            decl = declarations[key]
            source = decl["source"]
            if isinstance(raw, dict) and "value" in raw:
                source = str(raw.get("source") or f"{name}.yaml")
                raw = raw["value"]
            else:
                source = f"{name}.yaml"
            base = params[key]
            params[key] = Parameter(
                **{
                    **base.__dict__,
                    "value": _validate(key, decl, raw),
                    "source": source,
                    "overridden_by": name,
                }
            )
    return Profile(name=name, title=title, parameters=params)


@lru_cache(maxsize=8)
def _cached(name: str, profiles_dir: str) -> Profile:
    return load_profile(name, Path(profiles_dir))


def get_profile(name: str | None = None) -> Profile:
    """The effective profile of this process (cached; ``reset_profile_cache`` after edits)."""
    settings = get_settings()
    return _cached(name or settings.profile, str(settings.profiles_dir))


def reset_profile_cache() -> None:
    _cached.cache_clear()
