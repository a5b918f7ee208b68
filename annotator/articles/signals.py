"""What the articles app tells the apps that build on it, without importing them."""

from django.dispatch import Signal

# Sent once the files an import stored together are committed, with `articles` (a list,
# in upload order): the suggesters and claim matching listen (annotator.suggestions.apps,
# annotator.matching.apps) and queue their background work, once for all of them.
articles_imported = Signal()
