"""Starting real `parflow` processes for deployment tests: environment, readiness, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

PARFLOW = Path(sys.executable).with_name("parflow")


def environment(settings: dict[str, str]) -> dict[str, str]:
    """The test's environment without any PARFLOW_* of the developer's, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARFLOW_")}
    env.update({f"PARFLOW_{k.upper()}": v for k, v in settings.items()})
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, name: str, args: list[str], env: dict[str, str], folder: Path) -> Process:
        log = folder / f"{name}.log"
        with log.open("wb") as out:
            # own process group: stopping it reaches uvicorn's worker processes too
            popen = subprocess.Popen(
                [str(PARFLOW), *args],
                env=env,
                cwd=folder,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return cls(name, popen, log)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> int:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        return self.popen.returncode


def wait_until_healthy(base_url: str, process: Process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise AssertionError(f"{process.name} exited early:\n{process.output()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{process.name} did not become healthy:\n{process.output()}")
