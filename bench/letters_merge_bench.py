"""A batch's merged PDF: the streaming merger (crm.letters.pdfmerge, what the batch download
job runs) at 1,000 and 5,000 letters against pypdf's in-memory PdfWriter at 1,000.

It renders --distinct real Teguran I letters (two pages: the 12-month arrears table, the
logo, the QR code), each with its own number and addressee, and stores the largest N
copies in a file store of its own: copy i is letter i % --distinct with an incremental
update that retitles it (a new /Info and a cross-reference stream appended), so every copy
has bytes of its own and the merger opens each as a separate source file. Each merge runs
in a fresh subprocess, from storage keys to the stored result, exactly as the job does
(`bulk.build_download` then `storage.put_file`); the child resets its peak RSS after its
imports (/proc/self/clear_refs) and reports VmHWM over the RSS it started from. The parent
then checks the stored PDF with pypdf (strict) and counts its pages.

Not part of the test suite; it needs no database or Redis:

    .venv/bin/python bench/letters_merge_bench.py    # about 2 minutes (+1 the first time)
    .venv/bin/python bench/letters_merge_bench.py --sizes 1000 --old 0
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 2**20
DEFAULT_WORK = Path(tempfile.gettempdir()) / "relasi-merge-bench"


def app_for(work: Path):
    os.environ["CRM_INSTANCE_PATH"] = str(work / "instance")
    os.environ["CRM_FILE_STORE"] = str(work / "files")
    from crm import create_app
    from crm.config import Config

    return create_app(Config())


# -- the letters ---------------------------------------------------------------------------------


def render_letters(count: int) -> list[bytes]:
    """Distinct real letters: the Teguran I sample with its own number and addressee."""
    from crm.letters.render import render_letter
    from crm.letters.samples import sample_context

    pdfs = []
    for i in range(count):
        ctx = sample_context("teguran_1")
        ctx["number"] = f"B/{2000 + i}/112026"
        ctx["addressee"] = {**ctx["addressee"], "company": f"PT Contoh Nusantara {i + 1}"}
        pdfs.append(render_letter(ctx))
    return pdfs


def retitled(pdf: bytes, copy: int) -> bytes:
    """The letter with an incremental update giving it its own /Info title: a new Info
    object and a cross-reference stream (as WeasyPrint's own) pointing to the old one."""
    from pypdf import PdfReader

    trailer = PdfReader(io.BytesIO(pdf)).trailer
    size = int(trailer["/Size"])
    root, info = trailer.raw_get("/Root").idnum, trailer.raw_get("/Info").idnum
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    body = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    info_at = len(body)
    body += b"%d 0 obj\n<< /Producer (WeasyPrint 70.0) /Title (Surat copy %d) >>\nendobj\n" % (
        info,
        copy,
    )
    xref_at = len(body)
    rows = struct.pack(">BIH", 1, info_at, 0) + struct.pack(">BIH", 1, xref_at, 0)
    body += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%d 1 %d 1] /Prev %d"
        b" /Root %d 0 R /Info %d 0 R /Length %d >>\nstream\n"
        % (size, size + 1, info, size, prev, root, info, len(rows))
    )
    body += rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return body


def prepare(work: Path, copies: int, distinct: int) -> list[str]:
    """The storage keys of `copies` distinct letter files (kept between runs)."""
    manifest = work / f"keys-{copies}-{distinct}.json"
    if manifest.exists():
        return json.loads(manifest.read_text())
    from crm import storage

    started = time.perf_counter()
    letters = render_letters(distinct)
    print(f"rendered {distinct} letters in {time.perf_counter() - started:.1f} s", flush=True)
    keys = [storage.put_bytes(retitled(letters[i % distinct], i)) for i in range(copies)]
    assert len(set(keys)) == copies
    manifest.write_text(json.dumps(keys))
    return keys


# -- one merge, in a child process ---------------------------------------------------------------


def status(field: str) -> int:
    """A /proc/self/status figure in bytes (VmRSS, VmHWM)."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024


def in_memory_merge(files: list[tuple[str, str]]) -> str:
    """The code this replaced: pypdf's PdfWriter, the whole output in memory, then stored."""
    from pypdf import PdfWriter

    from crm import storage

    writer = PdfWriter()
    for _name, key in files:
        writer.append(io.BytesIO(storage.read_bytes(key)))
    out = io.BytesIO()
    writer.write(out)
    return storage.put_bytes(out.getvalue())


def streaming_merge(files: list[tuple[str, str]]) -> str:
    """What the batch download job does."""
    from crm import storage
    from crm.letters import bulk

    with bulk.build_download("pdf", files) as tmp:
        return storage.put_file(tmp)


def child(work: Path, kind: str, n: int, distinct: int, copies: int) -> None:
    import pypdf  # noqa: F401 - imported before the baseline, as in a worker

    from crm.letters import bulk, pdfmerge  # noqa: F401

    app = app_for(work)
    with app.app_context():
        keys = json.loads((work / f"keys-{copies}-{distinct}.json").read_text())[:n]
        files = [(f"{i}.pdf", key) for i, key in enumerate(keys)]
        merge = streaming_merge if kind == "stream" else in_memory_merge
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        baseline = status("VmRSS")
        started = time.perf_counter()
        cpu = time.process_time()
        key = merge(files)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = status("VmHWM")
    print(json.dumps({"key": key, "wall": wall, "cpu": cpu, "baseline": baseline, "peak": peak}))


def run(work: Path, kind: str, n: int, distinct: int, copies: int) -> dict:
    argv = [sys.executable, __file__, "--child", kind, "--work", str(work)]
    argv += ["--n", str(n), "--distinct", str(distinct), "--copies", str(copies)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    from pypdf import PdfReader

    from crm.storage.local import LocalStore

    # The bench's store is a folder (app_for): pypdf reads the stored file in place.
    path = LocalStore(work / "files").path_for(result["key"])
    result["size"] = path.stat().st_size
    result["pages"] = len(PdfReader(path, strict=True).pages)
    return result


def machine() -> str:
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
    import pypdf
    import weasyprint

    return (
        f"nproc {os.cpu_count()}, RAM {free[1].split()[1]} ({free[1].split()[2]} used), "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"pypdf {pypdf.__version__}, WeasyPrint {weasyprint.__version__}, "
        f"load {' / '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--old", type=int, default=1000, help="in-memory merge size (0: none)")
    parser.add_argument("--distinct", type=int, default=20, help="letters rendered")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--child", choices=("stream", "memory"), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--copies", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.work, args.child, args.n, args.distinct, args.copies)
        return
    copies = max([*args.sizes, args.old])
    app = app_for(args.work)
    with app.app_context():
        prepare(args.work, copies, args.distinct)
        print(machine(), flush=True)
        runs = [("stream", n) for n in args.sizes] + ([("memory", args.old)] if args.old else [])
        print("| merge | letters | pages | seconds | CPU s | peak RSS over baseline | output |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for kind, n in runs:
            r = run(args.work, kind, n, args.distinct, copies)
            label = "streaming (pdfmerge)" if kind == "stream" else "in memory (PdfWriter)"
            print(
                f"| {label} | {n:,} | {r['pages']:,} | {r['wall']:.1f} | {r['cpu']:.1f} "
                f"| {(r['peak'] - r['baseline']) / MB:.0f} MB (baseline {r['baseline'] / MB:.0f}"
                f" MB) | {r['size'] / MB:.0f} MB |",
                flush=True,
            )


if __name__ == "__main__":
    main()
