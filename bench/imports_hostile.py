"""What the probe's hostile workbook costs the import reader (issue 10): a small XLSX whose sheet
declares A1:XFD20001 and has a cell in column XFD (16,384) on every row. Each reader runs in a fresh
Python process: its time and peak RSS (VmHWM, and its growth during the read; "now" has Django loaded), then again
under tracemalloc for the peak of Python allocations.

    .venv/bin/python bench/imports_hostile.py [--rows 20000] [--naive-rows 1000]

- naive: openpyxl's read-only reader left to itself (no reset_dimensions, no max_col), the rows kept
  as the importer once kept them: 16,384 cells a row. Run on --naive-rows rows and scaled to --rows
  (the full file would take ~2.6 GB).
- main 67d7352: sheet.reset_dimensions() and max_col=200 (MAX_COLUMNS); the upload, every preview page
  and the commit each parse the file again.
- now: read_table (the header row up to 200 cells, the data rows up to the kind's last column),
  once at upload; a preview page or the commit loads the stored table (erp.imports.stored).
Needs no database: nothing is written.
"""

import argparse
import io
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["code", "name", "base_unit"]


def hostile_xlsx(rows: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for n in range(rows):
        sheet.append([f"I{n:05d}", "螺絲", "PCS"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD20001"/>', data)
                data = re.sub(rb'(<row r="(\d+)"[^>]*>.*?)</row>', lambda m: m.group(1) + b'<c r="XFD' + m.group(2)
                              + b'"><v>1</v></c></row>', data, flags=re.S)
            target.writestr(info.filename, data)
    return out.getvalue()


def naive(data: bytes) -> int:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    return len(list(sheet.iter_rows(values_only=True)))


def main_67d7352(data: bytes) -> int:
    """The reading loop of erp/imports/engine.py at 67d7352, for the three columns of the file."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    rows = [(n, {key: values[i] for i, key in enumerate(HEADERS)})
            for n, values in enumerate(sheet.iter_rows(max_col=200, values_only=True), start=1) if n > 1]
    workbook.close()
    return len(rows)


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")
    import django

    django.setup()


def now_upload(data: bytes) -> int:
    django_setup()
    from erp import imports

    table = imports.read_table(data, "hostile.xlsx", imports.import_kind("inventory.items"))
    Path(os.environ["BENCH_TABLE"]).write_bytes(imports.table_to_json(table))
    return len(table.rows)


def now_preview(_data: bytes) -> int:
    django_setup()
    from erp import imports

    return len(imports.table_from_json(Path(os.environ["BENCH_TABLE"]).read_bytes()).rows)


MODES = {"naive": naive, "main": main_67d7352, "now-upload": now_upload, "now-preview": now_preview}


def peak_rss_mb() -> float:
    """The process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def measure(mode: str, path: str) -> None:
    """In the child process: one mode, its figures as JSON on stdout."""
    data = Path(path).read_bytes()
    if mode in ("now-upload", "now-preview"):
        django_setup()  # the framework's own memory is not the reader's
    baseline = peak_rss_mb()
    started = time.perf_counter()
    rows = MODES[mode](data)
    seconds = time.perf_counter() - started  # without tracemalloc, which slows allocations down
    rss = peak_rss_mb()
    tracemalloc.start()
    MODES[mode](data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"rows": rows, "seconds": seconds, "traced_mb": peak / 2**20,
                      "rss_mb": rss, "rss_before_mb": baseline}))


def child(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", mode, str(path)], check=True, capture_output=True,
                         text=True, env={**os.environ, "BENCH_TABLE": str(path) + ".json"}, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--naive-rows", type=int, default=1000)
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    work = Path("/tmp") / f"imports-hostile-{os.getpid()}"
    work.mkdir(exist_ok=True)
    full, small = work / "full.xlsx", work / "small.xlsx"
    full.write_bytes(hostile_xlsx(args.rows))
    small.write_bytes(hostile_xlsx(args.naive_rows))
    print(f"hostile file: {full.stat().st_size / 1024:.0f} KB, {args.rows:,} rows, dimension A1:XFD20001, "
          "a cell in column XFD on every row\n")
    print(f"{'reader':<44} {'rows':>7} {'seconds':>8} {'traced MB':>10} {'peak RSS MB':>12} {'RSS growth':>11}")
    figures = child("naive", small)
    scale = args.rows / args.naive_rows
    growth = figures["rss_mb"] - figures["rss_before_mb"]
    print(f"{'naive openpyxl read-only, rows kept':<44} {figures['rows']:>7,} {figures['seconds']:>8.2f} "
          f"{figures['traced_mb']:>10.0f} {figures['rss_mb']:>12.0f} {growth:>11.0f}")
    print(f"{'  the same, scaled to the full file':<44} {args.rows:>7,} {figures['seconds'] * scale:>8.1f} "
          f"{figures['traced_mb'] * scale:>10.0f} {'':>12} {growth * scale:>11.0f}")
    for mode, label, path in (("main", "main 67d7352: each upload/preview/commit", full),
                              ("now-upload", "now: upload (read once, stored as JSON)", full),
                              ("now-preview", "now: each preview page or the commit", full)):
        figures = child(mode, path)
        print(f"{label:<44} {figures['rows']:>7,} {figures['seconds']:>8.2f} {figures['traced_mb']:>10.1f} "
              f"{figures['rss_mb']:>12.0f} {figures['rss_mb'] - figures['rss_before_mb']:>11.0f}")
    for path in (full, small, Path(str(full) + ".json")):
        path.unlink(missing_ok=True)
    work.rmdir()


if __name__ == "__main__":
    main()
