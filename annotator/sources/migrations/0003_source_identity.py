"""Sources get aliases (were "other names") and match keys, and PostgreSQL's trigram
similarity for close spellings."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from annotator.sources.identity import source_keys


def fill_keys(apps, schema_editor):
    Source = apps.get_model("sources", "Source")
    for source in Source.objects.all().only("id", "name", "aliases"):
        keys = source_keys(source.name, source.aliases)
        Source.objects.filter(pk=source.pk).update(match_keys=keys)


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0002_source_merges"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RenameField(model_name="source", old_name="other_names", new_name="aliases"),
        migrations.AlterField(
            model_name="source",
            name="aliases",
            field=ArrayField(
                base_field=models.CharField(max_length=200),
                blank=True,
                default=list,
                help_text="Other spellings and names, in other scripts too (Latin and Arabic).",
                size=None,
            ),
        ),
        migrations.RenameField(
            model_name="sourcemerge", old_name="merged_other_names", new_name="merged_aliases"
        ),
        migrations.AddField(
            model_name="source",
            name="match_keys",
            field=ArrayField(
                base_field=models.CharField(max_length=200), blank=True, default=list, size=None
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="source",
            index=GinIndex(fields=["match_keys"], name="source_match_keys_gin"),
        ),
    ]
