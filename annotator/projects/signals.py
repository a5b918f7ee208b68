"""What the projects app tells the apps that build on it, without importing them."""

from django.dispatch import Signal

# Sent inside the transaction that removes a member, with `membership` (deleted already)
# and `user` (who removed them): the review app takes back their assignments
# (annotator.review.apps), so that no article waits for someone who cannot work on it.
member_removed = Signal()
