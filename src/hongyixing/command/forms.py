from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hongyixing.command.choices import FieldKind, MemberRole, VisitOutcome


class ChoicesMixin:
    fields: dict[str, Any]

    def _choices(self, name: str, choices: list[Any]) -> None:
        field: Any = self.fields[name]
        field.choices = choices


KIND_WORDS = {
    "yesno": FieldKind.YES_NO,
    "是否": FieldKind.YES_NO,
    "number": FieldKind.NUMBER,
    "数字": FieldKind.NUMBER,
    "数值": FieldKind.NUMBER,
    "text": FieldKind.TEXT,
    "文字": FieldKind.TEXT,
    "文本": FieldKind.TEXT,
}


def parse_field_lines(text: str) -> list[dict[str, str]]:
    """One question per line: ``label`` or ``label | kind`` (yesno, number, text)."""
    items: list[dict[str, str]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        label, _sep, kind = line.partition("|")
        if not label.strip():
            continue
        word = kind.strip().lower() or "yesno"
        if word not in KIND_WORDS:
            raise ValidationError(_("Line %(n)d: the kind must be yes/no, number or text."), params={"n": n})
        items.append({"key": f"q{len(items) + 1}", "label": label.strip(), "kind": str(KIND_WORDS[word])})
    return items


def field_lines(fields: list[dict[str, str]]) -> str:
    return "\n".join(f"{f['label']} | {f['kind']}" for f in fields)


class GroupForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=60)
    lead_unit = forms.CharField(label=_("Lead unit"), max_length=100, required=False)
    duties = forms.CharField(
        label=_("Duties"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=999)


class MemberForm(ChoicesMixin, forms.Form):
    user = forms.ChoiceField(label=_("User"))
    role = forms.ChoiceField(label=_("Role in the group"), choices=MemberRole.choices)
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    def __init__(self, *args: Any, users: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("user", [("", "—"), *(users or [])])


class ShiftForm(ChoicesMixin, forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    group = forms.ChoiceField(label=_("Working group"), required=False)
    officer = forms.ChoiceField(label=_("Duty officer"))
    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    post = forms.CharField(label=_("Post"), max_length=60, required=False)
    phone = forms.CharField(
        label=_("Duty phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(
        self,
        *args: Any,
        units: list[tuple[int, str]] | None = None,
        groups: list[tuple[int, str]] | None = None,
        users: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("unit", units or [])
        self._choices("group", [("", "—"), *(groups or [])])
        self._choices("officer", [("", "—"), *(users or [])])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class DirectiveForm(ChoicesMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 6}))
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    units = forms.MultipleChoiceField(label=_("Units"), required=False, widget=forms.CheckboxSelectMultiple)
    groups = forms.MultipleChoiceField(
        label=_("Working groups"), required=False, widget=forms.CheckboxSelectMultiple
    )
    group = forms.ChoiceField(label=_("Issued by the group"), required=False)
    feedback_text = forms.BooleanField(label=_("A written report is required"), required=False, initial=True)
    feedback_file = forms.BooleanField(label=_("A file is required"), required=False)
    feedback_fields = forms.CharField(
        label=_(
            "Figures and fields to report (one per line: label | kind; the kind is yes/no, number or text)"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(
        self,
        *args: Any,
        units: list[tuple[int, str]] | None = None,
        groups: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("units", units or [])
        self._choices("groups", groups or [])
        self._choices("group", [("", "—"), *(groups or [])])

    def clean_feedback_fields(self) -> list[dict[str, str]]:
        return parse_field_lines(self.cleaned_data.get("feedback_fields", ""))


ACTIONS = ("acknowledge", "progress", "complete", "accept", "return")


class ActForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    version = forms.IntegerField()
    client_id = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=_("Report"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Evidence file"), required=False)


class CampaignForm(ChoicesMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    unit = forms.ChoiceField(label=_("Scope"))
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    checklist = forms.CharField(
        label=_("Checklist (one question per line: label | kind; the kind is yes/no, number or text)"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, units: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("unit", units or [])

    def clean_checklist(self) -> list[dict[str, str]]:
        items = parse_field_lines(self.cleaned_data.get("checklist", ""))
        if not items:
            raise ValidationError(_("Write at least one question."))
        return items


class VisitForm(ChoicesMixin, forms.Form):
    client_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("At the door"), choices=VisitOutcome.choices, widget=forms.RadioSelect
    )
    findings = forms.CharField(
        label=_("Findings"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    person = forms.ChoiceField(label=_("About whom"), required=False)
    raise_task = forms.BooleanField(label=_("Raise a verification task for this person"), required=False)

    def __init__(
        self,
        *args: Any,
        checklist: list[dict[str, str]] | None = None,
        members: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("person", [("", "—"), *(members or [])])
        self.questions = []
        for spec in checklist or []:
            name = f"a_{spec['key']}"
            if spec["kind"] == FieldKind.YES_NO:
                field: forms.Field = forms.ChoiceField(
                    label=spec["label"],
                    required=False,
                    choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
                )
            elif spec["kind"] == FieldKind.NUMBER:
                field = forms.CharField(
                    label=spec["label"],
                    required=False,
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                )
            else:
                field = forms.CharField(label=spec["label"], required=False, max_length=500)
            self.fields[name] = field
            self.questions.append(name)

    def answers(self) -> dict[str, Any]:
        return {name[2:]: self.cleaned_data.get(name) for name in self.questions}
