from django import forms
from django.conf import settings

from apps.departments.models import Department
from apps.feed.forms import MultipleFileField

from .business_time import available_countries
from .models import MAX_BODY_LENGTH, MAX_TITLE_LENGTH

WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
            (6, "Sunday")]  # fmt: skip


class AskForm(forms.Form):
    asking_department = forms.TypedChoiceField(coerce=int, label="Asking from")
    departments = forms.TypedMultipleChoiceField(
        coerce=int, label="Ask", widget=forms.CheckboxSelectMultiple, help_text="One department, or a few."
    )
    title = forms.CharField(
        max_length=MAX_TITLE_LENGTH,
        label="Your question",
        widget=forms.TextInput(attrs={"data-similar": "title", "autocomplete": "off"}),
        help_text="One line, e.g. “When will the export fix ship?”",
    )
    body = forms.CharField(
        max_length=MAX_BODY_LENGTH,
        label="Details",
        widget=forms.Textarea(attrs={"rows": 6, "data-similar": "body"}),
        help_text="Markdown. What you need, by when, and why.",
    )
    is_confidential = forms.BooleanField(
        required=False, label="Confidential: only my department and the departments I ask can read it"
    )
    attachments = MultipleFileField(label="Files")

    def __init__(self, *args, asking: list[Department], askable: list[Department], **kwargs):
        super().__init__(*args, **kwargs)
        self.asking = {d.pk: d for d in asking}
        self.askable = {d.pk: d for d in askable}
        self.fields["asking_department"].choices = [(d.pk, d.name) for d in asking]
        self.fields["departments"].choices = [(d.pk, d.name) for d in askable]

    def clean_asking_department(self) -> Department:
        return self.asking[self.cleaned_data["asking_department"]]

    def clean_departments(self) -> list[Department]:
        return [self.askable[pk] for pk in self.cleaned_data["departments"]]


class AnswerForm(forms.Form):
    body = forms.CharField(
        max_length=MAX_BODY_LENGTH, label="Your answer", widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown; @**Name** mentions someone who can read the question.",
    )  # fmt: skip
    attachments = MultipleFileField(label="Files")


class CommentForm(forms.Form):
    body = forms.CharField(max_length=5_000, label="Comment", widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Assign to")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Nobody")] + [(u.pk, u.display_name) for u in members]


class TargetsForm(forms.Form):
    first_response_days = forms.DecimalField(
        min_value=0.1, max_value=30, decimal_places=1, label="First response within (business days)"
    )
    answer_days = forms.DecimalField(
        min_value=0.1, max_value=60, decimal_places=1, label="Answer within (business days)"
    )
    time_zone = forms.CharField(max_length=64, label="Time zone", help_text="e.g. Europe/Paris")
    working_days = forms.TypedMultipleChoiceField(
        coerce=int, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, label="Working days"
    )
    day_starts = forms.TimeField(label="Day starts", widget=forms.TimeInput(attrs={"type": "time"}))
    day_ends = forms.TimeField(label="Day ends", widget=forms.TimeInput(attrs={"type": "time"}))
    holiday_country = forms.ChoiceField(required=False, label="Public holidays of")
    closed_days = forms.CharField(
        required=False, label="Other days off", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One date per line, as YYYY-MM-DD.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holiday_country"].choices = [("", "None"), *available_countries()]
        self.fields["time_zone"].initial = settings.TIME_ZONE
