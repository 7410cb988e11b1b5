from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from propertydesk.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup folder made by `manage.py backup` into the database (DATABASE_URL) and "
            "MEDIA_ROOT. Both must be empty unless --replace is given; the files are checked against the "
            "manifest first, and the restored rows, files and encrypted columns after.")

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the backup's folder (propertydesk-<UTC time>)")
        parser.add_argument("--database-url", help="restore into this database instead of DATABASE_URL's")
        parser.add_argument("--media-root", type=Path, help="restore the files here instead of MEDIA_ROOT")
        parser.add_argument("--replace", action="store_true",
                            help="restore over a database and a MEDIA_ROOT that are not empty: what the backup "
                                 "holds is dropped and replaced, files of the same name are overwritten")
        parser.add_argument("--other-keys", action="store_true",
                            help="restore although this environment's keys are not the backup's (the encrypted "
                                 "columns stay unreadable until the right keys are set)")

    def handle(self, *args, backup, database_url=None, media_root=None, replace=False, other_keys=False, **options):
        try:
            done = backup_restore(source=backup, database_url=database_url, media_root=media_root,
                                  replace=replace, other_keys=other_keys)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Restored {backup} into database {done.database!r}: {done.rows} rows, {done.files} files; "
            f"encrypted columns read with this environment's keys: {', '.join(done.encrypted_checked) or 'none stored'}."))
        if done.pending_migrations:
            self.stdout.write(f"This code has {len(done.pending_migrations)} migrations the backup had not "
                              f"applied: run `manage.py migrate` next.")
