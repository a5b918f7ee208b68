"""Articles that only the suggesters touched were marked "in progress"; they are new until
a person makes, accepts or rejects something."""

from django.db import migrations


def back_to_new(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Annotation = apps.get_model("annotations", "Annotation")
    SuggestionDecision = apps.get_model("suggestions", "SuggestionDecision")
    people = Annotation.objects.exclude(created_by=None).values("article")
    decided = SuggestionDecision.objects.values("article")
    Article.objects.filter(status="in_progress").exclude(pk__in=people).exclude(
        pk__in=decided
    ).update(status="new")


class Migration(migrations.Migration):
    dependencies = [
        ("suggestions", "0002_claim_ranker"),
        ("annotations", "0006_one_span_per_author"),
        ("articles", "0002_ingestion"),
    ]

    operations = [migrations.RunPython(back_to_new, migrations.RunPython.noop)]
