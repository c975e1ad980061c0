"""kill -9 during indexing, at several points, then index again: exactly the same chunks as a clean run.

Real parts: a separate Python process running the real indexer (parser child, real Chroma, SQLite
manifest), killed with SIGKILL; the hash embedder keeps it fast.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant.core import paths as P
from assistant.core.knowledge import HashEmbedder, KnowledgeBase

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from assistant.core import paths
    from assistant.core.knowledge import HashEmbedder, KnowledgeBase

    def main():
        kb = KnowledgeBase(paths.resolve(sys.argv[1]).ensure(), HashEmbedder())
        def progress(p):
            print(p.phase, p.files_done, p.chunks_done, flush=True)
        kb.index("docs", [Path(sys.argv[2])], progress=progress)
        print("finished", flush=True)
        kb.close()

    if __name__ == "__main__":
        main()
""")


def make_docs(folder: Path, shared_eval: Path) -> None:
    folder.mkdir()
    for i in range(24):
        body = "\n\n".join(f"Document {i} paragraph {j}: " + " ".join(f"word{(i * 31 + j * 7 + k) % 97}"
                                                                      for k in range(60)) for j in range(12))
        (folder / f"note{i:02d}.md").write_text(f"# Note {i}\n\n{body}\n", encoding="utf-8")
    shutil.copy(shared_eval / "pdfs" / "clean" / "pdfjs__tracemonkey.pdf", folder / "paper.pdf")


def chunk_state(home: Path) -> tuple[set[str], set[str], int]:
    kb = KnowledgeBase(P.resolve(home).ensure(), HashEmbedder())
    try:
        store = kb._get("docs")
        chroma_ids = store.all_chroma_ids()  # opening reconciles first
        return store.manifest.chunk_ids(), chroma_ids, store.chroma.count()
    finally:
        kb.close()


@pytest.mark.slow
def test_kill_minus_9_anywhere_then_reindex_converges(tmp_path, shared_eval):
    docs = tmp_path / "docs"
    make_docs(docs, shared_eval)
    script = tmp_path / "run_index.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))

    def run(home: Path, kill_after_lines: int | None) -> tuple[bool, int]:
        proc = subprocess.Popen([sys.executable, str(script), str(home), str(docs)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=env)
        assert proc.stdout is not None
        lines = 0
        for line in proc.stdout:
            lines += 1
            if kill_after_lines is not None and lines >= kill_after_lines:
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(60)
        return proc.returncode == 0, lines

    reference_home = tmp_path / "reference"
    ok, total_lines = run(reference_home, None)
    assert ok
    ref_manifest, ref_chroma, ref_count = chunk_state(reference_home)
    assert ref_manifest == ref_chroma and ref_count == len(ref_manifest) > 24

    home = tmp_path / "crashy"
    partial: list[int] = []
    # From scanning and parsing through embedding and the writes of each group, to the very end.
    for fraction in (0.1, 0.4, 0.6, 0.8, 0.9, 0.97):
        killed_early = not run(home, max(1, int(total_lines * fraction)))[0]
        manifest_ids, chroma_ids, count = chunk_state(home)
        assert manifest_ids <= ref_manifest and chroma_ids == manifest_ids and count == len(manifest_ids), \
            f"after a kill at {fraction:.0%} of the run: orphans or duplicates"
        assert killed_early or manifest_ids == ref_manifest
        partial.append(len(manifest_ids))
    assert any(0 < n < len(ref_manifest) for n in partial), f"no kill landed mid-run: {partial}"
    assert run(home, None)[0]
    manifest_ids, chroma_ids, count = chunk_state(home)
    assert manifest_ids == ref_manifest == chroma_ids and count == len(ref_manifest)
