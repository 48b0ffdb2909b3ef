"""Delivery of order events to the data platform through a transactional outbox.

Flow: `emitting.event_emit` writes an `OutboxEvent` inside the caller's transaction and, once that
commits, kicks delivery (`publishing.outbox_kick`): unless a kick is already pending, it sends the
Celery task `deliver_due` by name, which delivers every due event (`sweeping.outbox_deliver_due`).
Rows are claimed in batches (`claiming`), POSTed one by one (`posting`, signed by `signing`) and
their outcomes recorded in the claiming transaction (`attempting`); a failed attempt is retried with
backoff by `deliver_event`, and the beat sweep finds whatever a lost task, a down broker or a killed
worker left behind. Delivery is at least once: the receiver drops duplicates by the
`Idempotency-Key` (the event id), which never changes between attempts.

Tasks call these services; these services never import `dataplatform.tasks` (they send tasks by
name through the Celery app), and an import-linter contract keeps it so. Import from the modules.
"""
