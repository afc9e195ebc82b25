"""The policy rules page: every verification deadline and measure rule with its versions, and (for
the district office) a form to add the next version from an effective date."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from hongyixing.core.errors import DomainError
from hongyixing.core.forms import ServiceForm
from hongyixing.rules import services
from hongyixing.rules.choices import MEASURE_CATEGORY_LABELS, MEASURE_TYPE_LABELS
from hongyixing.rules.models import MeasureRule, VerificationRule


@dataclass
class Group:
    title: Any
    subtitle: Any
    versions: list[Any] = field(default_factory=list)
    add_url: str = ""


def _label(labels: dict[str, Any], code: str) -> Any:
    return labels.get(code, code)


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    from django.urls import reverse

    verification: dict[str, Group] = {}
    for rule in VerificationRule.objects.order_by("category", "-valid_from"):
        group = verification.get(rule.category)
        if group is None:
            url = reverse("rules:add_verification", args=[rule.category])
            group = verification[rule.category] = Group(rule.name, "", add_url=url)
        group.versions.append(rule)
    measures: dict[tuple[str, str], Group] = {}
    order = list(MEASURE_TYPE_LABELS)
    measure_rules: list[Any] = sorted(
        MeasureRule.objects.all(),
        key=lambda r: (
            order.index(r.measure_type) if r.measure_type in order else 99,
            r.category,
            r.valid_from,
        ),
        reverse=False,
    )
    for rule in measure_rules:
        key = (rule.measure_type, rule.category)
        group = measures.get(key)
        if group is None:
            url = reverse("rules:add_measure", args=[rule.measure_type, rule.category])
            group = measures[key] = Group(
                _label(MEASURE_TYPE_LABELS, rule.measure_type),
                _label(MEASURE_CATEGORY_LABELS, rule.category),
                add_url=url,
            )
        rule.follow_on_label = _label(MEASURE_TYPE_LABELS, rule.follow_on_type) if rule.follow_on_type else ""
        group.versions.insert(0, rule)  # newest first
    return render(
        request,
        "rules/list.html",
        {
            "verification": list(verification.values()),
            "measures": list(measures.values()),
            "may_change": services.may_change_rules(request.user),
            "today": timezone.localdate(),
        },
    )


class _RuleForm(ServiceForm):
    """Text inputs only: the service validates (and says what is wrong at the field)."""

    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), required=False, max_length=400)
    valid_from = forms.CharField(
        label=gettext_lazy("Effective from"),
        required=False,
        max_length=40,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=800)


class VerificationRuleForm(_RuleForm):
    deadline_minutes = forms.CharField(
        label=gettext_lazy("Deadline (minutes)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    field_order = ["name", "deadline_minutes", "valid_from", "note"]


class MeasureRuleForm(_RuleForm):
    period_days = forms.CharField(
        label=gettext_lazy("Period (days)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    test_days = forms.CharField(
        label=gettext_lazy("Test days"),
        required=False,
        max_length=200,
        # zh: 从开始当天算第 1 天，用逗号分开，例如 1, 2, 3, 5
        help_text=gettext_lazy("Day 1 is the start day; separate with commas, e.g. 1, 2, 3, 5."),
    )
    follow_on_type = forms.CharField(label=gettext_lazy("Follow-on measure"), required=False)
    follow_on_days = forms.CharField(
        label=gettext_lazy("Follow-on period (days)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    follow_on_test_days = forms.CharField(
        label=gettext_lazy("Follow-on test days"), required=False, max_length=200
    )
    field_order = [
        "name",
        "period_days",
        "test_days",
        "follow_on_type",
        "follow_on_days",
        "follow_on_test_days",
        "valid_from",
        "note",
    ]

    def __init__(self, *args: Any, measure_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = MeasureRule.objects.values_list("measure_type", flat=True).distinct()
        choices = [("", gettext_lazy("— none —"))]
        choices += [(t, _label(MEASURE_TYPE_LABELS, t)) for t in sorted(set(types)) if t != measure_type]
        self.fields["follow_on_type"].widget = forms.Select(choices=choices)


def _editor(request: HttpRequest) -> None:
    if not services.may_change_rules(request.user):
        raise Http404


@login_required
def add_verification(request: HttpRequest, category: str) -> HttpResponse:
    _editor(request)
    current = services.current_verification_rule(category)
    if current is None:
        raise Http404
    initial = {"name": current.name, "deadline_minutes": current.deadline_minutes}
    form = VerificationRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.do_add_verification_rule_version(
                request.user,
                category,
                services.VerificationRuleInput(
                    name=data["name"],
                    deadline_minutes=data["deadline_minutes"],
                    valid_from=data["valid_from"],
                    note=data["note"],
                ),
            )
        except DomainError as error:
            form.refuse(error)
        else:
            messages.success(request, _("The new version is saved."))
            return redirect("rules:list")
    return render(
        request,
        "rules/add.html",
        {"form": form, "current": current, "title": current.name, "subtitle": _("Verification deadline")},
    )


@login_required
def add_measure(request: HttpRequest, measure_type: str, category: str) -> HttpResponse:
    _editor(request)
    current = services.current_measure_rule(measure_type, category)
    if current is None:
        raise Http404
    initial = {
        "name": current.name,
        "period_days": current.period_days,
        "test_days": ", ".join(str(d) for d in current.test_days),
        "follow_on_type": current.follow_on_type,
        "follow_on_days": current.follow_on_days or "",
        "follow_on_test_days": ", ".join(str(d) for d in current.follow_on_test_days),
    }
    form = MeasureRuleForm(request.POST or None, initial=initial, measure_type=measure_type)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.do_add_measure_rule_version(
                request.user,
                measure_type,
                category,
                services.MeasureRuleInput(
                    name=data["name"],
                    period_days=data["period_days"],
                    test_days=data["test_days"],
                    valid_from=data["valid_from"],
                    follow_on_type=data["follow_on_type"],
                    follow_on_days=data["follow_on_days"],
                    follow_on_test_days=data["follow_on_test_days"],
                    note=data["note"],
                ),
            )
        except DomainError as error:
            form.refuse(error)
        else:
            messages.success(request, _("The new version is saved."))
            return redirect("rules:list")
    subtitle = f"{_label(MEASURE_TYPE_LABELS, measure_type)} · {_label(MEASURE_CATEGORY_LABELS, category)}"
    return render(
        request,
        "rules/add.html",
        {"form": form, "current": current, "title": current.name, "subtitle": subtitle},
    )
