"""`hearth models download` and `hearth models get` show one progress line, the same way."""
from __future__ import annotations

from assistant.commands import models


def test_progress_is_one_line_redrawn_at_each_percent(capsys):
    progress = models._progress_printer("m-Q4_K_M.gguf")
    for done in range(0, (4 << 20) + 1, 4096):  # many small chunks of a 4 MB file
        progress(done, 4 << 20)
    err = capsys.readouterr().err
    frames = err.split("\r")[1:]
    assert len(frames) == 101  # 0% .. 100%, not one line per chunk
    assert frames[-1] == "  m-Q4_K_M.gguf: 100% (4 MB of 4 MB)" and "\n" not in err


def test_progress_without_a_total_counts_megabytes(capsys):
    progress = models._progress_printer("model.gguf")
    for done in range(0, (3 << 20) + 1, 65536):
        progress(done, None)
    frames = capsys.readouterr().err.split("\r")[1:]
    assert frames == [f"  model.gguf: {mb} MB" for mb in range(4)]  # it moves while the size is unknown


def test_a_failed_or_cancelled_download_says_so_and_returns_the_exit_status(capsys):
    from assistant.core.models.download import DownloadError

    def fails(progress, cancel):
        progress(1 << 20, 2 << 20)
        raise DownloadError("m.gguf: the checksum does not match")

    assert models._download("m.gguf", fails) == 1
    err = capsys.readouterr().err
    assert err.endswith("\nDownload failed: m.gguf: the checksum does not match\n") and "50% (1 MB of 2 MB)" in err
    seen = []

    def interrupted(progress, cancel):
        seen.append(cancel)
        raise KeyboardInterrupt

    assert models._download("m.gguf", interrupted) == 130
    assert seen[0].is_set() and "run the same command again to resume" in capsys.readouterr().err
    assert models._download("m.gguf", lambda progress, cancel: "done") == "done"
