"""Loaded by every Python the CLI tests start (conftest.cli_env puts this folder on PYTHONPATH).

Only when SCOREBENCH_AZUREML_STANDIN is set: the test suite's sign-in to its loopback ARM stand-in
(tests/azureml/azureml_auth.py) is installed, so product code carries no test hook. Nothing else.
"""

import os

if os.environ.get("SCOREBENCH_AZUREML_STANDIN"):
    from tests.azureml.azureml_auth import install

    install()
