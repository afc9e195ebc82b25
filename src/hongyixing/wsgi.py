import os
import sys

from django.core.wsgi import get_wsgi_application

# The server runs this application in gunicorn's threaded workers (4 threads a process). A thread
# whose database answer has arrived waits for the interpreter lock until the running thread yields
# it, after at most the switch interval: 5 ms by default, the length of a whole check-in. At 1 ms the
# W2 check-ins' p99 at 1,000 offered/s went from 175-195 ms to 73-136 ms (docs/benchmarks.md).
SWITCH_INTERVAL_SECONDS = 0.001
sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongyixing.settings")
application = get_wsgi_application()
