from erp.events import EventSignal

sample_confirmed = EventSignal("sampleapp.order_confirmed", "A sample order was confirmed.")
