from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hongyixing.accounts import admin_services, services
from hongyixing.accounts.admin_views import ENROL_ALLOWED, enrolment_code_step
from hongyixing.accounts.forms import CodeForm, LoginForm, TokenForm
from hongyixing.accounts.middleware import SESSION_SECOND_FACTOR
from hongyixing.accounts.models import ApiToken, User

PENDING_USER = "hyx_pending_user"
PENDING_SECRET = "hyx_pending_secret"
NEXT_URL = "hyx_next"


def _finish_login(request: HttpRequest, user: User, second_factor: bool) -> HttpResponse:
    next_url = request.session.get(NEXT_URL, "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_SECOND_FACTOR] = second_factor
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("home")


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.check_password_login(
                request, form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except services.LoginRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            next_url = request.GET.get("next", "")
            request.session.cycle_key()
            request.session[NEXT_URL] = next_url
            if outcome.needs_second_factor or outcome.must_enrol:
                request.session[PENDING_USER] = outcome.user.pk
                if outcome.must_enrol and outcome.user.must_change_password:
                    return redirect("accounts:first_password")
                return redirect("accounts:enrol" if outcome.must_enrol else "accounts:second_factor")
            return _finish_login(request, outcome.user, second_factor=False)
    return render(request, "accounts/login.html", {"form": form})


def _pending_user(request: HttpRequest) -> User:
    pending = request.session.get(PENDING_USER)
    user = User.objects.filter(pk=pending, is_active=True).first() if pending else None
    if user is None:
        raise Http404
    return user


def second_factor_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = services.client_ip(request)
        # Only this address's own failures block the second step: a lock that others caused on the
        # account must not keep its owner (who has the password and the phone) out.
        if services.throttle(user.username, ip).blocks_address:
            form.add_error(None, _("Too many failed attempts. Try again later."))
        elif services.check_second_factor(user, form.cleaned_data["code"], ip=ip):
            del request.session[PENDING_USER]
            return _finish_login(request, user, second_factor=True)
        else:
            form.add_error("code", _("That code is not correct or has already been used."))
    return render(request, "accounts/second_factor.html", {"form": form})


def enrol_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if request.session.get(ENROL_ALLOWED) != user.pk:
        # Binding a second factor needs more than the password: an administrator's enrolment code.
        return enrolment_code_step(request, user)
    secret = request.session.get(PENDING_SECRET) or services.start_enrolment(user)
    request.session[PENDING_SECRET] = secret
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.do_confirm_enrolment(user, secret, form.cleaned_data["code"]):
            del request.session[PENDING_USER]
            del request.session[PENDING_SECRET]
            request.session.pop(ENROL_ALLOWED, None)
            if user.enrolment_code_digest:
                admin_services.do_use_enrolment_code(user)
            messages.success(request, _("Two-factor sign-in is now on for your account."))
            return _finish_login(request, user, second_factor=True)
        form.add_error("code", _("That code is not correct. Check the time on your phone and try again."))
    uri = services.provisioning_uri(user, secret)
    buffer = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    context: dict[str, Any] = {"form": form, "secret": secret, "qr_svg": buffer.getvalue().decode()}
    return render(request, "accounts/enrol.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def tokens_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.do_issue_token(user, form.cleaned_data["name"])
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(request, "accounts/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def revoke_token_view(request: HttpRequest, token_id: int) -> HttpResponse:
    user: Any = request.user
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise Http404
    services.do_revoke_token(user, token)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")
