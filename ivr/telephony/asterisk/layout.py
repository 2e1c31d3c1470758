"""Where the provisioned Asterisk keeps its binary, modules and sounds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ivr.config import PROJECT_ROOT, Settings
from ivr.errors import ProvisionError


@dataclass(frozen=True, slots=True)
class AsteriskLayout:
    """Paths inside the unpacked Debian packages and the run directory."""

    prefix: Path
    run: Path

    @property
    def loader(self) -> Path:
        """Sid's own dynamic loader (the host's glibc is older)."""
        return self.prefix / "usr/lib64/ld-linux-x86-64.so.2"

    @property
    def libdir(self) -> Path:
        """Sid's shared libraries."""
        return self.prefix / "usr/lib/x86_64-linux-gnu"

    @property
    def binary(self) -> Path:
        """The asterisk executable."""
        return self.prefix / "usr/sbin/asterisk"

    @property
    def moddir(self) -> Path:
        """Loadable modules."""
        return self.libdir / "asterisk/modules"

    @property
    def datadir(self) -> Path:
        """Sounds, keys, static http."""
        return self.prefix / "usr/share/asterisk"

    @property
    def etc(self) -> Path:
        """Rendered configuration."""
        return self.run / "etc"

    @property
    def conf(self) -> Path:
        """The ``asterisk.conf`` passed with ``-C``."""
        return self.etc / "asterisk.conf"

    @property
    def pidfile(self) -> Path:
        """PID of the Asterisk process started by ``ivr``."""
        return self.run / "asterisk.pid"

    def command(self, *args: str) -> list[str]:
        """Argv running Asterisk through sid's loader."""
        return [str(self.loader), "--library-path", str(self.libdir), str(self.binary), "-C", str(self.conf), *args]

    def check(self) -> None:
        """Fail clearly when Asterisk has not been provisioned."""
        if not self.binary.exists() or not self.loader.exists():
            raise ProvisionError(
                f"Asterisk 22 is not provisioned in {self.prefix}; run `make setup` "
                f"(or `bash {PROJECT_ROOT / 'scripts/provision-asterisk.sh'}`)"
            )


def layout_for(settings: Settings) -> AsteriskLayout:
    """The layout the settings point at."""
    return AsteriskLayout(settings.paths.asterisk_prefix, settings.paths.home / "asterisk")
