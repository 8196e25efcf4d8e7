"""The schedule trigger process (``kyra scheduler`` / ``python -m kyra.scheduler``).

``loop`` holds the pass that starts due runs; the pure time arithmetic is :mod:`kyra.cron`
(the database layer computes next fire times with it too).
"""
