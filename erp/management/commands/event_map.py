from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from erp.events import render_event_map

DEFAULT_PATH = settings.BASE_DIR / "docs" / "events.md"


class Command(BaseCommand):
    help = "Write docs/events.md: which department announces which event and who subscribes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="exit 1 if docs/events.md is out of date")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        text = render_event_map(["erp", *settings.DEPARTMENT_APPS])
        if check:
            current = DEFAULT_PATH.read_text(encoding="utf-8") if DEFAULT_PATH.exists() else ""
            if current != text:
                self.stderr.write("docs/events.md is out of date: run `python manage.py event_map`")
                raise SystemExit(1)
            return
        DEFAULT_PATH.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {DEFAULT_PATH}")
