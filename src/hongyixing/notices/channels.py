"""The channels a notice leaves by, each an HTTP call made by the worker (never a request thread).

Configured in settings as ``NOTIFY_CHANNELS`` (read from the environment by ``config.notify_channels``):
a list of dicts with a ``kind`` (``log``, ``wecom``, ``dingtalk``, ``sms``) and its options. A channel's
``send`` raises :class:`ChannelError` when the other side refused or could not be reached, and returns
the state to record (``sent``, or ``logged`` for the log channel, which reaches nobody).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any, Protocol

from django.conf import settings

from hongyixing.notices.models import DeliveryState

log = logging.getLogger("hongyixing.notify")


class ChannelError(Exception):
    """The send did not happen; the worker retries it later."""


class Channel(Protocol):
    name: str

    def send(self, message: str, phones: Sequence[str]) -> str: ...


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Any:
    """POST and decode a JSON answer; any transport problem becomes a ChannelError."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            raw = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    try:
        return json.loads(raw or b"{}")
    except ValueError as error:
        raise ChannelError(f"not a JSON answer: {raw[:200]!r}") from error


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class LogChannel:
    """The default: the message goes to the log (with the request id), nowhere else."""

    name = "log"

    def __init__(self, **_options: Any) -> None:
        pass

    def send(self, message: str, phones: Sequence[str]) -> str:
        log.info("notice (log channel only): %s", message)
        return DeliveryState.LOGGED


class WeComRobot:
    """A WeCom (企业微信) group robot: POST {"msgtype": "text", …} to its webhook; errcode 0 is success."""

    name = "wecom"

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout

    def send(self, message: str, phones: Sequence[str]) -> str:
        body = _json({"msgtype": "text", "text": {"content": message}})
        answer = _post(self.url, body, {"Content-Type": "application/json"}, self.timeout)
        if answer.get("errcode") != 0:
            raise ChannelError(f"wecom errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")
        return DeliveryState.SENT


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature: base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


class DingTalkRobot:
    """A DingTalk (钉钉) group robot with the "signature" security setting."""

    name = "dingtalk"

    def __init__(self, url: str, secret: str = "", timeout: float = 5.0) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def signed_url(self, timestamp_ms: int) -> str:
        if not self.secret:
            return self.url
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(self.secret, timestamp_ms)}"

    def send(self, message: str, phones: Sequence[str]) -> str:
        url = self.signed_url(int(time.time() * 1000))
        body = _json({"msgtype": "text", "text": {"content": message}})
        answer = _post(url, body, {"Content-Type": "application/json"}, self.timeout)
        if answer.get("errcode") != 0:
            raise ChannelError(f"dingtalk errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")
        return DeliveryState.SENT


# --- SMS ---------------------------------------------------------------------------------------------


def _aliyun_quote(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Aliyun RPC signature v1: HMAC-SHA1 over METHOD&%2F&encoded(sorted query), key ``secret&``."""
    canonical = "&".join(f"{_aliyun_quote(k)}={_aliyun_quote(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_aliyun_quote('/')}&{_aliyun_quote(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    """Aliyun SMS (阿里云短信) ``SendSms``, version 2017-05-25, form-encoded POST signed with v1."""

    endpoint = "https://dysmsapi.aliyuncs.com/"

    def __init__(
        self, access_key_id: str, access_key_secret: str, sign_name: str, template: str, **options: Any
    ) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.template = template
        self.template_param = options.get("template_param") or "content"
        self.endpoint = options.get("endpoint") or self.endpoint
        self.timeout = float(options.get("timeout", 5.0))

    def request_params(self, message: str, phones: Sequence[str], now: dt.datetime) -> dict[str, str]:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": ",".join(phones),
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": secrets.token_hex(16),
            "SignatureVersion": "1.0",
            "TemplateCode": self.template,
            "TemplateParam": json.dumps({self.template_param: message}, ensure_ascii=False),
            "Timestamp": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, self.access_key_secret)
        return params

    def send(self, message: str, phones: Sequence[str]) -> None:
        params = self.request_params(message, phones, dt.datetime.now(dt.UTC))
        body = urllib.parse.urlencode(params).encode()
        answer = _post(
            self.endpoint, body, {"Content-Type": "application/x-www-form-urlencoded"}, self.timeout
        )
        if answer.get("Code") != "OK":
            raise ChannelError(f"aliyun {answer.get('Code')}: {answer.get('Message', '')}")


def tencent_authorization(
    secret_id: str, secret_key: str, host: str, body: bytes, timestamp: int, service: str = "sms"
) -> str:
    """Tencent Cloud API 3.0 (TC3-HMAC-SHA256) Authorization header for a JSON POST to ``/``."""
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def _hmac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    signing = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


class TencentSms:
    """Tencent Cloud SMS (腾讯云短信) ``SendSms``, version 2021-01-11, signed with TC3-HMAC-SHA256."""

    endpoint = "https://sms.tencentcloudapi.com/"

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template: str,
        sdk_app_id: str = "",
        **options: Any,
    ) -> None:
        self.secret_id = access_key_id
        self.secret_key = access_key_secret
        self.sign_name = sign_name
        self.template = template
        self.sdk_app_id = sdk_app_id
        self.region = options.get("region") or "ap-guangzhou"
        self.endpoint = options.get("endpoint") or self.endpoint
        self.timeout = float(options.get("timeout", 5.0))

    def send(self, message: str, phones: Sequence[str]) -> None:
        body = _json(
            {
                "PhoneNumberSet": [p if p.startswith("+") else f"+86{p}" for p in phones],
                "SmsSdkAppId": self.sdk_app_id,
                "SignName": self.sign_name,
                "TemplateId": self.template,
                "TemplateParamSet": [message],
            }
        )
        host = urllib.parse.urlsplit(self.endpoint).netloc
        timestamp = int(time.time())
        headers = {
            "Authorization": tencent_authorization(self.secret_id, self.secret_key, host, body, timestamp),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.region,
        }
        answer = _post(self.endpoint, body, headers, self.timeout).get("Response", {})
        if "Error" in answer:
            raise ChannelError(f"tencent {answer['Error'].get('Code')}: {answer['Error'].get('Message', '')}")
        refused = [s for s in answer.get("SendStatusSet", []) if s.get("Code") != "Ok"]
        if refused:
            raise ChannelError(f"tencent refused {len(refused)} number(s): {refused[0].get('Code')}")


GATEWAYS: dict[str, Any] = {"aliyun": AliyunSms, "tencent": TencentSms}


class SmsChannel:
    """SMS through a provider's gateway (chosen by ``provider``) to the recipients' work mobiles,
    or to the duty phones when the notice is for nobody in particular (a summary)."""

    name = "sms"

    def __init__(self, provider: str, duty_phones: Sequence[str] = (), **options: Any) -> None:
        self.gateway = GATEWAYS[provider](**options)
        self.duty_phones = list(duty_phones)

    def send(self, message: str, phones: Sequence[str]) -> str:
        to = list(phones) or self.duty_phones
        if not to:
            return DeliveryState.LOGGED
        self.gateway.send(message[:70], to)
        return DeliveryState.SENT


KINDS: dict[str, Any] = {"log": LogChannel, "wecom": WeComRobot, "dingtalk": DingTalkRobot, "sms": SmsChannel}


def configured() -> list[Channel]:
    built: list[Channel] = []
    for entry in getattr(settings, "NOTIFY_CHANNELS", None) or [{"kind": "log"}]:
        options = {k: v for k, v in entry.items() if k != "kind"}
        built.append(KINDS[entry["kind"]](**options))
    return built


def by_name(name: str) -> Channel | None:
    return next((c for c in configured() if c.name == name), None)
