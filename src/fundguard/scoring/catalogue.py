"""Behaviour catalogue (违规行为目录) and points bands (记分档次).

The catalogue is V-1…V-25 of the domain specification (§2d) plus the minor behaviour codes the
profile's ``scoring.points_matrix`` declares. A behaviour's band comes from the points matrix; a
catalogue behaviour the matrix does not place (V-24, V-25 in the national profile) accepts any
points from ``scoring.min_points`` to ``scoring.max_points``.
"""

from __future__ import annotations

from fundguard.profiles import Profile

VIOLATIONS_ZH: dict[str, str] = {
    "V-1": "虚假住院",
    "V-2": "挂床住院",
    "V-3": "诱导住院",
    "V-4": "分解住院",
    "V-5": "延长住院天数",
    "V-6": "虚记医疗服务",
    "V-7": "伪造、虚假病历或票据",
    "V-8": "串换项目或药品",
    "V-9": "重复收费",
    "V-10": "分解计费",
    "V-11": "超标准收费",
    "V-12": "过度诊疗、过度检查",
    "V-13": "超适应症用药",
    "V-14": "不合理用药、检查指征不明确",
    "V-15": "冒名就医",
    "V-16": "套取、倒卖药品",
    "V-17": "减少实际用药量、虚记药品用量",
    "V-18": "虚假麻醉",
    "V-19": "虚假结算、虚构销售记录",
    "V-20": "未按规定采集上传追溯码",
    "V-21": "进销存不符",
    "V-22": "暂停/终止期内提供服务",
    "V-23": "不合理升级分组、推诿重症",
    "V-24": "医保医师信息未上传或未变更",
    "V-25": "药店超范围销售",
}

MINOR_ZH: dict[str, str] = {
    "CODING_DEFECT": "编码不规范",
    "UPLOAD_DEFECT": "数据上传不规范",
    "RECORD_DEFECT": "记录不规范",
}


def catalogue(profile: Profile) -> dict[str, str]:
    """Every known behaviour code with its Chinese name."""
    codes = dict(VIOLATIONS_ZH)
    for group in profile["scoring.points_matrix"].values():
        for code in group.get("behaviours", []):
            codes.setdefault(str(code), MINOR_ZH.get(str(code), str(code)))
    return codes


def band(profile: Profile, behaviour_code: str) -> tuple[int, int]:
    """The (low, high) points band of a behaviour."""
    for group in profile["scoring.points_matrix"].values():
        if behaviour_code in [str(c) for c in group.get("behaviours", [])]:
            low, high = group["band"]
            return int(low), int(high)
    return int(profile["scoring.min_points"]), int(profile["scoring.max_points"])


def behaviour_name(profile: Profile, behaviour_code: str) -> str:
    return catalogue(profile).get(behaviour_code, behaviour_code or "未注明")
