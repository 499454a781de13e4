"""Evidence store (证据存储): files under ``$FUNDGUARD_HOME/evidence/`` named by their SHA-256.

The hash is recorded when a file is stored and checked on every read; a file whose bytes no
longer match is refused (``Conflict`` 证据文件校验失败), so tampering is visible.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from fundguard.errors import Conflict, InputError, NotFound
from fundguard.settings import get_settings

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to the evidence root
    sha256: str
    size: int
    filename: str

    def as_dict(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "size": self.size, "filename": self.filename}


def evidence_root() -> Path:
    root = get_settings().home_dir / "evidence"
    root.mkdir(parents=True, exist_ok=True)
    return root


def safe_name(filename: str) -> str:
    name = _UNSAFE.sub("_", Path(filename).name).strip("._")
    return name[:120] or "file"


def store(namespace: str, data: bytes, filename: str) -> StoredFile:
    """Write ``data`` under ``evidence/<namespace>/`` and return its hash (content-addressed, idempotent)."""
    if not data:
        raise InputError("EMPTY_FILE", "附件为空", "empty file")
    digest = hashlib.sha256(data).hexdigest()
    rel = Path(*[safe_name(p) for p in namespace.split("/")]) / f"{digest[:16]}_{safe_name(filename)}"
    target = evidence_root() / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    return StoredFile(path=rel.as_posix(), sha256=digest, size=len(data), filename=filename)


def read(path: str, sha256: str) -> bytes:
    """The stored bytes, after checking them against the recorded SHA-256."""
    root = evidence_root().resolve()
    target = (root / path).resolve()
    if root not in target.parents:
        raise InputError("EVIDENCE_PATH", "证据路径非法", "evidence path escapes the store")
    if not target.is_file():
        raise NotFound("EVIDENCE_MISSING", f"证据文件不存在：{path}", "evidence file missing")
    data = target.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Conflict(
            "EVIDENCE_TAMPERED", f"证据文件校验失败（SHA-256 不符）：{path}", "evidence hash mismatch"
        )
    return data
