"""HTML forms of game plans: they parse; the services validate (so the page, API and tests refuse the same things)."""

from django import forms

from apps.departments.access import read_by_every_reader_of_q, readers_of
from apps.departments.models import Department

from .models import Cadence, Goal, Plan, Slot


class PlanForm(forms.Form):
    name = forms.CharField(label="Programme name", max_length=120, required=False)
    theme = forms.CharField(max_length=200, required=False)
    mission = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text="Markdown.")
    principles = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text="Markdown.")
    review_period = forms.ChoiceField(label="Results reviews", choices=Plan.ReviewPeriod.choices)
    summary = forms.CharField(label="What you changed", max_length=300, required=False)


def member_choices(department: Department) -> list[tuple[int, str]]:
    users = readers_of(department).select_related("profile").order_by("profile__display_name", "email")[:500]
    return [(u.pk, u.display_name) for u in users]


def video_choices(user, department: Department) -> list[tuple[int, str]]:
    """Videos `user` watches that the plan's readers watch too: the department's and All staff's (one query)."""
    from apps.videos.models import Video

    if user is None:
        return []
    videos = (
        Video.objects.visible_to(user)
        .ready()
        .filter(read_by_every_reader_of_q(department))
        .order_by("-created_at")
        .values_list("pk", "title")[:200]
    )
    return list(videos)


class GoalForm(forms.Form):
    title = forms.CharField(max_length=150, required=False, help_text="Specific: what will change.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    unit = forms.CharField(max_length=40, required=False, help_text="Measurable: what is counted.")
    baseline = forms.CharField(required=False)
    target = forms.CharField(required=False)
    direction = forms.ChoiceField(choices=Goal.Direction.choices)
    owner = forms.TypedChoiceField(choices=[], required=False, help_text="Achievable: who answers for it.")
    serves_mission = forms.BooleanField(required=False, label="Serves our mission")
    parent = forms.TypedChoiceField(choices=[], required=False, label="Rolls up into (All staff goal)")
    starts_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Starts on")
    due_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due on")
    cadence = forms.ChoiceField(choices=Cadence.choices, label="Check-ins")
    measured_video = forms.TypedChoiceField(
        choices=[],
        required=False,
        label="Measured from video completions",
        help_text="Its value is then the share (%) of members who watched the video, computed from completion records.",
    )

    def __init__(self, *args, department: Department, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—"), *member_choices(department)]
        self.fields["measured_video"].choices = [("", "— by hand (check-ins)"), *video_choices(user, department)]
        company = Goal.objects.filter(plan__department__is_company_wide=True).exclude(plan__department=department)
        self.fields["parent"].choices = [("", "—"), *[(g.pk, g.title) for g in company[:200]]]


class CheckInForm(forms.Form):
    value = forms.CharField(label="Value measured")
    on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Measured on")
    comment = forms.CharField(max_length=500, required=False)
    evidence_url = forms.CharField(max_length=300, required=False, label="Evidence (link to a post, video or idea)")


class RoleForm(forms.Form):
    name = forms.CharField(max_length=100, label="Role")
    duties = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="What it does")
    holders = forms.TypedMultipleChoiceField(choices=[], required=False, label="Held by")

    def __init__(self, *args, department: Department, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holders"].choices = member_choices(department)


class RoutineForm(forms.Form):
    title = forms.CharField(max_length=200, label="Routine")
    owner = forms.TypedChoiceField(choices=[], label="Owner")
    cadence = forms.ChoiceField(choices=Cadence.choices)

    def __init__(self, *args, department: Department, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = member_choices(department)


class ReviewForm(forms.Form):
    worked = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label="What worked")
    changes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label="What we change")


class SlotForm(forms.Form):
    on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Date")
    channel = forms.ChoiceField(choices=Slot.Channel.choices)
    theme = forms.CharField(max_length=200)
    owner = forms.TypedChoiceField(choices=[], label="Owner")
    status = forms.ChoiceField(choices=Slot.Status.choices)
    company_wide = forms.BooleanField(required=False, label="For all staff (checked for clashes)")

    def __init__(self, *args, department: Department, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = member_choices(department)
