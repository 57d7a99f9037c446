from django import forms
from django.conf import settings

from apps.departments.models import Department

from .models import Post


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class PostForm(forms.Form):
    department = forms.TypedChoiceField(coerce=int, label="Post in")
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "data-mentions": "true",
                "placeholder": "Share news, ask a question… Type @ and a name to mention someone",
            }
        ),
        max_length=10_000,
    )
    images = MultipleFileField(
        label=f"Images (up to {settings.POST_MAX_IMAGES})",
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    attachments = MultipleFileField(label="Files")
    is_confidential = forms.BooleanField(label="Confidential", required=False)
    publish_at = forms.DateTimeField(
        label="Publish later (optional)", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    # Not required: members get no Type field, and the view posts a plain post without one.
    kind = forms.ChoiceField(choices=Post.Kind.choices, initial=Post.Kind.POST, label="Type", required=False)
    pinned_until = forms.DateTimeField(
        label="Pinned until (announcements)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    requires_ack = forms.BooleanField(label="Ask members to acknowledge", required=False)
    ack_due_at = forms.DateTimeField(
        label="Acknowledge by", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, departments: list[Department], can_announce: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {d.pk: d for d in departments}
        self.fields["department"].choices = [(d.pk, d.name) for d in departments]
        if not can_announce:
            for name in ("kind", "pinned_until", "requires_ack", "ack_due_at"):
                del self.fields[name]

    def clean_department(self) -> Department:
        return self.departments[self.cleaned_data["department"]]


class EditPostForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6, "data-mentions": "true"}), max_length=10_000)
    new_version = forms.BooleanField(
        required=False, label="This changes the meaning: ask everyone to acknowledge again"
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 2, "data-mentions": "true"}), max_length=5_000
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
