# The community activity moves here from the callbacks app, data and all. This step only
# tells Django's state that the model now lives in this app, on the table it has had
# (callbacks_communityactivity); callbacks 0009 then points Callback.activity at it and
# forgets its own model, and 0002 renames the table and makes the model whole.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('callbacks', '0008_dashboard_figures_indexes'),
        ('owners', '0004_api_list_orders'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Activity',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name='ID')),
                        ('title', models.CharField(max_length=120, verbose_name='activity')),
                        ('held_on', models.DateField(verbose_name='held on')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('estate', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                     related_name='activities', to='owners.estate',
                                                     verbose_name='estate')),
                    ],
                    options={
                        'verbose_name': 'community activity',
                        'verbose_name_plural': 'community activities',
                        'db_table': 'callbacks_communityactivity',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
