"""Reading a .zip of articles safely: nothing is written to disk, every name is checked,
and decompression stops at the configured limits (so a zip bomb costs a bounded amount)."""

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.template.defaultfilters import filesizeformat

from annotator.articles.parsing import ARCHIVE_SUFFIXES, binary_kind

NESTED_SUFFIXES = ARCHIVE_SUFFIXES | {".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz"}
CHUNK = 64 * 1024


class ArchiveRejected(Exception):
    """The whole archive is refused; nothing from it is imported."""


@dataclass
class Member:
    name: str
    data: bytes | None  # None when `reason` says why this member is refused
    reason: str = ""


def _unsafe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return (
        name.startswith(("/", "\\"))
        or ".." in path.parts
        or (len(name) > 1 and name[1] == ":")  # C:\...
        or "\x00" in name
    )


def _is_junk(name: str) -> bool:
    """Files that archivers add by themselves (macOS resource forks, Finder metadata)."""
    parts = PurePosixPath(name).parts
    return parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] == ".DS_Store"


def zip_members(
    data: bytes, *, max_files: int, max_total_bytes: int, max_member_bytes: int
) -> Iterator[Member]:
    """Each file of the zip, in order. Raises ArchiveRejected for problems of the whole
    archive: not a zip, encrypted, too many files, or more than `max_total_bytes` unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ArchiveRejected("This .zip file is damaged or not a zip archive.") from exc
    infos = [info for info in infos if not _is_junk(info.filename)]
    if len(infos) > max_files:
        raise ArchiveRejected(
            f"The archive holds {len(infos):,} files; the limit is {max_files:,} per batch. "
            "Split it into smaller archives."
        )
    declared = sum(info.file_size for info in infos)
    limit_text = filesizeformat(max_total_bytes)
    if declared > max_total_bytes:
        raise ArchiveRejected(
            f"The archive unpacks to {filesizeformat(declared)}, more than the {limit_text} "
            "allowed per batch."
        )
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            yield Member(name, None, "Unsafe file name in the archive (absolute or with “..”).")
            continue
        if PurePosixPath(name.lower()).suffix in NESTED_SUFFIXES:
            yield Member(name, None, "Archives inside archives are not opened.")
            continue
        if info.flag_bits & 0x1:
            raise ArchiveRejected("The archive is password-protected; unpack it first.")
        if info.file_size > max_member_bytes:
            yield Member(name, None, _too_big(info.file_size, max_member_bytes))
            continue
        member = _read_capped(archive, info, max_member_bytes)
        if member is None:
            yield Member(name, None, _too_big(max_member_bytes + 1, max_member_bytes))
            total += max_member_bytes
            continue
        total += len(member)
        if total > max_total_bytes:
            # The sizes in the directory lied: this is a zip bomb. Stop here.
            raise ArchiveRejected(
                f"The archive unpacks to more than the {limit_text} allowed per batch "
                "(its listed sizes are wrong): stopped, nothing imported from it."
            )
        if binary_kind(member) and "zip" in (binary_kind(member) or ""):
            yield Member(name, None, "Archives inside archives are not opened.")
            continue
        yield Member(name, member)


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
    """The member's bytes, or None as soon as it unpacks to more than `cap`."""
    buffer = bytearray()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                buffer += chunk
                if len(buffer) > cap:
                    return None
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
        message = f"“{info.filename}” in the archive cannot be unpacked: {exc}"
        raise ArchiveRejected(message) from exc
    return bytes(buffer)


def _too_big(size: int, limit: int) -> str:
    return f"The file is {filesizeformat(size)}; the limit is {filesizeformat(limit)} per article."
