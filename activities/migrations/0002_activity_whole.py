# The community activity made whole in its own app: its table renamed to this app's name
# (activities_activity: a metadata change in PostgreSQL, no rewrite; the callbacks' foreign
# key follows it), its plan (kind, place, window, organiser, places, description), its status
# with an event row per move, and its households. Existing activities are kept: one with a
# finished time is held (its move written as an event), the others planned; each owner on
# the old participants list becomes the household of their unit in the activity's estate
# (who came: the owner), their callback names that unit; then the old list's table is dropped.

from datetime import datetime, time
from zoneinfo import ZoneInfo

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SHANGHAI = ZoneInfo('Asia/Shanghai')
EVENING = time(19, 0)  # the old records kept the day alone: an evening activity, or its end if earlier


def keep_the_old_activities(apps, schema_editor):
    Activity = apps.get_model('activities', 'Activity')
    ActivityEvent = apps.get_model('activities', 'ActivityEvent')
    Participation = apps.get_model('activities', 'Participation')
    Ownership = apps.get_model('owners', 'Ownership')
    Callback = apps.get_model('callbacks', 'Callback')
    from django.db.models import Q

    with schema_editor.connection.cursor() as cursor:
        cursor.execute('SELECT communityactivity_id, owner_id FROM callbacks_communityactivity_participants '
                       'ORDER BY communityactivity_id, id')
        participants = cursor.fetchall()
    came: dict[int, list[int]] = {}
    for activity_id, owner_id in participants:
        came.setdefault(activity_id, []).append(owner_id)
    for activity in Activity.objects.order_by('pk'):
        starts = datetime.combine(activity.held_on, EVENING, tzinfo=SHANGHAI)
        if activity.finished_at is not None and activity.finished_at < starts:
            starts = min(activity.finished_at, datetime.combine(activity.held_on, time.min, tzinfo=SHANGHAI))
        activity.starts_at = starts
        activity.status = 'held' if activity.finished_at is not None else 'planned'
        activity.save(update_fields=['starts_at', 'status'])
        if activity.finished_at is not None:
            ActivityEvent.objects.create(activity=activity, at=activity.finished_at, from_status='planned',
                                         to_status='held', note='')
        units_done = set()
        for owner_id in came.get(activity.pk, []):
            ownership = (Ownership.objects.filter(owner_id=owner_id, unit__estate_id=activity.estate_id)
                         .filter(start_date__lte=activity.held_on)
                         .filter(Q(end_date__isnull=True) | Q(end_date__gt=activity.held_on))
                         .order_by('start_date', 'pk').first()
                         or Ownership.objects.filter(owner_id=owner_id, unit__estate_id=activity.estate_id)
                         .order_by('-start_date', '-pk').first())
            if ownership is None or ownership.unit_id in units_done:
                continue
            units_done.add(ownership.unit_id)
            Participation.objects.create(activity=activity, unit_id=ownership.unit_id, owner_id=owner_id, people=1,
                                         attended=True, recorded_at=activity.finished_at or activity.starts_at)
            Callback.objects.filter(activity_id=activity.pk, owner_id=owner_id, unit__isnull=True).update(
                unit_id=ownership.unit_id)


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0001_initial'),
        ('callbacks', '0009_activity_moved'),
        ('owners', '0004_api_list_orders'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelTable(
            name='activity',
            table=None,
        ),
        migrations.CreateModel(
            name='ActivityEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(verbose_name='at')),
                ('note', models.CharField(blank=True, max_length=2000, verbose_name='note')),
                ('from_status', models.CharField(blank=True, choices=[('planned', 'planned'), ('held', 'held'), ('cancelled', 'cancelled')], max_length=10, verbose_name='from')),
                ('to_status', models.CharField(blank=True, choices=[('planned', 'planned'), ('held', 'held'), ('cancelled', 'cancelled')], max_length=10, verbose_name='to')),
            ],
            options={
                'verbose_name': 'activity event',
                'verbose_name_plural': 'activity events',
                'ordering': ['at', 'id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Participation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('people', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1)], verbose_name='people')),
                ('attended', models.BooleanField(default=False, verbose_name='came')),
                ('recorded_at', models.DateTimeField(verbose_name='recorded at')),
            ],
            options={
                'verbose_name': 'participating household',
                'verbose_name_plural': 'participating households',
                'ordering': ['activity', 'unit__number'],
            },
        ),
        migrations.AlterModelOptions(
            name='activity',
            options={'ordering': ['-starts_at', '-id'], 'permissions': [('hold_activity', 'Can mark activities held or cancelled')], 'verbose_name': 'community activity', 'verbose_name_plural': 'community activities'},
        ),
        migrations.AddField(
            model_name='activity',
            name='capacity',
            field=models.PositiveIntegerField(blank=True, help_text='Blank: as many as come.', null=True, verbose_name='places'),
        ),
        migrations.AddField(
            model_name='activity',
            name='created_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='planned at'),
        ),
        migrations.AddField(
            model_name='activity',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='planned by'),
        ),
        migrations.AddField(
            model_name='activity',
            name='description',
            field=models.TextField(blank=True, max_length=2000, verbose_name='description'),
        ),
        migrations.AddField(
            model_name='activity',
            name='ends_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='ends at'),
        ),
        migrations.AddField(
            model_name='activity',
            name='kind',
            field=models.CharField(choices=[('cultural', 'Cultural (party, performance)'), ('sports', 'Sports'), ('family', 'Parents and children'), ('talk', 'Talk or course'), ('volunteer', 'Volunteering'), ('other', 'Other')], default='other', max_length=12, verbose_name='kind'),
        ),
        migrations.AddField(
            model_name='activity',
            name='organiser',
            field=models.CharField(blank=True, max_length=100, verbose_name='organiser'),
        ),
        migrations.AddField(
            model_name='activity',
            name='place',
            field=models.CharField(blank=True, max_length=200, verbose_name='where'),
        ),
        migrations.AddField(
            model_name='activity',
            name='starts_at',
            field=models.DateTimeField(null=True, verbose_name='starts at'),
        ),
        migrations.AddField(
            model_name='activity',
            name='status',
            field=models.CharField(choices=[('planned', 'planned'), ('held', 'held'), ('cancelled', 'cancelled')], default='planned', max_length=10, verbose_name='status'),
        ),
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(condition=models.Q(('status', 'held')), fields=['estate', 'held_on'], name='activity_held_on'),
        ),
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(condition=models.Q(('status', 'planned')), fields=['estate', 'starts_at'], name='activity_upcoming'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(('ends_at__isnull', True), ('ends_at__gt', models.F('starts_at')), _connector='OR'), name='activity_window_ordered'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'held'), _negated=True), ('finished_at__isnull', False), _connector='OR'), name='activity_held_has_time'),
        ),
        migrations.AddField(
            model_name='activityevent',
            name='activity',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='activities.activity', verbose_name='activity'),
        ),
        migrations.AddField(
            model_name='activityevent',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by'),
        ),
        migrations.AddField(
            model_name='participation',
            name='activity',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participations', to='activities.activity', verbose_name='activity'),
        ),
        migrations.AddField(
            model_name='participation',
            name='owner',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='owners.owner', verbose_name='owner'),
        ),
        migrations.AddField(
            model_name='participation',
            name='recorded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by'),
        ),
        migrations.AddField(
            model_name='participation',
            name='resident',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='owners.resident', verbose_name='resident'),
        ),
        migrations.AddField(
            model_name='participation',
            name='unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='owners.unit', verbose_name='unit'),
        ),
        migrations.AddIndex(
            model_name='participation',
            index=models.Index(condition=models.Q(('attended', True)), fields=['unit', 'activity'], name='participation_attended'),
        ),
        migrations.AddConstraint(
            model_name='participation',
            constraint=models.UniqueConstraint(fields=('activity', 'unit'), name='participation_once_per_unit'),
        ),
        migrations.AddConstraint(
            model_name='participation',
            constraint=models.CheckConstraint(condition=models.Q(('owner__isnull', True), ('resident__isnull', True), _connector='OR'), name='participation_owner_or_resident'),
        ),
        migrations.AddConstraint(
            model_name='participation',
            constraint=models.CheckConstraint(condition=models.Q(('people__gte', 1)), name='participation_people_positive'),
        ),
        migrations.RunPython(keep_the_old_activities, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='activity',
            name='starts_at',
            field=models.DateTimeField(verbose_name='starts at'),
        ),
        migrations.RunSQL('DROP TABLE callbacks_communityactivity_participants', migrations.RunSQL.noop),
    ]
