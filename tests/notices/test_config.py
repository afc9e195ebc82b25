"""The channels are configured from the environment and checked at start-up like every setting."""

from __future__ import annotations

from hongyixing.config import PROBLEMS, notify_channels


def _read(monkeypatch, **env: str) -> tuple[list[dict[str, object]], list[str]]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    start = len(PROBLEMS)
    channels = notify_channels()
    problems = PROBLEMS[start:]
    del PROBLEMS[start:]
    return channels, problems


def test_the_default_is_the_log_channel(monkeypatch) -> None:
    monkeypatch.delenv("HONGYIXING_NOTIFY_CHANNELS", raising=False)
    assert _read(monkeypatch) == ([{"kind": "log"}], [])


def test_each_channel_reads_its_variables(monkeypatch) -> None:
    channels, problems = _read(
        monkeypatch,
        HONGYIXING_NOTIFY_CHANNELS="log, dingtalk,sms",
        HONGYIXING_DINGTALK_WEBHOOK="https://oapi.dingtalk.com/robot/send?access_token=x",
        HONGYIXING_DINGTALK_SECRET="SEC1",
        HONGYIXING_SMS_PROVIDER="tencent",
        HONGYIXING_SMS_ACCESS_KEY_ID="id",
        HONGYIXING_SMS_ACCESS_KEY_SECRET="key",
        HONGYIXING_SMS_SIGN_NAME="洪泽区防控办",
        HONGYIXING_SMS_TEMPLATE="1234567",
        HONGYIXING_SMS_SDK_APP_ID="1400000000",
        HONGYIXING_SMS_DUTY_PHONES="13800000001,13800000002",
    )
    assert problems == []
    assert [c["kind"] for c in channels] == ["log", "dingtalk", "sms"]
    assert channels[1]["secret"] == "SEC1"
    assert channels[2]["provider"] == "tencent" and channels[2]["sdk_app_id"] == "1400000000"
    assert channels[2]["duty_phones"] == ["13800000001", "13800000002"]


def test_missing_and_bad_values_are_problems_by_name(monkeypatch) -> None:
    monkeypatch.delenv("HONGYIXING_DINGTALK_SECRET", raising=False)
    monkeypatch.delenv("HONGYIXING_SMS_ACCESS_KEY_ID", raising=False)
    channels, problems = _read(
        monkeypatch,
        HONGYIXING_NOTIFY_CHANNELS="wecom,dingtalk,sms,pager",
        HONGYIXING_WECOM_WEBHOOK="ftp://example.invalid/hook",
        HONGYIXING_DINGTALK_WEBHOOK="https://oapi.dingtalk.com/robot/send",
        HONGYIXING_SMS_PROVIDER="carrier-pigeon",
    )
    assert channels == []  # a channel with a problem is left out, never half-configured
    text = " ".join(problems)
    for name in (
        "HONGYIXING_WECOM_WEBHOOK",
        "HONGYIXING_DINGTALK_SECRET",
        "HONGYIXING_SMS_PROVIDER",
        "HONGYIXING_SMS_ACCESS_KEY_ID",
        "'pager'",
    ):
        assert name in text
