"""The build step pyproject.toml cannot express: ship the top-level folders inside the package.

workflows/, notifications/ and examples/ stay at the top of the checkout, where people who are not
programmers read and edit them; a wheel (`pip install .`, a container image) gets a copy of each
under parflow/shipped/, which `parflow.settings` falls back to when there is no checkout beside
the code. An editable install (`pip install -e .`) reads the checkout's folders directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("workflows", "notifications", "examples")


class BuildWithShippedFolders(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "parflow" / "shipped"
        shutil.rmtree(target, ignore_errors=True)
        for name in SHIPPED:
            shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithShippedFolders})
