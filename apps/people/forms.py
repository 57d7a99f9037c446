from django import forms

from apps.accounts.models import User

from . import timezones
from .models import Profile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = [
            "display_name",
            "job_title",
            "status",
            "away_until",
            "bio",
            "skills",
            "location",
            "phone",
            "time_zone",
        ]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 8}),
            "skills": forms.TextInput(attrs={"placeholder": "e.g. negotiation, SQL, onboarding"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "away_until": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"away_until": "Out of office until"}
        help_texts = {
            "bio": "Markdown: **bold**, *italic*, lists and links.",
            "skills": "Separate with commas.",
            "time_zone": "Every time on the intranet is shown in it, and dates you pick are read in it.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"] = forms.ChoiceField(
            choices=[("", "(not set yet)"), *timezones.choices()],
            required=False,
            help_text=self._meta.help_texts["time_zone"],
            label="Time zone",
        )


class ManagerForm(forms.Form):
    manager = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).select_related("profile"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].label_from_instance = lambda user: f"{user.display_name} <{user.email}>"


class PhotoForm(forms.Form):
    photo = forms.FileField(
        help_text="JPEG, PNG, GIF or WebP, up to 10 MB. It is cropped to a square.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
