#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    from django.core.management import execute_from_command_line

    # The task worker starts without the system checks: they import the whole URL map (every
    # view, the API's schemas: 0.3 s and 12 MB) that it never uses; deploys run `manage.py
    # check --deploy` (docs/deploy.md).
    # It also yields the CPU to the web processes, and so does its database process
    # (annotator/background.py).
    if sys.argv[1:2] == ["db_worker"]:
        from annotator.background import background_priority_set

        sys.argv.append("--skip-checks")
        background_priority_set()

    execute_from_command_line(sys.argv)
