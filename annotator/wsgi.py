import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
# Loading the app makes some 110,000 objects the collector tracks, and next to no garbage: its
# passes over them were a fifth of a process's start-up. Frozen once loaded, later collections
# skip them too (and leave their pages shared with forked workers, should gunicorn preload:
# annotator/gunicorn_preload.py).
gc.disable()
application = get_wsgi_application()
gc.freeze()
gc.enable()
