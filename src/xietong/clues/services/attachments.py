"""Attachments on petitions and clues: checked by extension and by content, SM4-GCM
encrypted at rest under ``$XIETONG_HOME/attachments``, every download audited.

The file on disk is ``XTATT1\\n<key id>\\n`` followed by SM4-GCM ``nonce | ciphertext | tag``
under the key ring's field key; the storage key is the additional data, so a file copied
over another record's file does not decrypt. The SHA-256 of the plaintext is kept for the
related-clue check (same attachment on two clues).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.db import transaction

from xietong.access import policies
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.crypto import field_cipher, sm4_decrypt, sm4_encrypt
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError

from ..models import Attachment, Clue, Petition

MAGIC = b"XTATT1\n"
NAME_MAX = 120


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str


ALLOWED: dict[str, FileType] = {
    "pdf": FileType("PDF 文档", "application/pdf"),
    "ofd": FileType("OFD 版式文档", "application/ofd"),
    "doc": FileType("Word 文档", "application/msword"),
    "docx": FileType(
        "Word 文档",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xls": FileType("Excel 表格", "application/vnd.ms-excel"),
    "xlsx": FileType(
        "Excel 表格",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "txt": FileType("文本文件", "text/plain"),
    "jpg": FileType("JPEG 图片", "image/jpeg"),
    "jpeg": FileType("JPEG 图片", "image/jpeg"),
    "png": FileType("PNG 图片", "image/png"),
    "mp3": FileType("MP3 音频", "audio/mpeg"),
    "wav": FileType("WAV 音频", "audio/wav"),
    "mp4": FileType("MP4 视频", "video/mp4"),
}
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED)
ALLOWED_TEXT = (
    "PDF、OFD、Word（doc/docx）、Excel（xls/xlsx）、TXT、JPG、PNG、MP3、WAV、MP4"
)

_EXECUTABLE = (
    (b"MZ", "Windows 可执行程序"),
    (b"\x7fELF", "Linux 可执行程序"),
    (b"\xcf\xfa\xed\xfe", "macOS 可执行程序"),
    (b"\xfe\xed\xfa\xcf", "macOS 可执行程序"),
    (b"\xca\xfe\xba\xbe", "可执行程序"),
    (b"#!", "脚本程序"),
)
_MARKUP = re.compile(rb"^\s*<(\?xml|!doctype|html|svg|script|body|head|iframe)", re.I)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def max_bytes() -> int:
    return int(settings.XIETONG_ATTACHMENT_MAX_BYTES)


def size_text(n: int) -> str:
    """A byte count as shown to users, e.g. 20 MB."""
    return f"{n / 1024 / 1024:.1f}".rstrip("0").rstrip(".") + " MB"


def storage_dir() -> Path:
    return Path(settings.XIETONG_HOME) / "attachments"


# --- checks ------------------------------------------------------------------------------------


def clean_name(raw: str) -> str:
    """The file name without any path, control or reserved characters, at most 120 chars
    (extension kept); empty when nothing usable is left."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        c for c in name if unicodedata.category(c)[0] != "C" and c not in '<>:"|?*'
    )
    name = name.strip().strip(".").strip()
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) <= 8:
            name = stem[: NAME_MAX - len(ext) - 1] + "." + ext
        else:
            name = name[:NAME_MAX]
    return name


def _zip_names(content: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return set(z.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return set()


def _is_text(content: bytes) -> bool:
    if b"\x00" in content or _MARKUP.match(content[:512]):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not any(
            unicodedata.category(c) == "Cc" and c not in "\t\r\n\f" for c in text
        )
    return False


def _matches(ext: str, content: bytes) -> bool:
    head = content[:16]
    if ext == "pdf":
        return content[:1024].lstrip().startswith(b"%PDF-")
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("doc", "xls"):
        return head.startswith(_OLE2)
    if ext in ("docx", "xlsx", "ofd"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        names = _zip_names(content)
        if ext == "ofd":
            return "OFD.xml" in names
        marker = "word/document.xml" if ext == "docx" else "xl/workbook.xml"
        return "[Content_Types].xml" in names and marker in names
    if ext == "mp3":
        return head.startswith(b"ID3") or (
            len(head) > 1 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0
        )
    if ext == "wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if ext == "mp4":
        return head[4:8] == b"ftyp"
    if ext == "txt":
        return _is_text(content)
    return False


def check_size(name: str, size: int) -> None:
    """Refuse an empty file or one over the limit, naming it (before it is read)."""
    shown = clean_name(name) or "（无文件名）"
    if size <= 0:
        raise ValidationError(
            f"附件“{shown}”是空文件，请重新选择。", fields={"file": "空文件"}
        )
    if size > max_bytes():
        raise ValidationError(
            f"附件“{shown}”大小为 {size_text(size)}（{size:,} 字节），"
            f"超过 {size_text(max_bytes())} 的上限，未上传。",
            fields={"file": f"超过 {size_text(max_bytes())}"},
        )


def check_file(name: str, content: bytes) -> tuple[str, FileType]:
    """The cleaned name and type of an acceptable file; refused in Chinese otherwise."""
    shown = clean_name(name)
    if not shown or shown.rpartition(".")[0] == "":
        label = shown or (name or "").strip() or "（无文件名）"
        raise ValidationError(
            f"附件“{label}”的文件名无效：须有文件名和扩展名。",
            fields={"file": "文件名无效"},
        )
    check_size(shown, len(content))
    ext = shown.rpartition(".")[2].lower()
    kind = ALLOWED.get(ext)
    if kind is None:
        raise ValidationError(
            f"附件“{shown}”的类型（.{ext}）不允许上传；可上传 {ALLOWED_TEXT}。",
            fields={"file": "类型不允许"},
        )
    for magic, what in _EXECUTABLE:
        if content.startswith(magic):
            raise ValidationError(
                f"附件“{shown}”的内容是{what}，不是{kind.label}，不予接收。",
                fields={"file": "内容是可执行程序"},
            )
    if not _matches(ext, content):
        raise ValidationError(
            f"附件“{shown}”的内容与扩展名 .{ext} 不符（不是有效的{kind.label}），"
            f"不予接收。",
            fields={"file": "内容与类型不符"},
        )
    return shown, kind


# --- storage ----------------------------------------------------------------------------------


def _write(storage_key: str, content: bytes) -> Path:
    kid, key = field_cipher().ring.current_key()
    blob = sm4_encrypt(key, content, aad=storage_key.encode())
    folder = storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / storage_key
    tmp = folder / f".{storage_key}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(MAGIC + kid.encode() + b"\n" + blob)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def _read(attachment: Attachment) -> bytes:
    path = storage_dir() / attachment.storage_key
    try:
        raw = path.read_bytes()
        if not raw.startswith(MAGIC):
            raise ValueError("not an attachment file")
        kid, _, blob = raw[len(MAGIC) :].partition(b"\n")
        key = field_cipher().ring.key(kid.decode())
        content = sm4_decrypt(key, blob, aad=attachment.storage_key.encode())
    except (OSError, ValueError, KeyError, InvalidTag):
        raise Conflict(
            f"附件“{attachment.name}”的存储文件缺失或已损坏，无法打开；请联系系统管理员。"
        ) from None
    if hashlib.sha256(content).hexdigest() != attachment.sha256:
        raise Conflict(f"附件“{attachment.name}”校验不一致，无法打开。")
    return content


# --- reads -------------------------------------------------------------------------------------


def access_attachment_by_id(viewer, attachment_id) -> Attachment:
    """An attachment of a clue or petition ``viewer`` may see; otherwise not found."""
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = (
        policies.scope_attachments(viewer, Attachment.objects.filter(pk=pk))
        .select_related("clue", "petition", "uploaded_by__unit")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


# --- writes ------------------------------------------------------------------------------------


def authorise_add(actor, *, petition: Petition | None, clue: Clue | None) -> None:
    """Refuse (not found / not allowed) an upload by ``actor`` to this clue or petition."""
    if (petition is None) == (clue is None):
        raise ValidationError("附件须属于一件信访举报或一条线索。")
    if clue is not None:
        if not policies.scope_clues(actor, Clue.objects.filter(pk=clue.pk)).exists():
            raise NotFound()
        if not policies.can_add_clue_attachment(actor, clue):
            raise PermissionDenied(
                "只有线索承办机关的人员或联合工作组成员可以上传附件。"
            )
    else:
        visible = policies.scope_petitions(
            actor, Petition.objects.filter(pk=petition.pk)
        )
        if not visible.exists():
            raise NotFound()
        if not policies.can_add_petition_attachment(actor, petition):
            raise PermissionDenied("只有受理机关的信访工作人员可以上传信访件附件。")


@transaction.atomic
def attachment_add(
    *,
    actor,
    petition: Petition | None = None,
    clue: Clue | None = None,
    name: str,
    content: bytes,
    content_type: str = "",
) -> Attachment:
    """Attach a file to a petition or a clue. The type is decided by the extension and
    the file's own bytes (``content_type`` as sent by the browser is not trusted)."""
    authorise_add(actor, petition=petition, clue=clue)
    shown, kind = check_file(name, content)
    storage_key = secrets.token_hex(24)
    path = _write(storage_key, content)
    try:
        attachment = Attachment.objects.create(
            petition=petition,
            clue=clue,
            name=shown,
            content_type=kind.content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            storage_key=storage_key,
            uploaded_by=actor,
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=attachment,
            summary={
                "所属": clue.number if clue else f"信访举报 #{petition.pk}",
                "文件": shown,
                "大小": len(content),
                "SHA-256": attachment.sha256,
            },
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


@transaction.atomic
def attachment_download(*, actor, attachment: Attachment) -> bytes:
    """The decrypted file for someone who may see it; every download is audited."""
    visible = policies.scope_attachments(
        actor, Attachment.objects.filter(pk=attachment.pk)
    )
    if not visible.exists():
        raise NotFound()
    content = _read(attachment)
    owner = attachment.clue or attachment.petition
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        obj=attachment,
        summary={
            "操作": "下载附件",
            "所属": str(owner.number if attachment.clue else f"信访举报 #{owner.pk}"),
            "文件": attachment.name,
            "大小": attachment.size,
        },
    )
    return content
