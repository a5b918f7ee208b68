from django import forms


class InviteSignupForm(forms.Form):
    """A new account by an invite link. Only the form's shape is checked here; the account
    rules (username free, password strong enough) are annotator.users.user_create's."""

    username = forms.CharField(max_length=150)
    name = forms.CharField(max_length=150, required=False)
    password1 = forms.CharField(strip=False)
    password2 = forms.CharField(strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data["password1"]:
            self.add_error("password2", "The two passwords differ: type the same one twice.")
        return data

    def add_account_errors(self, error) -> None:
        """user_create's ValidationError, each message at its field."""
        fields = {"password": "password1"}
        for field, messages in error.message_dict.items():
            self.add_error(fields.get(field, field if field in self.fields else None), messages)
