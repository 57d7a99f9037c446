from django import forms

from .models import NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["email_on_mention", "email_on_announcement", "notify_on_reply", "notify_on_reaction"]
