"""Typed reading of the environment.

Settings never crash on a bad value: each problem is collected in ``PROBLEMS`` and reported by the
start-up system check ``hongyixing.E001`` with the variable's name, so an operator sees every mistake
at once, in plain words, instead of a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

PROBLEMS: list[str] = []


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    PROBLEMS.append(f"{name}={raw!r} is not a yes/no value (use 1/0, true/false, yes/no, on/off).")
    return default


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        PROBLEMS.append(f"{name}={raw!r} is not a whole number.")
        return default
    if value < minimum:
        PROBLEMS.append(f"{name}={value} is below the minimum of {minimum}.")
        return default
    return value


def env_district_code(name: str) -> str:
    """A county-level statistical code (six digits, the last two not 00, e.g. 320813); "" when unset."""
    raw = env_str(name)
    if not raw:
        return ""
    if len(raw) != 6 or not raw.isdigit() or raw.endswith("00") or raw[2:4] == "00":
        PROBLEMS.append(
            f"{name}={raw!r} is not a district code: use the six-digit county code, e.g. 320813 for 洪泽区."
        )
        return ""
    return raw


def env_time(name: str, default: str) -> dt.time:
    raw = os.environ.get(name) or default
    try:
        return dt.time.fromisoformat(raw.strip())
    except ValueError:
        PROBLEMS.append(f"{name}={raw!r} is not a time of day (use HH:MM, e.g. 16:00).")
        return dt.time.fromisoformat(default)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """Addresses or CIDR blocks, comma-separated (e.g. ``127.0.0.1, 10.0.0.0/8``), normalised."""
    import ipaddress

    networks = []
    for item in env_list(name, []):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            PROBLEMS.append(f"{name}: {item!r} is not an IP address or network (e.g. 10.0.0.0/8).")
    return networks


def file_secret(path: Path, nbytes: int) -> str:
    """Read a secret from ``path``, creating it (mode 0600) on first run."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


NOTIFY_KINDS = ("log", "wecom", "dingtalk", "sms")
SMS_PROVIDERS = ("aliyun", "tencent")


def _https_url(name: str) -> str:
    url = env_str(name)
    if not url:
        PROBLEMS.append(f"{name} is required by the channel named in HONGYIXING_NOTIFY_CHANNELS.")
    elif not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        PROBLEMS.append(f"{name}={url!r} must be an https:// address.")
        return ""
    return url


def _required(name: str) -> str:
    value = env_str(name)
    if not value:
        PROBLEMS.append(f"{name} is required by the channel named in HONGYIXING_NOTIFY_CHANNELS.")
    return value


def notify_channels() -> list[dict[str, object]]:
    """The channels notices leave by (HONGYIXING_NOTIFY_CHANNELS, e.g. ``log,dingtalk,sms``) and each
    one's settings; a missing or bad value is a start-up problem, and the channel is left out."""
    timeout = float(env_int("HONGYIXING_NOTIFY_TIMEOUT", 5, minimum=1))
    names = env_list("HONGYIXING_NOTIFY_CHANNELS", ["log"])
    channels: list[dict[str, object]] = []
    for name in names:
        before = len(PROBLEMS)
        entry: dict[str, object]
        if name == "log":
            entry = {"kind": "log"}
        elif name == "wecom":
            entry = {"kind": "wecom", "url": _https_url("HONGYIXING_WECOM_WEBHOOK"), "timeout": timeout}
        elif name == "dingtalk":
            entry = {
                "kind": "dingtalk",
                "url": _https_url("HONGYIXING_DINGTALK_WEBHOOK"),
                "secret": _required("HONGYIXING_DINGTALK_SECRET"),
                "timeout": timeout,
            }
        elif name == "sms":
            provider = env_str("HONGYIXING_SMS_PROVIDER")
            if provider not in SMS_PROVIDERS:
                PROBLEMS.append(
                    f"HONGYIXING_SMS_PROVIDER={provider!r} is not one of {', '.join(SMS_PROVIDERS)}."
                )
            entry = {
                "kind": "sms",
                "provider": provider,
                "access_key_id": _required("HONGYIXING_SMS_ACCESS_KEY_ID"),
                "access_key_secret": _required("HONGYIXING_SMS_ACCESS_KEY_SECRET"),
                "sign_name": _required("HONGYIXING_SMS_SIGN_NAME"),
                "template": _required("HONGYIXING_SMS_TEMPLATE"),
                "duty_phones": env_list("HONGYIXING_SMS_DUTY_PHONES", []),
                "timeout": timeout,
            }
            if provider == "tencent":
                entry["sdk_app_id"] = _required("HONGYIXING_SMS_SDK_APP_ID")
                entry["region"] = env_str("HONGYIXING_SMS_REGION") or "ap-guangzhou"
            elif provider == "aliyun":
                entry["template_param"] = env_str("HONGYIXING_SMS_TEMPLATE_PARAM") or "content"
        else:
            PROBLEMS.append(
                f"HONGYIXING_NOTIFY_CHANNELS names {name!r}; the channels are {', '.join(NOTIFY_KINDS)}."
            )
            continue
        if len(PROBLEMS) == before:
            channels.append(entry)
    return channels
