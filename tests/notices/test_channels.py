"""Each channel against a local fake server: the request it makes (body, signature) and how it reads
the answer. The signatures are recomputed here from the providers' documented recipes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse

import pytest

from hongyixing.notices.channels import (
    AliyunSms,
    ChannelError,
    DingTalkRobot,
    LogChannel,
    SmsChannel,
    TencentSms,
    WeComRobot,
)
from hongyixing.notices.models import DeliveryState
from tests.notices.fakeserver import fake_server


def test_the_log_channel_records_logged_never_sent() -> None:
    assert LogChannel().send("hello", []) == DeliveryState.LOGGED


def test_wecom_posts_a_text_message_and_reads_errcode() -> None:
    with fake_server({"errcode": 0, "errmsg": "ok"}) as server:
        robot = WeComRobot(server.url + "cgi-bin/webhook/send?key=K1", timeout=5)
        assert robot.send("体温异常：张三 38.5", []) == DeliveryState.SENT
        server.answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        with pytest.raises(ChannelError, match="93000"):
            robot.send("again", [])
    first = server.seen[0]
    assert first.path == "/cgi-bin/webhook/send?key=K1"
    assert first.json() == {"msgtype": "text", "text": {"content": "体温异常：张三 38.5"}}


def test_dingtalk_signs_with_timestamp_and_hmac_sha256() -> None:
    secret = "SEC0123456789abcdef"
    with fake_server({"errcode": 0, "errmsg": "ok"}) as server:
        robot = DingTalkRobot(server.url + "robot/send?access_token=T1", secret=secret, timeout=5)
        assert robot.send("逾期：协查任务 3 条", []) == DeliveryState.SENT
    seen = server.seen[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(seen.path).query)
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["access_token"] == ["T1"]
    assert query["sign"] == [expected]  # parse_qs undoes the URL encoding DingTalk asks for
    assert f"sign={urllib.parse.quote_plus(expected)}" in seen.path  # sent URL-encoded
    assert seen.json() == {"msgtype": "text", "text": {"content": "逾期：协查任务 3 条"}}


def test_a_channel_that_cannot_be_reached_raises_a_channel_error() -> None:
    with fake_server({}) as server:
        url = server.url
    with pytest.raises(ChannelError):
        WeComRobot(url, timeout=1).send("nobody listens", [])


def _aliyun_expected(params: dict[str, str], secret: str) -> str:
    def enc(v: str) -> str:
        return urllib.parse.quote(v, safe="~")

    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()) if k != "Signature")
    to_sign = "POST&%2F&" + enc(canonical)
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def test_aliyun_sms_sends_a_signed_send_sms() -> None:
    with fake_server({"Code": "OK", "Message": "OK", "BizId": "1"}) as server:
        channel = SmsChannel(
            "aliyun",
            access_key_id="AKID",
            access_key_secret="SECRET",
            sign_name="洪泽区防控办",
            template="SMS_123",
            endpoint=server.url,
        )
        assert channel.send("张三 体温 38.5", ["13800000001", "13800000002"]) == DeliveryState.SENT
        server.answer(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "limit"})
        with pytest.raises(ChannelError, match="BUSINESS_LIMIT_CONTROL"):
            channel.send("again", ["13800000001"])
    seen = server.seen[0]
    params = {k: v[0] for k, v in urllib.parse.parse_qs(seen.body.decode()).items()}
    assert params["Action"] == "SendSms" and params["Version"] == "2017-05-25"
    assert params["PhoneNumbers"] == "13800000001,13800000002"
    assert params["SignName"] == "洪泽区防控办" and params["TemplateCode"] == "SMS_123"
    assert json.loads(params["TemplateParam"]) == {"content": "张三 体温 38.5"}
    assert params["AccessKeyId"] == "AKID" and params["SignatureMethod"] == "HMAC-SHA1"
    assert params["Signature"] == _aliyun_expected(params, "SECRET")


def test_an_sms_for_nobody_goes_to_the_duty_phones_or_is_only_logged() -> None:
    with fake_server({"Code": "OK"}) as server:
        options = {"access_key_id": "A", "access_key_secret": "S", "sign_name": "N", "template": "T"}
        duty = SmsChannel("aliyun", duty_phones=["13900000009"], endpoint=server.url, **options)
        assert duty.send("summary", []) == DeliveryState.SENT
        assert (
            SmsChannel("aliyun", endpoint=server.url, **options).send("summary", []) == DeliveryState.LOGGED
        )
    assert len(server.seen) == 1
    assert "13900000009" in server.seen[0].body.decode()


def _tc3_expected(secret_key: str, headers: dict[str, str], body: bytes) -> str:
    timestamp = int(headers["x-tc-timestamp"])
    credential = headers["authorization"].split("Credential=")[1].split(",")[0]
    day = credential.split("/")[1]
    canonical = (
        f"POST\n/\n\ncontent-type:{headers['content-type']}\nhost:{headers['host']}\n\n"
        f"content-type;host\n{hashlib.sha256(body).hexdigest()}"
    )
    hashed = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{day}/sms/tc3_request\n{hashed}"
    k = hmac.new(f"TC3{secret_key}".encode(), day.encode(), hashlib.sha256).digest()
    k = hmac.new(k, b"sms", hashlib.sha256).digest()
    k = hmac.new(k, b"tc3_request", hashlib.sha256).digest()
    return hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()


def test_tencent_sms_sends_a_tc3_signed_send_sms() -> None:
    ok = {"Response": {"SendStatusSet": [{"Code": "Ok", "PhoneNumber": "+8613800000001"}], "RequestId": "r"}}
    with fake_server(ok) as server:
        channel = SmsChannel(
            "tencent",
            access_key_id="SID",
            access_key_secret="SKEY",
            sign_name="洪泽区防控办",
            template="1234567",
            sdk_app_id="1400000000",
            endpoint=server.url,
        )
        assert channel.send("张三 体温 38.5", ["13800000001"]) == DeliveryState.SENT
        server.answer(200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "x"}}})
        with pytest.raises(ChannelError, match="SignatureFailure"):
            channel.send("again", ["13800000001"])
    seen = server.seen[0]
    assert seen.headers["x-tc-action"] == "SendSms" and seen.headers["x-tc-version"] == "2021-01-11"
    assert seen.json() == {
        "PhoneNumberSet": ["+8613800000001"],
        "SmsSdkAppId": "1400000000",
        "SignName": "洪泽区防控办",
        "TemplateId": "1234567",
        "TemplateParamSet": ["张三 体温 38.5"],
    }
    authorization = seen.headers["authorization"]
    assert authorization.startswith("TC3-HMAC-SHA256 Credential=SID/")
    assert "SignedHeaders=content-type;host" in authorization
    assert authorization.endswith(f"Signature={_tc3_expected('SKEY', seen.headers, seen.body)}")


def test_the_gateways_are_picked_by_provider() -> None:
    options = {"access_key_id": "A", "access_key_secret": "S", "sign_name": "N", "template": "T"}
    assert isinstance(SmsChannel("aliyun", **options).gateway, AliyunSms)
    assert isinstance(SmsChannel("tencent", **options).gateway, TencentSms)
