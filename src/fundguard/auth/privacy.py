"""Masking of personal identifiers (个人信息脱敏), domain.md §4.10 ``privacy.masking``.

Which roles may see identifiers in clear is in ``fundguard.auth.service.ROLE_SEES_IDENTIFIERS``;
the profile switch ``privacy.mask_identifiers`` (on by default) turns masking on for everyone else.
"""

from __future__ import annotations


def mask_name(name: str | None) -> str:
    """Keep the surname (first character): ``张三丰`` → ``张**``."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def mask_certno(certno: str | None) -> str:
    """Keep the first 6 (区划) and the last 4 characters of an ID number."""
    if not certno:
        return ""
    if len(certno) <= 10:
        return "*" * len(certno)
    return certno[:6] + "*" * (len(certno) - 10) + certno[-4:]


def mask_phone(phone: str | None) -> str:
    """Keep the first 3 and the last 4 digits: ``13812345678`` → ``138****5678``."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


IDENTIFIER_MASKS = {
    "psn_name": mask_name,
    "name": mask_name,
    "prac_psn_name": mask_name,
    "certno": mask_certno,
    "psn_cert_no": mask_certno,
    "idcard": mask_certno,
    "tel": mask_phone,
    "phone": mask_phone,
    "mob": mask_phone,
}


def mask_record(record: dict, masked: bool = True) -> dict:
    """A copy of ``record`` with every known identifier field masked (when ``masked``)."""
    if not masked:
        return dict(record)
    return {
        k: (IDENTIFIER_MASKS[k](str(v)) if k in IDENTIFIER_MASKS and v not in (None, "") else v)
        for k, v in record.items()
    }
