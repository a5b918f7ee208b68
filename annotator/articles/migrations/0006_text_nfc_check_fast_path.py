# The check that an article's text is NFC first tries a regular expression of characters
# that are NFC in any company (annotator/articles/models.py, NFC_SAFE): a fifth of the cost
# of IS NFC NORMALIZED for most texts, on every article stored.

import annotator.articles.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0005_search_in_background'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='article',
            name='article_text_normalised',
        ),
        migrations.AddConstraint(
            model_name='article',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('text__contains', '\r'), _negated=True), models.Q(('text__regex', '^[\\n\\u0020-\\u007e\\u00a0-\\u024f\\u0370-\\u0373\\u0375-\\u0377\\u037a-\\u037d\\u037f\\u0384-\\u0386\\u0388-\\u038a\\u038c\\u038e-\\u03a1\\u03a3-\\u03ff\\u0400-\\u0482\\u0488-\\u04ff\\u0600-\\u060f\\u061b-\\u064a\\u0660-\\u066f\\u0671-\\u06d5\\u06dd-\\u06de\\u06e5-\\u06e6\\u06e9\\u06ee-\\u06ff\\u2010-\\u205e\\u20a0-\\u20c0\\u2100-\\u2125\\u2127-\\u2129\\u212c-\\u214f\\ufe70-\\ufe74\\ufe76-\\ufefc\\ufeff]*$'), annotator.articles.models.IsNFC('text'), _connector='OR')), name='article_text_normalised'),
        ),
    ]
