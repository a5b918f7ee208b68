# The search vector indexes only the text's first SEARCH_TEXT_CHARS characters, so a text
# of many distinct words no longer exceeds PostgreSQL's 1 MB tsvector limit. A generated
# column's expression cannot be altered (before PostgreSQL 17): drop it and add it again.

import annotator.articles.models
import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0003_datetimes_in_range'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='article',
            name='article_search_gin',
        ),
        migrations.RemoveField(
            model_name='article',
            name='search_vector',
        ),
        migrations.AddField(
            model_name='article',
            name='search_vector',
            field=models.GeneratedField(db_persist=True, expression=annotator.articles.models.ArticleSearchVector(), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddIndex(
            model_name='article',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='article_search_gin'),
        ),
    ]
