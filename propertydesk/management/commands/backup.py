import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from propertydesk.backup import MANIFEST, BackupError, backup_make


class Command(BaseCommand):
    help = ("Back up the database (pg_dump -Fc) and the uploaded files (MEDIA_ROOT) into a new folder "
            "propertydesk-<UTC time>/ under DIRECTORY, with a manifest (time, migrations, rows, files, "
            "checksums). The keys are not in it: keep SECRET_KEY and FIELD_ENCRYPTION_KEY apart from the dumps.")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="where the backup's folder is made")
        parser.add_argument("--database-url", help="back up this database instead of DATABASE_URL's")
        parser.add_argument("--media-root", type=Path, help="back up this folder instead of MEDIA_ROOT")

    def handle(self, *args, directory, database_url=None, media_root=None, **options):
        try:
            folder = backup_make(into=directory, now=timezone.now(), database_url=database_url, media_root=media_root)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = json.loads((folder / MANIFEST).read_text())
        self.stdout.write(self.style.SUCCESS(
            f"Backed up into {folder}: {sum(manifest['rows'].values())} rows in {len(manifest['rows'])} tables "
            f"({manifest['database']['bytes']} bytes), {manifest['media']['files']} files "
            f"({manifest['media']['bytes']} bytes)."))
