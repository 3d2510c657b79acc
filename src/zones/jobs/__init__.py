"""Background jobs (plan runs) and the worker processes that run them.

Jobs have one interface (`JobCarrier.submit`) and two carriers: SAQ, through litestar-saq, on Redis
when `ZONES_REDIS_URL` is set, else on PostgreSQL; and, on embedded SQLite without Redis, the
`queued_job` table that a local worker claims from. The plan row is the job's record either way:
its status, progress, heartbeat and cancel request live there, so the API reads and cancels runs
the same way whichever carrier took them.
"""
