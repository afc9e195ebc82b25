"""Fill empty msgstr entries of the zh_Hans catalogue from ZH (a maintainer's aid, run after makemessages).

Usage: .venv/bin/python scripts/fill_translations.py   — prints the msgids still untranslated.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "src/hongyixing/locale/zh_Hans/LC_MESSAGES/django.po"

ZH = {
    "Accounts": "账户", "District command office": "区指挥部办公室", "Working-group member": "工作组成员",
    "Town / subdistrict officer": "镇/街道工作人员", "Village / community cadre": "村/社区干部", "Grid worker": "网格员",
    "Community police": "社区民警", "CDC staff": "疾控人员", "Quarantine-site manager": "隔离点负责人",
    "Enterprise contact": "企业联系人", "User name": "用户名", "Password": "密码",
    "6-digit code from your authenticator app": "身份验证器中的 6 位验证码",
    "Enter the 6 digits shown in your authenticator app.": "请输入身份验证器显示的 6 位数字。",
    "What the token is for": "令牌用途", "display name": "显示名称", "post": "职务", "user": "用户", "users": "用户",
    "role": "角色", "grant": "授权", "grants": "授权", "login attempt": "登录尝试", "login attempts": "登录尝试",
    "name": "名称", "prefix": "前缀", "created": "创建时间", "last used": "最近使用", "revoked": "已吊销",
    "API token": "API 令牌", "API tokens": "API 令牌",
    "Too many failed attempts. This account is locked for %(minutes)d minutes.": "失败次数过多，账户已锁定 %(minutes)d 分钟。",
    "The user name or password is not correct.": "用户名或密码不正确。",
    "Too many failed attempts. Try again later.": "失败次数过多，请稍后再试。",
    "That code is not correct or has already been used.": "验证码不正确或已被使用。",
    "Two-factor sign-in is now on for your account.": "您的账户已开启双因素登录。",
    "That code is not correct. Check the time on your phone and try again.": "验证码不正确。请检查手机时间后重试。",
    "The token was revoked.": "令牌已吊销。", "Areas": "区域", "City": "市", "District": "区/县",
    "Town / subdistrict": "镇/街道", "Village / community": "村/社区", "Villager group": "村民小组", "Compound": "小区",
    "Building": "楼栋", "Short name": "简称", "Suffix variant": "后缀变体", "Former name": "曾用名", "code": "代码",
    "path": "路径", "level": "层级", "parent": "上级", "grid": "网格", "valid from": "生效日期", "valid to": "失效日期",
    "responsible person": "责任人", "responsible person's post": "责任人职务", "persons": "人数", "households": "户数",
    "admin unit": "行政区划", "admin units": "行政区划", "alias": "别名", "kind": "类型", "unit alias": "区划别名",
    "unit aliases": "区划别名", "village": "村/社区", "unit path": "区划路径", "grid worker": "网格员", "grids": "网格",
    "household number": "户号", "unit": "所属单元", "door / room": "门牌/室号", "address": "地址", "household": "户",
    "Core": "核心", "Created": "创建", "Updated": "修改", "Deleted": "删除", "time": "时间", "request id": "请求编号",
    "action": "操作", "object type": "对象类型", "object id": "对象编号", "object": "对象", "person": "人员",
    "changes": "变更内容", "change": "变更", "change log": "变更日志", "event": "事件", "subject type": "主体类型",
    "subject id": "主体编号", "data": "数据", "domain event": "业务事件", "domain events": "业务事件",
    "Revealed": "查看明文", "Exported": "导出", "field": "字段", "reason": "事由", "detail": "详情",
    "personal-data access": "个人信息访问", "personal-data access log": "个人信息访问日志", "People": "人员",
    "Male": "男", "Female": "女", "Unknown": "未知", "Resident ID card": "居民身份证", "Passport": "护照",
    "Mainland travel permit for Hong Kong and Macao residents": "港澳居民来往内地通行证",
    "Mainland travel permit for Taiwan residents": "台湾居民来往大陆通行证",
    "Foreign permanent resident ID card": "外国人永久居留身份证", "Other document": "其他证件",
    "Registered resident": "户籍人口", "Permanent resident": "常住人口", "Floating population": "流动人口",
    "From outside the mainland": "境外人员", "Head of household": "户主", "Spouse": "配偶", "Child": "子女",
    "Parent": "父母", "Grandchild": "孙子女", "Sibling": "兄弟姐妹", "Other": "其他", "Mobile": "手机",
    "Landline": "固定电话", "Name, full ID number or phone": "姓名、完整证件号码或电话",
    "Why do you need the full value?": "查看完整信息的事由",
    "The ID number was turned into a number by a spreadsheet and its last digits are lost":
        "证件号码被表格软件转成了数字，末尾几位已经丢失",
    "The ID number is empty": "证件号码为空", "A 15-digit ID number may contain digits only": "15 位证件号码只能包含数字",
    "An ID number has 18 digits (or 15 in the old format), this one has %(n)d":
        "证件号码应为 18 位（或旧式 15 位），此号码为 %(n)d 位",
    "The first 17 characters of an ID number are digits and the last is a digit or X":
        "证件号码前 17 位必须是数字，最后一位是数字或 X",
    "Address code %(code)s does not start with a real province": "地址码 %(code)s 不是有效的省级代码",
    "Birth date %(date)s is not a real date": "出生日期 %(date)s 不是有效日期",
    "Birth date %(date)s is not plausible": "出生日期 %(date)s 不合理",
    "The check character is wrong (a digit was probably mistyped)": "证件号码校验位不正确（可能有数字录错）",
    "sex": "性别", "birth date": "出生日期", "document type": "证件类型", "document number": "证件号码",
    "ID address code": "证件地址码", "relation to head": "与户主关系", "residency": "人口类型",
    "registered domicile": "户籍地址", "current address": "现住址", "phone": "电话", "primary": "主要",
    "phones": "电话", "The phone number is empty": "电话号码为空", "A phone number may contain digits only": "电话号码只能包含数字",
    "A mobile number has 11 digits, this one has %(n)d": "手机号应为 11 位，此号码为 %(n)d 位",
    "This is not a recognisable phone number": "无法识别的电话号码格式", "Unknown document type.": "未知的证件类型。",
    "The document number is too short.": "证件号码太短。", "A person needs a name.": "请填写姓名。",
    "The same ID number appears twice in the batch.": "同一证件号码在本批次中出现了两次。",
    "Some ID numbers are already on file.": "部分证件号码已在库中。",
    "These fields cannot be edited here: %(f)s": "这些字段不能在此修改：%(f)s",
    "Only the document number or phones can be revealed.": "只能查看证件号码或电话的明文。",
    "Say why you need to see the full value.": "请说明查看完整信息的事由。", "Location": "位置",
    "Set up two-factor sign-in": "设置双因素登录",
    "Your role works with the whole district's data, so signing in needs a second factor. Scan this code with an authenticator app (or type the key), then enter the 6 digits it shows.":
        "您的角色可访问全区数据，登录需要第二重验证。请用身份验证器扫描二维码（或手动输入密钥），然后输入显示的 6 位数字。",
    "Turn on": "开启", "Sign in": "登录", "Hongyixing epidemic tracking and supervision platform": "洪宜行疫情跟踪监管平台",
    "Two-factor sign-in": "双因素登录", "Continue": "继续",
    "A token acts as you, with your jurisdiction, through the API. Send it as: Authorization: Bearer <token>.":
        "令牌以您的身份和辖区权限访问 API。使用方式：Authorization: Bearer <令牌>。",
    "Copy the new token now; it will not be shown again:": "请立即复制新令牌，它不会再次显示：",
    "Create token": "创建令牌", "Name": "姓名", "Prefix": "前缀", "Last used": "最近使用", "Revoked": "已吊销",
    "Revoke": "吊销", "No tokens yet.": "尚无令牌。", "%(p)s persons · %(h)s households": "%(p)s 人 · %(h)s 户",
    "Grid": "网格", "Code": "代码", "Persons": "人数", "Households": "户数",
    "Groups and buildings in this grid": "本网格的村民小组和楼栋",
    "No groups or buildings are assigned to this grid yet.": "本网格尚未划入村民小组或楼栋。", "Household": "户",
    "Household number": "户号", "Address": "地址", "Members": "家庭成员", "Responsible person": "责任人",
    "Grids": "网格", "Below this unit": "下级单元", "Door / room": "门牌/室号", "No households here.": "此处没有住户。",
    "Hongyixing": "洪宜行", "Hongyixing epidemic tracking": "洪宜行疫情跟踪监管平台",
    "Epidemic tracking and supervision": "疫情跟踪监管平台", "Home": "首页", "Find a person": "查找人员", "API": "API",
    "Sign out": "退出", "Personal data is shown masked. Every reveal and export is logged.":
        "个人信息已脱敏显示。每一次查看明文和导出都会被记录。",
    "Something went wrong on our side. The error has been logged; please try again.": "系统出现错误，已记录，请重试。",
    "You are not allowed to do this.": "您无权进行此操作。", "Back to the home page": "返回首页",
    "This page does not exist, or it is outside your jurisdiction.": "页面不存在，或不在您的辖区范围内。",
    "You have no jurisdiction over areas or people. Ask the district office for a grant.":
        "您没有任何区域或人员的管辖权限。请联系区指挥部办公室授权。",
    "Welcome, %(name)s": "您好，%(name)s", "Search": "搜索", "My jurisdiction": "我的辖区", "Sex": "性别",
    "Birth date": "出生日期", "Document number": "证件号码", "Relation": "关系", "Nobody found.": "未找到人员。",
    "Show full value": "查看完整信息", "Show (this is logged)": "查看（将被记录）", "Revealed and logged.": "已显示并记录。",
    "Back": "返回", "Phones": "电话", "Registered domicile": "户籍地址", "Current address": "现住址",
    "Timeline": "全流程记录", "system": "系统", "Nothing recorded yet.": "暂无记录。",
    "A full ID number or phone finds the exact person; a name (or its first characters) lists matches in your jurisdiction.":
        "输入完整证件号码或电话可精确查找；输入姓名（或开头几个字）列出辖区内的匹配人员。",
    "More results": "更多结果", "Demo district": "演示区",
}


def _unquote(lines: list[str]) -> str:
    return "".join(re.match(r"^(?:msgid |msgstr )?\"(.*)\"$", line).group(1) for line in lines if line)  # type: ignore[union-attr]


def main() -> int:
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    missing = []
    out = []
    for block in blocks:
        lines = block.split("\n")
        try:
            i_id = next(i for i, line in enumerate(lines) if line.startswith("msgid "))
            i_str = next(i for i, line in enumerate(lines) if line.startswith("msgstr "))
        except StopIteration:
            out.append(block)
            continue
        msgid = _unquote(lines[i_id:i_str]).replace('\\"', '"')
        msgstr = _unquote(lines[i_str:])
        if msgid and not msgstr:
            if msgid in ZH:
                lines = lines[:i_str] + ['msgstr "' + ZH[msgid].replace('"', '\\"') + '"']
                lines = [line for line in lines if line != "#, fuzzy"]
            else:
                missing.append(msgid)
        out.append("\n".join(lines))
    PO.write_text("\n\n".join(out), encoding="utf-8")
    for msgid in missing:
        print("untranslated:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
