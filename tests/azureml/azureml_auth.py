"""The test suite's sign-in to its loopback stand-in of ARM / Model Management (tests/azureml/azureml_standin.py).

Product code knows nothing of it: `install()` adds a "standin" row to the SDK tables
(scorebench.azureml.v1.V1_AUTH, v2.V2_AUTH and v2.CLOUDS) and makes `choose_auth` pick it when
SCOREBENCH_AZUREML_STANDIN=http://127.0.0.1:PORT is set (loopback only). In-process tests call it
from the fixture; CLI subprocesses get it from tests/hooks/sitecustomize.py (conftest.cli_env puts
that folder on PYTHONPATH), only when the variable is set.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any
from urllib.parse import urlsplit

from scorebench.core.errors import HarnessError

STANDIN_ENV = "SCOREBENCH_AZUREML_STANDIN"
STANDIN_CLOUD = "ScorebenchStandin"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


STANDIN_TOKEN = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64({"exp": 4102444800, "tid": "standin"}) + ".c3RhbmRpbg"


def make_standin_auth(base_url: str) -> Any:
    """An azureml-core auth object sending a dummy bearer, with ARM at `base_url` (loopback)."""
    from azureml.core.authentication import AbstractAuthentication

    class StandinAuthentication(AbstractAuthentication):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(cloud="AzureCloud")  # a known cloud: no metadata download

        def get_authentication_header(self) -> dict[str, str]:
            return {"Authorization": f"Bearer {STANDIN_TOKEN}"}

        def _get_arm_token(self) -> str:
            return STANDIN_TOKEN

        _get_graph_token = _get_azureml_client_token = _get_arm_token

        def _get_all_subscription_ids(self) -> tuple[list[Any], str]:
            return [], "standin"

        def _check_if_subscription_exists(self, *args: Any) -> None:
            return None

        def _get_workspace(self, *args: Any) -> Any:
            raise NotImplementedError

        def _get_service_client(self, client_class: Any, subscription_id: str, *args: Any, **kwargs: Any) -> Any:
            kwargs["base_url"] = base_url.rstrip("/")
            return super()._get_service_client(client_class, subscription_id, **kwargs)

    return StandinAuthentication()


class StandinCredential:
    """A TokenCredential handing out the dummy token (SDK v2 against the loopback stand-in)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(STANDIN_TOKEN, 4102444800)


def standin_cloud() -> dict[str, Any]:
    """MLClient's cloud keywords: every endpoint at the stand-in, a bearer policy that allows http."""
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    base = os.environ[STANDIN_ENV].rstrip("/")
    metadata = {
        "azure_portal": base, "resource_manager": base + "/", "active_directory": base, "aml_resource_id": base,
        "storage_endpoint": "core.windows.net", "registry_discovery_endpoint": base,
    }  # fmt: skip

    class StandinAuthPolicy(SansIOHTTPPolicy):  # type: ignore[type-arg]
        """Adds the dummy bearer; unlike azure-core's policy it allows http (loopback only)."""

        def on_request(self, request: Any) -> None:
            request.context.options.pop("enforce_https", None)
            request.http_request.headers["Authorization"] = f"Bearer {STANDIN_TOKEN}"

    cloud = f"{STANDIN_CLOUD}-{base.rsplit(':', 1)[-1]}"  # azure-ai-ml caches clouds by name: one per port
    return {"cloud": cloud, "cloud_metadata": metadata, "authentication_policy": StandinAuthPolicy()}


def standin_choice(environ: dict[str, str] | os._Environ[str]) -> str | None:
    """ "standin" when SCOREBENCH_AZUREML_STANDIN is set (loopback only, else a HarnessError), else None."""
    if not environ.get(STANDIN_ENV):
        return None
    if urlsplit(environ[STANDIN_ENV]).hostname not in ("127.0.0.1", "localhost"):
        raise HarnessError(f"{STANDIN_ENV} is a test hook and must point at 127.0.0.1, got {environ[STANDIN_ENV]!r}")
    return "standin"


def install() -> None:
    """Add the stand-in's rows to the SDK tables and to choose_auth (idempotent)."""
    from scorebench.azureml import common, service, v1, v2

    if "standin" in v1.V1_AUTH:
        return
    original = common.choose_auth

    def choose_auth(requested: str = "auto", environ: dict[str, str] | None = None) -> str:
        return standin_choice(os.environ if environ is None else environ) or original(requested, environ)

    common.choose_auth = choose_auth  # type: ignore[assignment]
    service.choose_auth = choose_auth  # type: ignore[attr-defined]
    v1.V1_AUTH["standin"] = lambda: make_standin_auth(os.environ[STANDIN_ENV])
    v2.V2_AUTH["standin"] = StandinCredential
    v2.CLOUDS["standin"] = standin_cloud
