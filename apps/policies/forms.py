from django import forms

from apps.core.errors import ServiceError

from .models import MAX_POLICY_LENGTH, MAX_SUMMARY_LENGTH


def offer_to_send_anyway(form: forms.Form, error: ServiceError) -> bool:
    """After a `policy_warning`: show it beside the text and add the "send anyway" box. False for other errors."""
    if error.code != "policy_warning":
        return False
    form.fields["confirm"] = forms.BooleanField(
        required=False, label="Send anyway: I checked, and this may be shared here"
    )
    form.add_error("body" if "body" in form.fields else None, error.detail)
    return True


def wants_to_send_anyway(data) -> bool:
    return data.get("confirm") in ("on", "true", "1")


class RulesField(forms.CharField):
    """One rule per line."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}))
        super().__init__(**kwargs)


class PolicyForm(forms.Form):
    body = forms.CharField(
        label="Policy text",
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=MAX_POLICY_LENGTH,
        help_text="Markdown. What may be shared, with whom, and what never.",
    )
    summary = forms.CharField(
        label="What changed", max_length=MAX_SUMMARY_LENGTH, help_text="One line, shown before the text."
    )
    minor = forms.BooleanField(label="Minor edit (a typo, a link): do not ask everyone to accept again", required=False)

    def __init__(self, *args, first: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if first:
            del self.fields["minor"]
            self.fields["summary"].required = False
            self.fields["summary"].label = "Summary (optional)"


class RulesForm(forms.Form):
    never_share_words = RulesField(
        label="Never share: words and phrases",
        help_text="One per line, e.g. salary, confidential, merger. Matched as whole words, in any case.",
    )
    never_share_patterns = RulesField(
        label="Never share: patterns",
        help_text=r"One regular expression per line, e.g. \bACC-\d{6}\b for customer account numbers.",
    )
