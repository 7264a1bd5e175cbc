"""scorebench's Locust scenario entry: `locust -f loadtests/locustfile.py --host URL`.

Thin on purpose: the scenario lives in `scorebench.loadtests.scenario` (installed with scorebench);
this file is what users run, edit and upload to Azure Load Testing (docs/locust.md). Configuration
comes from SCOREBENCH_* environment variables, listed in that module's docstring.
"""

from scorebench.loadtests.scenario import *  # noqa: F403  (Locust collects the User and shape classes)
