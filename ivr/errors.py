"""One error tree for the whole voicebot: every error has a stable ``code`` and a ``retryable`` flag."""

from __future__ import annotations


class IvrError(Exception):
    """Base of every error the project raises on purpose."""

    code: str = "ivr"
    retryable: bool = False

    def __init__(self, message: str, *, code: str | None = None, retryable: bool | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        if retryable is not None:
            self.retryable = retryable

    @property
    def message(self) -> str:
        """The human-readable message."""
        return str(self.args[0]) if self.args else self.code


class ConfigError(IvrError):
    """Invalid or missing configuration."""

    code = "config"


class ProvisionError(IvrError):
    """Asterisk or a model could not be installed."""

    code = "provision"


class TelephonyError(IvrError):
    """ARI, AMI or media transport failure."""

    code = "telephony"
    retryable = True


class AriError(TelephonyError):
    """A REST call to ARI answered with an error status."""

    code = "ari"

    def __init__(self, message: str, *, status: int = 0, retryable: bool | None = None) -> None:
        super().__init__(message, retryable=retryable if retryable is not None else status >= 500)
        self.status = status


class AriNotFound(AriError):
    """The channel, bridge or playback is gone (usually: the caller hung up)."""

    code = "ari_not_found"
    retryable = False


class AmiError(TelephonyError):
    """An AMI action failed."""

    code = "ami"


class AudioError(IvrError):
    """Audio in an unexpected format."""

    code = "audio"


class ModelError(IvrError):
    """A speech or language model is missing or corrupt."""

    code = "model"


class AsrError(IvrError):
    """Speech recognition failed."""

    code = "asr"
    retryable = True


class TtsError(IvrError):
    """Speech synthesis failed."""

    code = "tts"


class KnowledgeError(IvrError):
    """The knowledge base is invalid."""

    code = "knowledge"


class DialogError(IvrError):
    """An illegal transition in a call or dialog state machine."""

    code = "dialog"


class StoreError(IvrError):
    """Persistence failed."""

    code = "store"
    retryable = True


class SmsError(IvrError):
    """An SMS could not be handed to the gateway."""

    code = "sms"
    retryable = True
