"""Office's tables, one module per area: the task inbox (tasks), the approval engine (approvals),
notifications and announcements (notifications), WeChat Work (wecom)."""

from office.models.approvals import *  # noqa: F401,F403
from office.models.notifications import *  # noqa: F401,F403
from office.models.tasks import Task
from office.models.wecom import *  # noqa: F401,F403
from office.models.wecom_cards import *  # noqa: F401,F403

__all__ = ["Task"]
