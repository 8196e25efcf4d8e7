"""The schedule trigger process (``kyra scheduler`` / ``python -m kyra.scheduler``).

``cron`` holds the pure time arithmetic, ``loop`` the pass that starts due runs.
"""
