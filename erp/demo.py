"""The demo company: departments and one user per role; then every department's demo loader
(``erp.registry.register_demo_loader``) adds its part. Idempotent: keyed by codes and usernames, so
running it twice adds nothing twice."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from erp import roles
from erp.models import Company, Department
from erp.registry import DEMO_LOADERS

DEMO_COMPANY = {
    "code": "DEMO",
    "name": "示範精密工業股份有限公司",
    "tax_id": "12345675",
    "base_currency": "TWD",
    "fiscal_year_start_month": 1,
    "address": "臺中市西屯區工業區一路 100 號",
    "phone": "04-2359-0000",
}

DEPARTMENTS = [
    ("MGMT", "總經理室"),
    ("SALES", "業務部"),
    ("PUR", "採購部"),
    ("WH", "倉儲部"),
    ("PROD", "生產部"),
    ("QA", "品保部"),
    ("FIN", "財務部"),
    ("HR", "人資部"),
    ("ADM", "行政部"),
    ("IT", "資訊部"),
]

# username -> (role, department code, last name, first name)
DEMO_USERS = {
    "admin": (roles.SYSTEM_ADMIN, "IT", "林", "系統管理員"),
    "manager": (roles.MANAGER, "MGMT", "陳", "總經理"),
    "sales": (roles.SALES, "SALES", "王", "業務"),
    "salesmgr": (roles.SALES_MANAGER, "SALES", "周", "業務經理"),
    "purchasing": (roles.PURCHASING, "PUR", "李", "採購"),
    "warehouse": (roles.WAREHOUSE, "WH", "張", "倉管"),
    "production": (roles.PRODUCTION, "PROD", "黃", "生管"),
    "quality": (roles.QUALITY, "QA", "吳", "品保"),
    "finance": (roles.FINANCE, "FIN", "劉", "會計"),
    "hr": (roles.HR, "HR", "蔡", "人資"),
    "office": (roles.OFFICE, "ADM", "楊", "行政"),
}

@transaction.atomic
def load_demo(*, password: str) -> int:
    """Create (or complete) the demo company; returns the number of rows created."""
    created = 0
    company, was_created = Company.objects.get_or_create(code=DEMO_COMPANY["code"], defaults=DEMO_COMPANY)
    created += was_created
    departments = {}
    for code, name in DEPARTMENTS:
        departments[code], was_created = Department.objects.get_or_create(
            company=company, code=code, defaults={"name": name}
        )
        created += was_created

    User = get_user_model()
    users = {}
    for username, (role, dept, last, first) in DEMO_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username, company=company, department=departments[dept], last_name=last,
                first_name=first, email=f"{username}@demo.example",
                is_staff=role == roles.SYSTEM_ADMIN, is_superuser=role == roles.SYSTEM_ADMIN,
            )
            user.set_password(password)
            user.save()
            created += 1
        user.groups.add(Group.objects.get(name=role))
        users[username] = user

    for loader in DEMO_LOADERS:  # each department adds its part, in the registered order
        created += loader.load(company, users)
    return created
