from django import forms

from .models import NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = [
            "email_on_mention", "email_on_announcement", "email_on_chat", "notify_on_reply", "notify_on_reaction",
            "quiet_from", "quiet_until", "digest",
        ]  # fmt: skip
        widgets = {
            "quiet_from": forms.TimeInput(attrs={"type": "time"}),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}),
        }

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("quiet_from") is None) != (data.get("quiet_until") is None):
            raise forms.ValidationError("Give both ends of the quiet hours, or neither.")
        return data
