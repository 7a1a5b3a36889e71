"""The demo company: departments, one user per role, a few tasks. Idempotent: keyed by codes,
usernames and titles, so running it twice adds nothing twice."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from erp import roles
from erp.models import Company, Department

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

DEMO_TASKS = [
    # (title, assigned role or username, description)
    ("歡迎使用：請變更您的密碼", None, "第一次登入後，請從右上角的使用者選單變更密碼。"),
    ("確認本週出貨排程", roles.WAREHOUSE, "與業務部確認本週客戶訂單的出貨日期。"),
    ("審閱月結應收帳款", roles.FINANCE, "核對本月應收帳款並提醒逾期客戶。"),
    ("安排新進人員教育訓練", roles.HR, "下週一新進作業員三名，請安排安全衛生訓練。"),
]


@transaction.atomic
def load_demo(*, password):
    """Create (or complete) the demo company; returns the number of rows created."""
    from inventory.demo import load_inventory_demo
    from office.models import Task
    from office.services import task_assign
    from sales.demo import load_sales_demo

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

    for title, assignee, description in DEMO_TASKS:
        if Task.objects.filter(company=company, title=title).exists():
            continue
        if assignee is None:
            for username in DEMO_USERS:
                if not Task.objects.filter(company=company, title=title, assignee_user=users[username]).exists():
                    task_assign(company=company, title=title, description=description, user=users[username],
                                actor=users["admin"])
                    created += 1
            continue
        task_assign(company=company, title=title, description=description, role=assignee, actor=users["manager"])
        created += 1
    created += load_inventory_demo(company, users)
    created += load_sales_demo(company, users)
    return created
