# Callback.activity now names activities.Activity, the same table (callbacks_communityactivity
# until activities 0002 renames it; the foreign key's constraint follows the rename). The old
# model and its participants list leave this app's state only: the table of participants is
# read and dropped by activities 0002, after its rows became households.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0001_initial'),
        ('callbacks', '0008_dashboard_figures_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='callback',
                    name='activity',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='callbacks', to='activities.activity',
                                            verbose_name='activity'),
                ),
                migrations.DeleteModel(name='CommunityActivity'),
            ],
            database_operations=[],
        ),
    ]
