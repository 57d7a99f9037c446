from django import forms
from django.utils import timezone

from .models import Idea, Poll


class IdeaForm(forms.Form):
    title = forms.CharField(max_length=150, help_text="One line: what should change?")
    description = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown. Why it matters, who it helps, how you would know it worked.",
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Idea.Status.choices)
    note = forms.CharField(
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown. Everyone sees it in the idea's history; voters are notified.",
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label="Merge into idea number", min_value=1, help_text="The number after # on the idea to keep."
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", max_length=5_000, widget=forms.Textarea(attrs={"rows": 3}), help_text="Markdown."
    )


class PollForm(forms.Form):
    question = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, max_length=5_000, widget=forms.Textarea(attrs={"rows": 3}), help_text="Markdown."
    )
    kind = forms.ChoiceField(
        label="Kind of poll",
        choices=Poll.Kind.choices,
        initial=Poll.Kind.SINGLE,
        help_text="Ranked choice: voters order the options; the result is found by instant runoff.",
    )
    options = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), help_text="One option per line, 2 to 20.")
    max_choices = forms.IntegerField(
        label="Most options a voter may pick",
        required=False,
        min_value=1,
        help_text="Multiple choice only. Empty: no limit.",
    )
    closes_at = forms.DateTimeField(
        label="Closes at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="Optional. Empty: open until closed by hand.",
    )
    is_anonymous = forms.BooleanField(
        label="Anonymous",
        required=False,
        help_text="Nobody, admins included, can see who voted what. Ballots are then final.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        self.fields["closes_at"].help_text = f"Optional, in {zone} time. Empty: open until closed by hand."

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]
