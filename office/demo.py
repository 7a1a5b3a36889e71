"""The task inbox's part of the demo company: a few tasks for users and roles (idempotent, keyed by title)."""

from __future__ import annotations

from erp import roles
from erp.models import Company, User
from office.models import Task
from office.services import task_assign

DEMO_TASKS = [
    # (title, assigned role or None for every demo user, description)
    ("歡迎使用：請變更您的密碼", None, "第一次登入後，請從右上角的使用者選單變更密碼。"),
    ("確認本週出貨排程", roles.WAREHOUSE, "與業務部確認本週客戶訂單的出貨日期。"),
    ("審閱月結應收帳款", roles.FINANCE, "核對本月應收帳款並提醒逾期客戶。"),
    ("安排新進人員教育訓練", roles.HR, "下週一新進作業員三名，請安排安全衛生訓練。"),
]


def load_office_demo(company: Company, users: dict[str, User]) -> int:
    created = 0
    for title, assignee, description in DEMO_TASKS:
        if Task.objects.filter(company=company, title=title).exists():
            continue
        if assignee is None:
            for user in users.values():
                if not Task.objects.filter(company=company, title=title, assignee_user=user).exists():
                    task_assign(company=company, title=title, description=description, user=user,
                                actor=users["admin"])
                    created += 1
            continue
        task_assign(company=company, title=title, description=description, role=assignee, actor=users["manager"])
        created += 1
    return created
