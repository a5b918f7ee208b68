#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    from django.core.management import execute_from_command_line

    # The task worker starts without the system checks: they import the whole URL map (every
    # view, the API's schemas: 0.3 s and 12 MB) that it never uses; deploys run `manage.py
    # check --deploy` (docs/deploy.md).
    # It also yields the CPU to the web processes (niceness 10): its work is background work
    # (imports, suggesters, claim matching's embeddings, one per saved claim), and a person
    # waiting on a page comes first when both share the cores.
    if sys.argv[1:2] == ["db_worker"]:
        sys.argv.append("--skip-checks")
        os.nice(10)

    execute_from_command_line(sys.argv)
