"""``makemessages`` that also finds ``_l("…")``: views import ``gettext_lazy as _l`` beside
``gettext as _`` (labels of actions and columns are lazy, messages after an action are not), and
xgettext knows only the names Django passes it. Django documents this override."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
