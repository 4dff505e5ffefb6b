"""Reproducible archives for make dist (scripts/dist.sh).

    dist_archive.py tar DIR OUT.tar.gz     DIR as OUT's top folder
    dist_archive.py zip DIR OUT.zip        the same as a zip (Windows)
    dist_archive.py retar IN.tar.gz OUT.tar.gz

Members are sorted by name, owned by 0:0 without names, dated
SOURCE_DATE_EPOCH (default 0), with modes 755 (folders and executables) or
644; symbolic links stay links in a tar; the gzip header carries no time or
file name. So the same tree gives the same bytes on any machine.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import tarfile
import time
import zipfile
from pathlib import Path

EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))


def _norm(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime = EPOCH
    info.pax_headers = {}  # a source pax mtime (or owner) would override the fields below
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if info.isdir() or (info.isfile() and info.mode & 0o111):
        info.mode = 0o755
    elif info.issym():
        info.mode = 0o777
    else:
        info.mode = 0o644
    return info


def _write_tar(out: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in sorted(members, key=lambda m: m[0].name):
            tar.addfile(_norm(info), io.BytesIO(data) if data is not None else None)
    with open(out, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
        gz.write(buf.getvalue())


def _walk(top: Path) -> list[Path]:
    paths = [top]
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        paths += [Path(dirpath) / n for n in sorted(dirnames + filenames)]
    return paths


def tar_dir(top: Path, out: Path) -> None:
    members = []
    with tarfile.open(os.devnull, "w") as t:
        for p in _walk(top):
            info = t.gettarinfo(str(p), arcname=str(Path(top.name) / p.relative_to(top)))
            members.append((info, p.read_bytes() if info.isfile() else None))
    _write_tar(out, members)


def retar(src: Path, out: Path) -> None:
    members = []
    with tarfile.open(src) as t:
        for info in t.getmembers():
            f = t.extractfile(info) if info.isfile() else None
            members.append((info, f.read() if f else None))
    _write_tar(out, members)


def zip_dir(top: Path, out: Path) -> None:
    stamp = time.gmtime(max(EPOCH, 315532800))[:6]  # zip cannot date before 1980
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for p in _walk(top)[1:]:
            name = str(Path(top.name) / p.relative_to(top)) + ("/" if p.is_dir() else "")
            info = zipfile.ZipInfo(name, stamp)
            info.external_attr = ((0o755 if p.is_dir() or os.access(p, os.X_OK) else 0o644) | (0o40000 if p.is_dir() else 0o100000)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, b"" if p.is_dir() else p.read_bytes())


def main() -> None:
    cmd, src, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    {"tar": tar_dir, "zip": zip_dir, "retar": retar}[cmd](src, out)


if __name__ == "__main__":
    main()
