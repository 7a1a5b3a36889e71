"""The registries of the notification service: kinds of notification, the channels a person is
reached on, and the group channels a department is reached on. Filled from the apps'
``AppConfig.ready()``; ``office.services.notifications`` reads them.

Kinds (what happened)::

    register_kind("sales.order_late", _("Order late"), _("A confirmed order is past its promised date."),
                  default_channels=("inapp", "email"))

Channels (how a person is reached). A channel's ``send(delivery)`` runs on the worker after commit,
once per delivery (under a row lock), and answers with a ``ChannelResult``::

    def send(delivery: NotificationDelivery) -> ChannelResult:
        user = delivery.notification.recipient
        text = delivery_text(delivery)       # the message in the recipient's language
        ...                                  # call the outside service
        return ChannelResult(SENT)           # or FAILED / SKIPPED (final) / RETRY (back off, try again)

    register_channel("wecom", _("WeCom"), send, available_for=lambda user: hasattr(user, "wecom_identity"))

``available_for(user)`` says whether the channel can reach the user at all (the preferences grid
greys it out otherwise). Raising from ``send`` counts as RETRY, with the traceback kept on the
delivery. "inapp" (the notification itself: always on, cannot be turned off) and "email" are built in.

Group channels (how a department is reached, e.g. its WeCom group robot)::

    register_group_channel("wecom_robot", _("WeCom group robot"), send_robot,
                           available_for=lambda company, department: robot_key(company, department) is not None)

``send(delivery)`` gets a delivery whose ``broadcast`` is set (``broadcast.department`` may be None:
the company's own group); ``available_for(company, department)`` decides, when the broadcast is
made, which group channels get a delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from erp.models import Company, Department, User
    from office.models import NotificationDelivery

INAPP = "inapp"
EMAIL = "email"

SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"
RETRY = "retry"


@dataclass(frozen=True)
class ChannelResult:
    """What a channel's ``send`` made of one delivery.

    ``status``: SENT; FAILED (for good: an address the other side refuses); SKIPPED (nothing to do:
    the user has no address on this channel); RETRY (try again later: the service is down or
    limits the rate), after ``retry_after`` seconds if given, else with exponential backoff.
    ``detail``: what to show an admin beside the status (a msgid marked with gettext_noop is shown
    translated; the other side's own words are shown as they are)."""

    STATUSES: ClassVar[frozenset[str]] = frozenset({SENT, FAILED, SKIPPED, RETRY})

    status: str
    detail: str = ""
    retry_after: float | None = None

    def __post_init__(self) -> None:
        if self.status not in self.STATUSES:
            raise ValueError(f"a channel answers one of {sorted(self.STATUSES)}, not {self.status!r}")


Sender = Callable[["NotificationDelivery"], ChannelResult]


def _everyone(user: User) -> bool:
    return True


def _every_department(company: Company, department: Department | None) -> bool:
    return True


@dataclass(frozen=True)
class Channel:
    name: str
    label: StrOrPromise
    send: Sender
    available_for: Callable[[User], bool] = _everyone
    always_on: bool = False  # the in-app channel only
    order: int = 100
    # The ids among some users the channel can reach, in one query (notify() makes no delivery for
    # the others: no WeCom id, no WeCom delivery). None: every user.
    reachable: Callable[[Sequence[int]], set[int]] | None = None


@dataclass(frozen=True)
class GroupChannel:
    name: str
    label: StrOrPromise
    send: Sender
    available_for: Callable[[Company, Department | None], bool] = _every_department
    order: int = 100


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: StrOrPromise
    description: StrOrPromise = ""
    default_channels: tuple[str, ...] = field(default=(INAPP,))

    @property
    def app(self) -> str:
        return self.key.split(".", 1)[0]


KINDS: dict[str, NotificationKind] = {}
CHANNELS: dict[str, Channel] = {}
GROUP_CHANNELS: dict[str, GroupChannel] = {}


def register_kind(key: str, label: StrOrPromise, description: StrOrPromise = "", *,
                  default_channels: Iterable[str] = (INAPP,)) -> NotificationKind:
    """Declare a kind of notification ("<app>.<what>"); ``default_channels`` are the channels it goes
    to for users who made no choice (in-app always, whether named or not)."""
    if "." not in key:
        raise ValueError(f"a notification kind is '<app>.<what>', not {key!r}")
    kind = NotificationKind(key, label, description, tuple(default_channels))
    if key in KINDS and KINDS[key] != kind:
        raise ValueError(f"notification kind {key!r} is registered twice")
    KINDS[key] = kind
    return kind


def register_channel(name: str, label: StrOrPromise, send: Sender, *,
                     available_for: Callable[[User], bool] | None = None, order: int = 100,
                     always_on: bool = False,
                     reachable: Callable[[Sequence[int]], set[int]] | None = None) -> Channel:
    """Add a channel people are reached on (``always_on`` is for the built-in in-app channel)."""
    if name in GROUP_CHANNELS:
        raise ValueError(f"{name!r} is already a group channel")
    channel = Channel(name, label, send, available_for or _everyone, always_on, order, reachable)
    known = CHANNELS.get(name)
    if known is not None and known.send is not send:
        raise ValueError(f"notification channel {name!r} is registered twice")
    CHANNELS[name] = channel
    return channel


def register_group_channel(name: str, label: StrOrPromise, send: Sender, *,
                           available_for: Callable[[Company, Department | None], bool] | None = None,
                           order: int = 100) -> GroupChannel:
    """Add a channel a department (its group chat) is reached on."""
    if name in CHANNELS:
        raise ValueError(f"{name!r} is already a channel for people")
    channel = GroupChannel(name, label, send, available_for or _every_department, order)
    known = GROUP_CHANNELS.get(name)
    if known is not None and known.send is not send:
        raise ValueError(f"group channel {name!r} is registered twice")
    GROUP_CHANNELS[name] = channel
    return channel


def kind(key: str) -> NotificationKind:
    try:
        return KINDS[key]
    except KeyError:
        raise LookupError(f"no notification kind is registered as {key!r}") from None


def kinds() -> list[NotificationKind]:
    """Every kind, by key."""
    return [KINDS[key] for key in sorted(KINDS)]


def channels() -> list[Channel]:
    """Every channel for people, in order (in-app first)."""
    return sorted(CHANNELS.values(), key=lambda c: (not c.always_on, c.order, c.name))


def optional_channels() -> list[Channel]:
    """The channels a user may turn on or off (all but in-app)."""
    return [channel for channel in channels() if not channel.always_on]


def group_channels() -> list[GroupChannel]:
    return sorted(GROUP_CHANNELS.values(), key=lambda c: (c.order, c.name))


def sender(channel_name: str, *, group: bool) -> Sender | None:
    """The send function of a delivery's channel (None: no such channel is registered now)."""
    registered: Channel | GroupChannel | None = (GROUP_CHANNELS if group else CHANNELS).get(channel_name)
    return registered.send if registered is not None else None
