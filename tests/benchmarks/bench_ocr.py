"""OCR benchmark: scanned pages per minute, against text-layer PDF pages indexed in the same run.

Run: ``python tests/benchmarks/bench_ocr.py [--quick]``. Prints progress, then ONE JSON object as
the last line with:

- ``ocr_pages_per_min``: pages of the scanned PDFs in ``../shared/eval/pdfs/scanned`` (those
  without a text layer: 175.pdf, issue7200.pdf, issue7229.pdf) indexed end to end (the parser
  child renders each page with PDFium and reads it with RapidOCR, then chunking, a hash embedder,
  Chroma and the manifest), per minute of wall time.
- ``text_pages_per_min``: the same pipeline on text-layer PDFs (the clean and large corpus files).
- ``ocr_vs_text_indexing_ratio``: the first divided by the second (how many times slower a
  scanned page is than a text page; the embedder is the hash fake in both, so this is parsing).
- ``ocr_partial_pages``: pages that hit the per-page deadline (their text is incomplete).
- ``garbled_cjk_total`` / ``garbled_cjk_recovered`` / ``garbled_cjk_extractors``: the CJK PDFs
  whose pypdf text is mojibake, and how many are indexed with real text (by PDFium or OCR).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PDFS = ROOT.parent / "shared" / "eval" / "pdfs"
SCANS = ["scanned/pdfminer__nonfree__175.pdf", "scanned/pdfjs__issue7200.pdf", "scanned/pdfjs__issue7229.pdf"]
TEXT = ["clean/pdfjs__tracemonkey.pdf", "clean/pdfminer__nonfree__naacl06-shinyama.pdf",
        "large/pdfminer__nonfree__i1040nr.pdf", "clean/pypdf__GeoBase_NHNC1_Data_Model_UML_EN.pdf"]
GARBLED_CJK = ["cjk/pdfjs__XiaoBiaoSong.pdf", "cjk/pdfjs__issue3521.pdf", "cjk/pdfminer__jo.pdf",
               "cjk/pdfminer__nonfree__kampo.pdf", "cjk/pdfminer__nonfree__nlp2004slides.pdf",
               "cjk/pdfjs__issue16538.pdf"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _pages(files: list[Path]) -> int:
    from pypdf import PdfReader

    return sum(len(PdfReader(str(f)).pages) for f in files)


def _index(kb, name: str, files: list[str], work: Path) -> tuple[float, list]:
    folder = work / name
    folder.mkdir()
    for f in files:
        shutil.copy(PDFS / f, folder / Path(f).name)
    t = time.perf_counter()
    reports = kb.index(name, [folder])
    return time.perf_counter() - t, reports


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one scanned PDF and one text PDF")
    args = ap.parse_args()
    from assistant.core.knowledge import HashEmbedder, KnowledgeBase
    from assistant.core.knowledge import types as T
    from assistant.core.knowledge.parsers import parse_file
    from assistant.core.paths import resolve

    scans = SCANS[1:2] if args.quick else SCANS
    text = TEXT[:1] if args.quick else TEXT
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        kb = KnowledgeBase(resolve(work / "home").ensure(), HashEmbedder(), parse_timeout=600)
        try:
            # Warm the parser child (imports) and the OCR engine's first load outside the timing.
            kb._pool.parse(str(PDFS / "scanned/samplefiles__007-imagemagick-images__imagemagick-CCITTFaxDecode.pdf"))
            log(f"text PDFs: {len(text)} files, {_pages([PDFS / f for f in text])} pages")
            text_s, _ = _index(kb, "text", text, work)
            text_pages = _pages([PDFS / f for f in text])
            log(f"text: {text_s:.1f} s")
            ocr_s, reports = _index(kb, "scans", scans, work)
            ocr_pages = _pages([PDFS / f for f in scans])
            for r in reports:
                log(f"  {Path(r.path).name}: {r.status}, {r.chunks} chunks; {r.reason}")
            log(f"OCR: {ocr_pages} pages in {ocr_s:.1f} s")
        finally:
            kb.close()
    out["ocr_pages"] = ocr_pages
    out["ocr_seconds"] = round(ocr_s, 1)
    out["ocr_pages_per_min"] = round(ocr_pages / ocr_s * 60, 2)
    out["text_pages_per_min"] = round(text_pages / text_s * 60, 1)
    out["ocr_vs_text_indexing_ratio"] = round(out["ocr_pages_per_min"] / out["text_pages_per_min"], 5)
    out["ocr_partial_pages"] = sum(int(m.group(1)) for r in reports
                                   for m in [re.search(r"(\d+) pages? read only in part", r.reason)] if m)
    recovered, how = 0, {}
    for f in GARBLED_CJK:
        res = parse_file(str(PDFS / f))
        ok = res.status == T.INDEXED and any(s.text.strip() for s in res.sections)
        recovered += ok
        how[Path(f).name] = res.extractor if ok else res.status
    out["garbled_cjk_total"] = len(GARBLED_CJK)
    out["garbled_cjk_recovered"] = recovered
    out["garbled_cjk_extractors"] = how
    out["cpu_count"] = os.cpu_count()
    out["load_average_1min"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
