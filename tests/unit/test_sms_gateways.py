"""Generic HTTP and SMPP gateways: what goes on the wire, and which errors are worth a retry."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from ivr.actions.sms import is_gsm7, make_gateway
from ivr.actions.sms.http import HttpGateway
from ivr.actions.sms.kannel import KannelGateway
from ivr.actions.sms.smpp import SmppGateway
from ivr.config import SmsSettings
from ivr.errors import ConfigError, SmsError


def test_gsm7_detection() -> None:
    assert is_gsm7("Bonjour, à vous : é è ù !")
    assert not is_gsm7("coût 5 €, être")


def test_factory_selects_by_settings() -> None:
    assert make_gateway(SmsSettings()) is None
    assert isinstance(make_gateway(SmsSettings(gateway="kannel", url="http://k/cgi-bin/sendsms")), KannelGateway)
    assert isinstance(make_gateway(SmsSettings(gateway="http", url="https://p/sms")), HttpGateway)
    assert isinstance(make_gateway(SmsSettings(gateway="smpp", url="smpp://127.0.0.1:2775")), SmppGateway)
    with pytest.raises(ConfigError):
        make_gateway(SmsSettings(gateway="pigeon"))
    with pytest.raises(SmsError):
        make_gateway(SmsSettings(gateway="http", url=""))


async def test_http_gateway_posts_json_with_auth_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"message_id": "abc-1"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    gw = HttpGateway("https://sms.example/v1/send", "MAIRIE", auth_header="Authorization: Bearer t0k", client=client)
    assert await gw.send("+33612345678", "Bonjour à vous") == "abc-1"
    req = seen[0]
    assert req.method == "POST" and req.headers["authorization"] == "Bearer t0k"
    assert json.loads(req.content) == {"to": "+33612345678", "text": "Bonjour à vous", "from": "MAIRIE"}
    await gw.aclose()


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (429, True), (400, False), (401, False)])
async def test_http_gateway_error_mapping(status: int, retryable: bool) -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(status, text="nope")))
    gw = HttpGateway("https://sms.example/v1/send", "MAIRIE", client=client)
    with pytest.raises(SmsError) as err:
        await gw.send("+33612345678", "x")
    assert err.value.retryable is retryable and str(status) in err.value.code


async def test_http_gateway_unreachable_is_retryable() -> None:
    gw = HttpGateway("http://127.0.0.1:9/send", "MAIRIE", timeout_s=1)  # discard port: refused
    with pytest.raises(SmsError) as err:
        await gw.send("+33612345678", "x")
    assert err.value.retryable and err.value.code == "sms_unreachable"
    await gw.aclose()


class FakeSmppClient:
    """Stands in for ``smpplib.client.Client``: records PDUs, answers each submit_sm."""

    def __init__(self, host: str, port: int, statuses: list[int], log: list[tuple[str, Any]]) -> None:
        self.host, self.port, self._statuses, self.log = host, port, statuses, log

    def connect(self) -> None:
        self.log.append(("connect", (self.host, self.port)))

    def bind_transmitter(self, **kw: Any) -> None:
        self.log.append(("bind", kw))

    def send_message(self, **kw: Any) -> None:
        self.log.append(("submit", kw))

    def read_pdu(self) -> SimpleNamespace:
        status = self._statuses.pop(0) if self._statuses else 0
        return SimpleNamespace(command="submit_sm_resp", status=status, message_id=b"m-42")

    def unbind(self) -> None:
        self.log.append(("unbind", None))

    def disconnect(self) -> None:
        self.log.append(("disconnect", None))


async def test_smpp_gateway_binds_once_and_splits_long_unicode() -> None:
    log: list[tuple[str, Any]] = []
    gw = SmppGateway("smpp://10.0.0.5:2776", "city", "pw", "MAIRIE",
                     client_factory=lambda h, p: FakeSmppClient(h, p, [], log))
    assert await gw.send("+33612345678", "Bonjour") == "m-42"
    assert await gw.send("+33612345678", "ê" * 100) == "m-42"  # not GSM: UCS-2, 2 parts of <= 67
    kinds = [k for k, _ in log]
    assert kinds == ["connect", "bind", "submit", "submit", "submit"]
    assert log[0][1] == ("10.0.0.5", 2776) and log[1][1] == {"system_id": "city", "password": "pw"}
    first = log[2][1]
    assert first["destination_addr"] == "33612345678" and first["source_addr"] == "MAIRIE"
    assert first["data_coding"] == 0 and log[3][1]["data_coding"] == 8
    await gw.aclose()
    assert [k for k, _ in log][-2:] == ["unbind", "disconnect"]


async def test_smpp_gateway_status_errors() -> None:
    log: list[tuple[str, Any]] = []
    gw = SmppGateway("127.0.0.1:2775", "city", "pw", "MAIRIE",
                     client_factory=lambda h, p: FakeSmppClient(h, p, [0x58, 0x0B], log))
    with pytest.raises(SmsError) as throttled:
        await gw.send("+33612345678", "x")
    assert throttled.value.retryable
    with pytest.raises(SmsError) as bad_dest:
        await gw.send("+33612345678", "x")
    assert not bad_dest.value.retryable


async def test_smpp_gateway_unreachable_is_retryable() -> None:
    gw = SmppGateway("smpp://127.0.0.1:9", "city", "pw", "MAIRIE")
    with pytest.raises(SmsError) as err:
        await gw.send("+33612345678", "x")
    assert err.value.retryable and err.value.code == "sms_unreachable"
