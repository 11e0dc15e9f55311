"""Administration of background jobs over HTTP: queue status, failures, retry and cancel
(served by the admin service under /v1/jobs).
"""
