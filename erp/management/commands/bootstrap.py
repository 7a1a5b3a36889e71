from django.conf import settings
from django.core.management.base import BaseCommand

from erp.roles import sync_roles


class Command(BaseCommand):
    help = "Create or update the roles and, with --demo, the demo company and its users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="load the demo company and one user per role")

    def handle(self, *args, demo=False, **options):
        sync_roles()
        self.stdout.write("roles: in place")
        from erp.models import Company
        from inventory.services.masterdata import units_seed

        seeded = sum(units_seed(company=company) for company in Company.objects.all())
        self.stdout.write(f"units and adjustment reasons: {seeded} added")
        if demo or settings.DEMO:
            from erp.demo import load_demo

            created = load_demo(password=settings.DEMO_PASSWORD)
            self.stdout.write(f"demo company: {created} rows created")
