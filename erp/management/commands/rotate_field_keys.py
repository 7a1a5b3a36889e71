from typing import Any

from django.core.management.base import BaseCommand

from erp.crypto import rotate_all


class Command(BaseCommand):
    help = ("Re-encrypt every secret stored encrypted (erp.crypto) with the first key of FIELD_ENCRYPTION_KEY; "
            "run after putting a new key first, before dropping the old one.")

    def handle(self, *args: Any, **options: Any) -> None:
        for label, count in rotate_all().items():
            self.stdout.write(f"{label}: {count}")
