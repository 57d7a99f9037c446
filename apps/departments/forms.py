from django import forms

from apps.accounts.models import User

from .models import Department, Membership


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "description", "mission", "is_confidential_by_default"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "mission": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"mission": "Markdown."}

    def validate_unique(self) -> None:
        """Uniqueness is the service's job; it answers with a clearer message."""


class DepartmentImageForm(forms.Form):
    image = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))


class MembershipForm(forms.Form):
    email = forms.EmailField(label="Colleague's e-mail")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def clean_email(self) -> User:
        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError("No active colleague has this e-mail address.")
        return user


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)
