#!/usr/bin/env python3
"""Rebuild llama-cpp-python in .venv for a GPU backend, so the next bundle carries it.

    python3 packaging/gpu/build_llama.py cuda     # NVIDIA, Linux/Windows: needs the CUDA toolkit (nvcc)
    python3 packaging/gpu/build_llama.py vulkan   # AMD/Intel/NVIDIA, Linux/Windows: needs the Vulkan SDK (glslc)
    python3 packaging/gpu/build_llama.py metal    # Apple Silicon macOS: needs Xcode command-line tools
    python3 packaging/gpu/build_llama.py cpu      # back to the plain CPU build
    python3 packaging/dev.py bundle               # then build the bundle as usual

Standard library only. The compile takes 5-20 minutes (CUDA is the slowest). pip is told not
to use its wheel cache, which would otherwise hand back the CPU wheel it built earlier.
The bundle spec collects whatever ggml backend libraries the installed llama-cpp-python has,
and PyInstaller's dependency analysis pulls in the toolkit libraries they link to (for CUDA:
cudart, cublas, cublasLt). The GPU driver itself (libcuda, nvcuda.dll, libvulkan/vulkan-1.dll)
is never bundled: it comes from the user's system.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
LLAMA_SPEC = "llama-cpp-python==0.3.36"

BACKENDS = {
    # CUDA: build kernels for the common consumer/datacenter GPUs (Turing .. Hopper/Blackwell)
    # rather than only the build machine's GPU ("native"), so the bundle runs elsewhere.
    "cuda": (["-DGGML_CUDA=on", "-DCMAKE_CUDA_ARCHITECTURES=75;80;86;89;90"], "nvcc"),
    "vulkan": (["-DGGML_VULKAN=on"], "glslc"),
    # The Metal shaders are embedded in the library, so the .app needs no loose .metal file.
    "metal": (["-DGGML_METAL=on", "-DGGML_METAL_EMBED_LIBRARY=on"], "xcrun"),
    "cpu": (["-DGGML_NATIVE=off"], None),
}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in BACKENDS:
        print(__doc__)
        return 2
    backend = argv[0]
    flags, tool = BACKENDS[backend]
    if backend == "metal" and sys.platform != "darwin":
        print("Metal builds only on macOS.")
        return 2
    if tool and not shutil.which(tool):
        print(f"{tool} not found on PATH: install the {backend} SDK/toolkit first "
              "(see packaging/README-bundles.md, 'GPU bundles').")
        return 2
    if not PY.exists():
        print(f"{PY} not found: run python3 packaging/dev.py setup first.")
        return 2
    # GGML_NATIVE=off: never tune for the build machine's CPU, the bundle runs on others.
    cmake_args = " ".join(flags + (["-DGGML_NATIVE=off"] if backend != "cpu" else []))
    env = dict(os.environ, CMAKE_ARGS=cmake_args, FORCE_CMAKE="1")
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
    print(f"building {LLAMA_SPEC} with CMAKE_ARGS={cmake_args!r}", flush=True)
    cmd = [str(PY), "-m", "pip", "install", "--force-reinstall", "--no-deps", "--no-cache-dir",
           "--no-binary", "llama-cpp-python", LLAMA_SPEC]
    rc = subprocess.call(cmd, env=env)
    if rc == 0:
        print(f"done: llama-cpp-python now uses {backend}. Check with `.venv/bin/hearth doctor`, "
              "then build the bundle (python3 packaging/dev.py bundle).")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
