"""The sample subscriber. ``FAILURES`` lets a test make it fail a number of times first."""

from erp.events import subscribe
from tests.sampleapp.models import SampleEffect
from tests.sampleapp.signals import sample_confirmed

FAILURES = {"remaining": 0}


@subscribe(sample_confirmed, "sampleapp.record_effect")
def record_effect(event):
    SampleEffect.objects.create(event_id=event.pk, note=event.payload.get("note", ""))
    if FAILURES["remaining"] > 0:
        FAILURES["remaining"] -= 1
        raise RuntimeError("the sample subscriber failed on purpose")
