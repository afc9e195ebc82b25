"""A form whose input a service judges (one validator, in services): the page shows the refusal."""

from __future__ import annotations

from django import forms

from hongyixing.core.errors import DomainError


class ServiceForm(forms.Form):
    def refuse(self, error: DomainError) -> None:
        """Show a service's refusal beside the field it names, or above the form (a stale edit says so
        in its own message)."""
        self.add_error(error.field if error.field in self.fields else None, str(error.message))
