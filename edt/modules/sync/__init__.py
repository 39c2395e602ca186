"""Working without a connection: per-device sync credentials, the outbox endpoint that applies
each queued save once, the service worker and the list of pages kept on a device."""
