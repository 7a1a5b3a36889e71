"""Office's tables, one module per area: the task inbox (tasks), the approval engine (approvals),
notifications and announcements (notifications), WeChat Work (wecom: settings, robots, the client's
state; wecom_cards: approval cards and the callbacks of their buttons)."""

from office.models import approvals, notifications, wecom, wecom_cards
from office.models.approvals import *  # noqa: F401,F403
from office.models.notifications import *  # noqa: F401,F403
from office.models.tasks import Task
from office.models.wecom import *  # noqa: F401,F403
from office.models.wecom_cards import *  # noqa: F401,F403

__all__ = ["Task", *approvals.__all__, *notifications.__all__, *wecom.__all__, *wecom_cards.__all__]
