from django import forms


class AccountForm(forms.Form):
    """Staff's new account. Only the form's shape is checked here; the account rules
    (username free, e-mail valid and unused, password strong enough) are user_create's."""

    username = forms.CharField(max_length=150)
    email = forms.CharField(max_length=254, required=False)
    name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(strip=False, required=False)
    generate = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("generate") and not data.get("password"):
            self.add_error("password", "Type a password, or tick “Generate one”.")
        return data

    def add_account_errors(self, error) -> None:
        """user_create's ValidationError, each message at its field."""
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
