"""`python -m scorebench.local.server`: the Azure ML inference server, as `azmlinfsrv` starts it.

It runs the server's own start-up (argument parsing, logging config, environment validation,
App Insights key check) and then gunicorn, exactly as azureml_inference_server_http.amlserver
does, with two differences a deployed service also has: the app is wrapped by the front end
(scorebench/local/gateway.py: key auth, throttling), and it binds to the host it is given
(loopback) instead of 0.0.0.0. Configuration comes from the environment StandIn sets.
"""

from __future__ import annotations

import os
import sys

import gunicorn.app.wsgiapp
from azureml_inference_server_http import amlserver
from azureml_inference_server_http.constants import PACKAGE_ROOT
from azureml_inference_server_http.log_config import load_logging_config


def main(host: str, port: int, workers: int, entry_script: str, model_dir: str) -> None:
    sys.argv = ["azmlinfsrv", "--entry_script", entry_script, "--model_dir", model_dir, "--port", str(port)]
    sys.argv += ["--worker_count", str(workers)]
    args = amlserver.parse_arguments()
    load_logging_config(PACKAGE_ROOT)
    amlserver.merge_configuration(args)
    amlserver.validate_environment_variables()
    amlserver.set_path_variable()
    sys.argv = [
        "gunicorn",
        "-b", f"{host}:{port}",
        "-w", str(workers),
        "--timeout", os.environ.get("WORKER_TIMEOUT", "300"),
        "--graceful-timeout", "5",
        "--access-logfile", "-",
        "--error-logfile", "-",
        "scorebench.local.gateway:app",
    ]  # fmt: skip
    gunicorn.app.wsgiapp.WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
