"""What the articles app tells the apps that build on it, without importing them."""

from django.dispatch import Signal

# Sent once an imported article is committed, with `article`: the suggesters listen
# (annotator.suggestions.apps) and run on it in the background.
article_imported = Signal()
