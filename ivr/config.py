"""Settings: a frozen, typed tree loaded in layers (defaults -> TOML -> environment -> overrides).

Environment variables are ``IVR_<SECTION>__<FIELD>`` (e.g. ``IVR_ASR__ENGINE=vosk``); the TOML file is
``$IVR_CONFIG`` or ``<home>/ivr.toml``. Secrets have no working defaults: they are generated on first run
into ``<home>/secrets.toml`` (mode 0600).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ivr.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class PathsSettings:
    """Where things live."""

    home: Path = PROJECT_ROOT / ".run"
    """Run directory: rendered Asterisk config, PID files, logs, database, secrets."""
    asterisk_prefix: Path = PROJECT_ROOT / ".asterisk"
    """Unpacked Asterisk 22 (git-ignored, made by scripts/provision-asterisk.sh)."""
    cache_dir: Path = Path(os.environ.get("IVR_CACHE_DIR", str(Path.home() / ".cache" / "ivr")))
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    voices_dir: Path = PROJECT_ROOT / "voices"
    asterisk_conf_dir: Path = PROJECT_ROOT / "asterisk-conf"
    dialplans_dir: Path = PROJECT_ROOT / "dialplans"


@dataclass(frozen=True, slots=True)
class AsteriskSettings:
    """The local Asterisk and how the bot reaches it."""

    bind: str = "127.0.0.1"
    """Management address: ARI, AMI and Asterisk's HTTP server listen here (loopback unless you must)."""
    sip_bind: str = ""
    """Address of the SIP (UDP) transport facing the carrier and phones; empty means ``bind``."""
    agent_networks: tuple[str, ...] = ("127.0.0.0/8",)
    """Networks agents' phones and browsers may register from (PJSIP ``permit`` / ``contact_permit``)."""
    ami_networks: tuple[str, ...] = ("127.0.0.0/8",)
    """Networks AMI logins may come from (``manager.conf`` ``permit``). A cluster on real addresses adds them: the
    media nodes' callback dialers and the web front log into the queue node's AMI, each bot into its node's (on
    one host, a connection to an address of the host comes from that same address)."""
    sip_port: int = 5060
    ari_port: int = 8088
    tls_port: int = 8089
    """Asterisk's HTTPS/WSS listener on ``bind``: the browser softphone's secure WebSocket."""
    tls_cert: str = ""
    tls_key: str = ""
    """PEM files of a real certificate; empty: a self-signed one is generated into ``<home>/tls/``."""
    ami_port: int = 5038
    app: str = "ivr"
    audiosocket_host: str = "127.0.0.1"
    audiosocket_port: int = 9092
    trunk_match: tuple[str, ...] = ("127.0.0.2",)
    """Source addresses of the SIP trunk (carrier); calls from there reach the voicebot."""
    did: str = "3939"
    """The city's public number as dialled on the trunk (any number reaches the bot)."""
    agents: tuple[str, ...] = ("agent1", "agent2", "agent3")
    agent_services: tuple[str, ...] = ("agent1=accueil,etat_civil", "agent2=accueil", "agent3=*")
    """Which queues each agent sits in: ``name=service,service`` (``*`` = every queue)."""
    fallback_queue: str = "accueil"
    trunk_contact: str = "127.0.0.2:5070"
    """Where calls out through the trunk go (callbacks, emergency transfer): the carrier's SIP address."""
    queue_timeout_s: int = 300
    """After this wait in a queue the caller is offered a callback (back in the bot)."""
    queue_periodic_announce: str = ""
    """Sound played periodically in queues (default: the bot's rendered "press 1 to be called back")."""
    rtp_start: int = 10000
    rtp_end: int = 10999
    ari_user: str = "ivr"
    ami_user: str = "ivr"
    role: str = "single"
    """``single``: one box, queues and agents here. ``media``: a cluster's media node, whose ``ivr-queue`` and
    ``ivr-fallback`` hand the caller to the queue node over SIP (``X-IVR-Call-Id``, ``X-IVR-Summary``).
    ``queue``: the cluster's queue node, where agents register and the media nodes' calls enter ``Queue()``."""
    queue_node: str = ""
    """Media nodes: the queue node's SIP address, ``host:port``."""
    media_nodes: tuple[str, ...] = ()
    """Queue node: the media nodes' source addresses; only they may hand callers over (PJSIP ``identify``)."""


@dataclass(frozen=True, slots=True)
class VadSettings:
    """Turn-taking."""

    end_of_speech_ms: int = 600
    """Silence that ends a turn. ``bench/eos_tuning.py`` (150 French prompts): 1.3 % of turns cut from 400 to
    1000 ms, 4.0 % at 300; hesitations of 0.3–0.9 s: 73 % cut at 600, 84 % at 500, 93 % at 400. Recognition
    starts at ``pause_ms`` on the same audio, so the text is ready max(600, 250 + ASR ≈ 300) = 600 ms after the
    last word; 500 would gain only 50 ms for 11 points more cut hesitations."""
    preroll_ms: int = 300
    min_speech_ms: int = 200
    no_input_s: float = 7.0
    max_utterance_s: float = 15.0
    speech_threshold: float = 0.5
    webrtc_aggressiveness: int = 2
    pause_ms: int = 250
    """Silence after which ``SpeechPaused`` is emitted so recognition can start before the end is final."""
    postroll_ms: int = 200
    """Trailing silence kept after the last speech frame in an utterance's audio."""
    detector: str = "combined"
    """``combined`` (WebRTC gate + Silero decision), ``silero`` or ``webrtc``."""


@dataclass(frozen=True, slots=True)
class AsrSettings:
    """Speech recognition."""

    engine: str = "whisper"
    """``whisper`` (faster-whisper, default), ``vosk`` (needs ``vosk_model_dir``) or ``wyoming`` (needs
    ``wyoming_uris``)."""
    wyoming_uris: tuple[str, ...] = ()
    """Wyoming ASR servers (``tcp://host:port``, comma-separated in the environment), balanced and health-checked."""
    wyoming_timeout_s: float = 5.0
    """A server that has not answered an utterance within this is marked down and the next one is tried."""
    wyoming_fallback: bool = True
    """When every Wyoming server is down, recognise in process with the whisper engine (loaded on first need)."""
    whisper_model_fr: str = "base"
    whisper_model_en: str = "base"
    """English spoken set, tune split (70 questions, ``bench/spoken_eval.py``): base 83.0 % top-1, WER 23.1 %
    vs tiny.en 76.3 %, 26.5 %, for ≈0.1 s more CPU per utterance (0.25 vs 0.15 s, shared machine)."""
    cpu_threads: int = 2
    compute_type: str = "int8"
    """CTranslate2 weight type on CPU: ``int8``, ``int8_float32`` or ``float32``. Asterisk prompts (150 French,
    ``bench/asr_sweep.py``, one thread): int8 20.1 % WER at 0.23 s CPU per utterance, float32 19.8 % at 0.51 s,
    int8_float32 21.2 % at 0.28 s: the quantisation costs about 0.3 point, not worth twice the CPU."""
    beam_size: int = 5
    """French spoken set, tune split (190 renderings): beam 5 73.3 % top-1 / WER 39.6 %, beam 1 68.5 % / 44.9 %;
    with a 10 s window beam 2 71.5 % vs beam 5 75.1 %. Asterisk prompts: 20.3 % vs 23.3 % WER (beam 1)."""
    n_best: int = 3
    """Beam hypotheses handed to the matcher, which keeps the reading it is surest of (``ivr.nlu.nbest``);
    free in recognition time. Spoken tune split, 150 French renderings (``bench/spoken_eval.py --split tune
    --lang fr --limit 150 --n-best N``): routed right 25.8 % vs 23.4 % with 1, wrong 0 % both, CPU equal."""
    vosk_model_dir: str = ""
    adaptive_window: bool = True
    """Encode only the utterance's length (not a padded 30 s window): ≈3x faster whisper on CPU."""
    repetition_penalty: float = 1.0
    """Penalty on tokens already generated inside the batched decode (1 = off). 1.1 measured worse: WER 19.2 %
    vs 18.9 % on 80 French prompts (``bench/asr_wer.py --limit 80``)."""
    no_repeat_ngram_size: int = 0
    """Forbid a repeated token n-gram inside one decode (0 = off). 6: 18.5 % vs 18.9 % on 80 prompts, but
    23.3 % vs 21.9 % on 60 spoken KB questions with the vocabulary prompt (its words count as already said).
    Loops are bounded instead by the audio-length cap and trimmed by ``ivr.asr.loops``."""
    deadline_s: float = 2.5
    """From end of speech to text; past it the caller hears a re-prompt, then is offered a person (issue 9:
    heard p95 ≤ 2.5 s at 8 calls is the target, and 5–19 s of silence made callers hang up). 0 disables."""
    pad_silence: bool = True
    """Pad the encoder window with the log-mel silence floor as whisper was trained (``ivr.asr.padding``), not
    faster-whisper's zeros; free. Asterisk prompts (``bench/asr_sweep.py``, 150 French, one thread): WER 19.5 %
    vs 20.1 % at 0.23 s CPU per utterance both. French spoken tune split (150, ``spoken_eval.py --split tune
    --limit 150``): routed right 75.8 % vs 73.4 %, wrong 0 % vs 0.8 %, top-1 77.3 % vs 75.0 %, WER 34.9 % vs
    37.5 %, no renderings left without text (3 before). With the bot's vocabulary prompt the Asterisk prompts
    read 18.9 % (0.27 s CPU); English (80 prompts) 4.4 % vs 5.5 %."""
    min_window_s: float = 10.0
    """Shortest encoder window when ``adaptive_window`` (the utterance + 1 s, rounded up to 2 s, at least this).
    French spoken set, tune split: 10 s 75.1 % top-1 / WER 39.2 % vs 6 s 73.3 % / 39.6 %; the full 30 s window
    (``adaptive_window`` off) reads better (WER 35.5 %) but routes no better (73.9 % top-1) for 2.5x the CPU
    (0.88 vs 0.36 s per utterance). Asterisk prompts: 18.9 % (10 s) vs 20.3 % (6 s) and 20.7 % (30 s)."""
    no_speech_threshold: float = 0.6
    """Whisper's no-speech probability above which a low-confidence result is dropped as silence. Disabling it
    (1.0) changed nothing on the French tune split (no spoken question was dropped); it stays as whisper's guard
    against text hallucinated on noise-only segments."""
    prompt_entries: int = 20
    """Knowledge-base vocabulary entries (services, places, intent words) given to whisper as its prompt; 0 = none.
    Tune splits with the 10 s window: French 20 entries 75.8 % top-1 / WER 37.5 % vs 60 entries 75.1 % / 39.2 %;
    (6 s window: none 70.9 %, 20 73.3 %, 60 73.3 %, 120 69.1 %). English (base): none 86.4 % / 22.3 %, 20 84.8 % /
    20.6 %, 60 83.0 % / 23.1 %. Asterisk prompts (unrelated speech) 20.0 % with 60 entries vs 20.3 % without.
    With ``pad_silence`` (French tune split, 150): 20 entries 75.8 % routed / WER 34.9 % vs none 74.2 % / 37.0 %;
    Asterisk prompts 18.9 % vs 19.5 % for +0.04 s CPU per utterance."""


@dataclass(frozen=True, slots=True)
class OverloadSettings:
    """When the bot takes no more calls (issue 9): a caller it cannot answer in time goes to a person."""

    max_calls: int = 0
    """Calls the bot converses with at once; 0 = no fixed cap, the latency budget alone decides. Set it to
    the largest level of ``bench/capacity.py`` that holds heard p95 ≤ 2.5 s on the production machine."""
    latency_budget_s: float = 2.5
    """A new call is not taken when one more utterance would wait longer than this for its text (pending
    utterances + 1) × measured cost per utterance; the same figure as ``asr.deadline_s``. 0 disables."""
    speaking_share: float = 0.5
    """Share of the calls already taken counted as about to speak: a burst of calls admitted while the
    recogniser is still idle all speak a few seconds later (load bench: 30 calls in 1.5 s were all admitted,
    27 then heard the late-recognition re-prompt). 0 counts only utterances already pending."""
    overflow: str = "queue"
    """``queue``: a short recorded message, then the reception queue; ``callback``: the message offers a
    callback (key 1), otherwise the caller stays on the line for the queue."""


@dataclass(frozen=True, slots=True)
class TtsSettings:
    """Speech synthesis."""

    engine_fr: str = "pico"
    engine_en: str = "pico"
    """``pico``, ``piper`` (optional GPL extra ``ivr[piper]``) or ``wyoming`` (needs ``wyoming_uris``)."""
    wyoming_uris: tuple[str, ...] = ()
    """Wyoming TTS servers (e.g. ``wyoming-piper``), balanced and health-checked; Pico speaks when all are down."""
    wyoming_voice_fr: str = ""
    wyoming_voice_en: str = ""
    """The server's voice name per language (empty: the server's default voice)."""
    wyoming_timeout_s: float = 5.0
    """A server that has not started speaking within this is marked down and the next one is tried."""
    pico_rate: int = 100
    """Pico speaking rate in percent (20-500; 100 is Pico's natural pace)."""


@dataclass(frozen=True, slots=True)
class NluSettings:
    """Matching callers' words against the knowledge base."""

    calibration_file: Path = PROJECT_ROOT / "knowledge" / "calibration.toml"
    voice_confirm_floor: float = 0.15
    """On the phone, ask "c'est bien ça ?" from this best score up (when below the calibrated confirm band): a
    wrong guess costs the caller one "non", never a wrong answer; 1.0 keeps the calibrated band. Chosen on the
    spoken set's tune split (French, 330 in-scope renderings, ``bench/spoken_eval.py --voice-floors``) with the
    trained classifier's score (``ivr.nlu.scorer``): routed right 66.1 % (0.35) -> 79.1 (0.20) -> 79.7 % (0.15;
    the same at 0.10: below, the out-of-scope class wins), wrong answers 0.3 %, out-of-scope abstention 98 %;
    45.5 % of calls get a confirmation turn. Test split, read once after choosing: fr 73.8 %, en 83.3 %, wrong
    0 %, out-of-scope abstention 100 % (similarity score before it, floor 0.35: fr 72.8 %, en 85.9 %)."""


@dataclass(frozen=True, slots=True)
class DialogSettings:
    """Conversation policy."""

    max_retries: int = 2
    """No-match / no-input re-prompts before offering a human or a callback."""
    timezone: str = "Europe/Paris"
    emergency_transfer_to: str = ""
    """If set, emergency calls are also transferred to this number after the instruction."""
    callback_poll_s: float = 30.0
    """How often pending callbacks are examined."""
    callback_retry_s: float = 1800.0
    """Delay before a callback that got no answer is tried again."""
    recall_callers: bool = True
    """A caller who calls again hears their pending callback, or "is it about X again?" (``ivr.store.callers``)."""
    callback_promise_h: float = 4.0
    """A callback counts as kept when done within this long after the opening it was promised for: the
    prompt promises a half-day ("demain matin"), and a 3 h 30 morning plus the 30 min retry fits in 4 h."""
    reception_service: str = "accueil"
    """Where keypad 0 and "a human, please" go; its hours drive the greeting."""
    menu_services: tuple[str, ...] = ("etat_civil", "proprete", "education", "urbanisme")
    """Keypad menu: digit 1 is the first service, and so on (keep it short: at most 8)."""
    city_name: str = "Villeneuve-sur-Loire"
    listen_timeout_s: float = 8.0
    """How long to wait for the caller to start speaking or typing before a no-input re-prompt."""


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Persistence."""

    url: str = ""
    """SQLAlchemy async URL; empty means SQLite in ``<home>/ivr.db``."""
    retention_days: int = 90
    """Transcripts and callers' numbers older than this are erased."""
    writer_queue: int = 20_000
    """Call events waiting for the store writer; past it they are dropped and counted, never awaited by a call.
    A call publishes 1-2 events a second (20 for the 15-s call of tests/e2e/test_callback_refused_call.py), so
    at 100 calls this rides out 100-200 s of a database outage (a PostgreSQL restart takes ~2 s)."""
    writer_batch: int = 200
    """Events written per transaction: one commit a second carries 100 calls' events."""
    history_per_call: int = 2_000
    """Events kept in memory per call when the hub keeps a history (tests, benchmarks): ~20 min of talk."""
    history_total: int = 100_000
    """Events kept in memory in all: ~40 MB (390 bytes an event, measured with tracemalloc on ``Said`` events)."""


@dataclass(frozen=True, slots=True)
class SmsSettings:
    """SMS gateway."""

    gateway: str = "none"
    """``none``, ``kannel``, ``smpp`` or ``http``."""
    url: str = ""
    """kannel: ``http://host:13013/cgi-bin/sendsms``; smpp: ``smpp://host:2775``; http: the provider's URL."""
    username: str = ""
    """kannel: sendsms user; smpp: system_id."""
    password: str = ""
    sender: str = "MAIRIE"
    auth_header: str = ""
    """http: one header sent with each request, ``Name: value`` (e.g. ``Authorization: Bearer ...``)."""
    region: str = "FR"
    """Numbers without a country code are read in this region."""
    max_attempts: int = 8
    """Delivery attempts before an SMS is marked failed."""
    retry_base_s: float = 30.0
    """First retry delay; doubled at each attempt up to ``retry_max_s``."""
    retry_max_s: float = 3600.0
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Agent console, dashboard, admin, chat."""

    host: str = "127.0.0.1"
    port: int = 8080
    enabled: bool = True
    """Serve the consoles from the bot process; a cluster's media nodes leave it to one web front."""
    secure_cookies: str = "auto"
    """``auto`` (``Secure`` cookies unless served on a loopback address), ``on`` or ``off``."""
    max_body_bytes: int = 1_048_576
    """Largest request body accepted (413 beyond): the biggest legitimate one is a knowledge file (< 20 KB)."""


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    """Abuse limits: who may be called back or texted, how often, and login throttling.

    The defaults are sized for a city hall, not measured: a citizen rarely needs more than one callback
    or a few SMS a day, and a real user mistypes a password a handful of times, not dozens.
    """

    number_regions: tuple[str, ...] = ("FR",)
    """Countries (ISO codes) whose fixed and mobile numbers may be called back or texted.

    Add overseas départements (``GP,MQ,GF,RE,YT``) or neighbours deliberately; premium-rate and shared-cost
    numbers are refused whatever this says."""
    callbacks_per_number_day: int = 3
    """Callback requests stored per number in 24 h (phone and chat together)."""
    pending_callbacks_per_number: int = 1
    """Callbacks waiting at once for one number: a second request while one is pending is refused."""
    sms_per_number_day: int = 5
    """SMS queued per number in 24 h (codes, links and agents' messages together)."""
    chat_callbacks_per_ip_hour: int = 5
    """Callback requests (confirmation codes sent) per client address per hour on the public chat."""
    chat_code_ttl_s: float = 600.0
    """How long the SMS confirmation code of a chat callback request stays valid."""
    chat_code_attempts: int = 3
    """Wrong codes before a chat callback request is dropped."""
    login_failures_user: int = 5
    """Failed logins per user name in 15 minutes before that name is locked for ``login_lock_s``."""
    login_failures_ip: int = 20
    """Failed logins per client address in 15 minutes before that address is locked."""
    login_lock_s: float = 900.0
    callback_max_age_days: int = 7
    """A callback still not completed after this many days ends (``expired``): nobody stays pending forever."""


@dataclass(frozen=True, slots=True)
class Secrets:
    """Generated on first run; never defaults."""

    ari_password: str = ""
    ami_password: str = ""
    agent_password: str = ""
    web_secret: str = ""
    caller_key: str = ""
    """HMAC key of callers' numbers (``ivr.store.callers``): a caller who calls again is recognised."""


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """Several media nodes behind one SIP edge, sharing one PostgreSQL (docs/cluster.md)."""

    node: str = ""
    """This node's name in the shared database (calls, callback claims); empty: the machine's host name."""
    claim_stale_s: float = 7200.0
    """A callback another node claimed this long ago and never finished is taken back (that node died)."""
    pg_port: int = 5433
    """``ivr up --nodes N``: the port of the PostgreSQL it starts in the run directory (5432 is often taken)."""
    pg_dir: str = ""
    """Where that PostgreSQL keeps its data (default ``<home>/cluster/pg``); as root the server runs as the
    ``postgres`` user, which must be able to reach it."""
    record_queue_outcomes: bool = False
    """This process (the web front, whose AMI is the queue node's) stores the queue node's waits, answers and
    abandons as events of the handed-over calls; exactly one process per cluster (``ivr up`` sets it)."""

    @property
    def node_name(self) -> str:
        """The configured name, or the host name."""
        return self.node or socket.gethostname()


@dataclass(frozen=True, slots=True)
class Settings:
    """The whole settings tree."""

    paths: PathsSettings = field(default_factory=PathsSettings)
    asterisk: AsteriskSettings = field(default_factory=AsteriskSettings)
    vad: VadSettings = field(default_factory=VadSettings)
    asr: AsrSettings = field(default_factory=AsrSettings)
    tts: TtsSettings = field(default_factory=TtsSettings)
    overload: OverloadSettings = field(default_factory=OverloadSettings)
    nlu: NluSettings = field(default_factory=NluSettings)
    dialog: DialogSettings = field(default_factory=DialogSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    web: WebSettings = field(default_factory=WebSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    secrets: Secrets = field(default_factory=Secrets)

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL actually used."""
        return self.store.url or f"sqlite+aiosqlite:///{self.paths.home / 'ivr.db'}"


T = TypeVar("T")


def _coerce(name: str, tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if tp is Path:
        return Path(str(value)).expanduser()
    if tp is bool:
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        return bool(value)
    if tp in (int, float, str):
        try:
            return tp(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"setting {name}: expected {tp.__name__}, got {value!r}") from exc
    if origin is tuple:
        items = value.split(",") if isinstance(value, str) else list(value)
        return tuple(str(i).strip() for i in items if str(i).strip())
    if origin in (typing.Union, types.UnionType):
        return value
    return value


def _build(cls: type[T], data: dict[str, Any], prefix: str) -> T:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"unknown setting(s) in [{prefix}]: {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            continue
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            sub = data[f.name]
            if not isinstance(sub, dict):
                raise ConfigError(f"setting [{f.name}] must be a table")
            kwargs[f.name] = _build(tp, sub, f.name)  # type: ignore[arg-type]
        else:
            kwargs[f.name] = _coerce(f"{prefix}.{f.name}", tp, data[f.name])
    return cls(**kwargs)


def merge_layers(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge two settings layers (``extra`` wins)."""
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge_layers(out[k], v)
        else:
            out[k] = v
    return out


def _env_layer(environ: typing.Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith("IVR_") or "__" not in key:
            continue
        section, _, name = key[4:].partition("__")
        layer.setdefault(section.lower(), {})[name.lower()] = value
    return layer


def _ensure_secrets(home: Path) -> dict[str, str]:
    path = home / "secrets.toml"
    values: dict[str, str] = {}
    if path.exists():
        with path.open("rb") as fh:
            values = {k: str(v) for k, v in tomllib.load(fh).items()}
        if all(f.name in values for f in dataclasses.fields(Secrets)):
            return values
    home.mkdir(parents=True, exist_ok=True)
    # a secret added by an upgrade is generated once, next to the existing ones (which never change)
    values = {f.name: secrets.token_urlsafe(18) for f in dataclasses.fields(Secrets)} | values
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f'{k} = "{v}"\n' for k, v in values.items()))
    tmp.chmod(0o600)
    tmp.replace(path)
    return values


def load_settings(
    overrides: dict[str, Any] | None = None,
    *,
    environ: typing.Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Load defaults, then the TOML file, then ``IVR_*`` variables, then ``overrides``."""
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    env_layer = _env_layer(env)
    home = Path(
        str((overrides or {}).get("paths", {}).get("home") or env_layer.get("paths", {}).get("home")
            or PathsSettings().home)
    ).expanduser()
    cfg = config_file or Path(env.get("IVR_CONFIG", str(home / "ivr.toml")))
    if cfg.exists():
        try:
            with cfg.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{cfg}: {exc}") from exc
    data = merge_layers(data, env_layer)
    data = merge_layers(data, overrides or {})
    data.setdefault("paths", {})["home"] = str(home)
    data = merge_layers({"secrets": _ensure_secrets(home)}, data)
    return _build(Settings, data, "settings")
