from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from erp.demo import load_demo
from erp.models import Company
from erp.registry import COMPANY_SEEDS
from erp.roles import sync_roles


class Command(BaseCommand):
    help = ("Create or update the roles and every company's master-data seeds (units, reasons… as the departments "
            "register them) and, with --demo, the demo company and its users (idempotent).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="load the demo company and one user per role")

    def handle(self, *args: Any, demo: bool = False, **options: Any) -> None:
        sync_roles()
        self.stdout.write("roles: in place")
        companies = list(Company.objects.order_by("pk"))
        for seed in COMPANY_SEEDS:
            seeded = sum(seed.seed(company) for company in companies)
            self.stdout.write(f"{seed.app} master data: {seeded} added")
        if demo or settings.DEMO:
            created = load_demo(password=settings.DEMO_PASSWORD)
            self.stdout.write(f"demo company: {created} rows created")
