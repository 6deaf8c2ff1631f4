"""Compile the allocation engine's seat kernel (Cython) next to its source.

`make env` runs this after installing the locked environment, so a fresh clone gets the
compiled kernel; without it the engine runs its Python loop (same answers, about 4× slower).
"""

from __future__ import annotations

import sys
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Distribution, Extension
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "src/smartalloc/domain/batch_kernel.pyx"


def main() -> int:
    extension = Extension("smartalloc.domain.batch_kernel", [SOURCE],
                          extra_compile_args=["-O3"])
    modules = cythonize([extension], quiet=True, compiler_directives={"language_level": 3},
                        build_dir=str(ROOT / "build" / "cython"))
    dist = Distribution({"ext_modules": modules, "package_dir": {"": "src"},
                         "script_args": ["--quiet"]})
    command = build_ext(dist)
    command.inplace = True
    command.build_temp = str(ROOT / "build" / "temp")
    command.ensure_finalized()
    command.run()
    return 0


if __name__ == "__main__":
    import os
    os.chdir(ROOT)
    sys.exit(main())
