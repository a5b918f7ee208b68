# Every article gets its ArticleSearch row when it is stored (a statement trigger), with no
# vector until the worker computes it: the search finds the ones to compute by the partial
# index article_search_pending instead of reading every article. Articles stored since 0005
# without a row get theirs here.

import django.contrib.postgres.search
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0006_text_nfc_check_fast_path'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='article',
            name='article_search_follows_edits',
        ),
        migrations.AlterField(
            model_name='articlesearch',
            name='vector',
            field=django.contrib.postgres.search.SearchVectorField(null=True),
        ),
        migrations.AddIndex(
            model_name='articlesearch',
            index=models.Index(condition=models.Q(('vector__isnull', True)), fields=['article'], name='article_search_pending'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='article',
            trigger=pgtrigger.compiler.Trigger(name='article_search_row', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO articles_articlesearch (article_id) SELECT id FROM stored; RETURN NULL;', hash='64bddd3fcd64ac8a930788eae10e62aae26b2c94', level='STATEMENT', operation='INSERT', pgid='pgtrigger_article_search_row_a5005', referencing='REFERENCING NEW TABLE AS stored ', table='articles_article', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='article',
            trigger=pgtrigger.compiler.Trigger(name='article_search_follows_edits', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."title" IS DISTINCT FROM (NEW."title") OR OLD."text" IS DISTINCT FROM (NEW."text") OR OLD."language" IS DISTINCT FROM (NEW."language"))', func="UPDATE articles_articlesearch SET vector = setweight(to_tsvector(CASE split_part(NEW.language, '-', 1) WHEN 'ar' THEN 'arabic'::regconfig WHEN 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END, NEW.title), 'A') || setweight(to_tsvector(CASE split_part(NEW.language, '-', 1) WHEN 'ar' THEN 'arabic'::regconfig WHEN 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END, left(NEW.text, 100000)), 'B') WHERE article_id = NEW.id; RETURN NULL;", hash='b51e9101f722cd425ad900c1c47a18ceb153c0a6', operation='UPDATE OF "title", "text", "language"', pgid='pgtrigger_article_search_follows_edits_b0364', table='articles_article', when='AFTER')),
        ),
        migrations.RunSQL(
            'INSERT INTO articles_articlesearch (article_id, vector)'
            ' SELECT id, NULL FROM articles_article a WHERE NOT EXISTS'
            ' (SELECT 1 FROM articles_articlesearch s WHERE s.article_id = a.id)',
            reverse_sql='DELETE FROM articles_articlesearch WHERE vector IS NULL',
        ),
    ]
