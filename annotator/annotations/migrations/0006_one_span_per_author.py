# The constraint in a migration of its own: the merge before it leaves deferred trigger
# events that PostgreSQL will not let an ALTER TABLE run with.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0005_merge_twins"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='annotation',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['rejected', 'suggested']), _negated=True), fields=('article', 'kind', 'start', 'end', 'created_by'), name='annotation_one_span_per_author'),
        ),
    ]
