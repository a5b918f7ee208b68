import pghistory
import pgtrigger
from django.conf import settings
from django.db import models

from annotator.articles.models import Article


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Assignment(models.Model):
    """An owner asks `user` to annotate `article` (several people may share one article,
    which is how agreement between annotators is measured). Each assignee marks their own
    work ready (`ready_at`); the article is ready for review when all have."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments_made",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="assignment_unique_user"),
        ]
        indexes = [models.Index(fields=["user", "article"], name="assignment_user_article")]
        triggers = [
            # A CHECK cannot look at other tables: only members of the article's project
            # can be assigned to it.
            pgtrigger.Trigger(
                name="assignment_user_is_member",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=(
                    "IF NOT EXISTS (SELECT 1 FROM projects_membership m"
                    " JOIN articles_article a ON a.project_id = m.project_id"
                    " WHERE a.id = NEW.article_id AND m.user_id = NEW.user_id) THEN"
                    " RAISE EXCEPTION 'only members of the project can be assigned its articles'"
                    " USING ERRCODE = 'integrity_constraint_violation'; END IF;"
                    " RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.article}"
