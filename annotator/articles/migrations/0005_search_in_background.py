# Search vectors move from a generated column of articles to ArticleSearch, filled in the
# background (annotator/articles/indexing.py): an article's INSERT no longer computes one.
# The vectors computed so far move with them.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0004_search_vector_bounded'),
        ('projects', '0004_membership_keeps_an_owner'),
        ('sources', '0004_datetimes_in_range'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ArticleSearch',
            fields=[
                ('article', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search', serialize=False, to='articles.article')),
                ('vector', django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunSQL(
            'INSERT INTO articles_articlesearch (article_id, vector)'
            ' SELECT id, search_vector FROM articles_article WHERE search_vector IS NOT NULL',
            reverse_sql=migrations.RunSQL.noop,  # the generated column computes them again
        ),
        migrations.RemoveIndex(
            model_name='article',
            name='article_search_gin',
        ),
        migrations.RemoveField(
            model_name='article',
            name='search_vector',
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='article',
            trigger=pgtrigger.compiler.Trigger(name='article_search_follows_edits', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."title" IS DISTINCT FROM (NEW."title") OR OLD."text" IS DISTINCT FROM (NEW."text") OR OLD."language" IS DISTINCT FROM (NEW."language"))', func="INSERT INTO articles_articlesearch (article_id, vector) VALUES (NEW.id, setweight(to_tsvector(CASE split_part(NEW.language, '-', 1) WHEN 'ar' THEN 'arabic'::regconfig WHEN 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END, NEW.title), 'A') || setweight(to_tsvector(CASE split_part(NEW.language, '-', 1) WHEN 'ar' THEN 'arabic'::regconfig WHEN 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END, left(NEW.text, 100000)), 'B')) ON CONFLICT (article_id) DO UPDATE SET vector = EXCLUDED.vector; RETURN NULL;", hash='32fbac65d7d6c352e3baa78deca77439683c3305', operation='UPDATE OF "title", "text", "language"', pgid='pgtrigger_article_search_follows_edits_b0364', table='articles_article', when='AFTER')),
        ),
        migrations.AddIndex(
            model_name='articlesearch',
            index=django.contrib.postgres.indexes.GinIndex(fields=['vector'], name='article_search_gin'),
        ),
    ]
