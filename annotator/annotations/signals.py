"""What the annotations app tells the apps built on it, without importing them."""

from django.dispatch import Signal

# Sent inside the transaction when a person's new span takes over an open suggestion of the
# same kind and (nearly) the same span, with `annotation` (now the person's draft),
# `suggested` (a SuggestedSpan: the suggestion as it was) and `user`. The suggestions app
# records the decision.
suggestion_taken = Signal()

# Sent inside the transaction after annotations_bulk_create wrote many spans at once (no
# post_save for them), with `articles` (their ids). Claim matching queues them.
annotations_bulk_created = Signal()
