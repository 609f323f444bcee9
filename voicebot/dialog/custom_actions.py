"""Running rasa-sdk custom actions: in process with rasa_sdk's ActionExecutor, or over HTTP
against a rasa-sdk action server (`python -m rasa_sdk --actions PKG`)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import importlib
import json
import logging
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Protocol

import requests

log = logging.getLogger(__name__)


class _QuietMissingValidators(logging.Filter):
    """rasa-sdk logs a warning for every slot without a validate_<slot> method: normal."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Skipping validation for")


logging.getLogger("rasa_sdk.forms").addFilter(_QuietMissingValidators())
_import_lock = threading.Lock()


class ActionRejected(Exception):
    """The custom action refused to run (rasa-sdk's ActionExecutionRejection)."""


class CustomActionError(RuntimeError):
    """A custom action failed or could not be reached."""


class CustomActionRunner(Protocol):
    def run(
        self, name: str, tracker_state: dict[str, Any], domain: dict[str, Any]
    ) -> dict[str, Any]:
        """`{"events": [...], "responses": [...]}`; raises ActionRejected, CustomActionError."""

    def names(self) -> set[str] | None:
        """Registered action names if known (None: unknown, e.g. a remote server)."""


def _payload(
    name: str, sender: str, tracker_state: dict[str, Any], domain: dict[str, Any]
) -> dict[str, Any]:
    digest = hashlib.sha256(json.dumps(domain, sort_keys=True, default=str).encode()).hexdigest()
    return {
        "next_action": name,
        "sender_id": sender,
        "tracker": tracker_state,
        "domain": domain,
        "domain_digest": digest,
        "version": "3.1.0",
    }


def _run_coroutine(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to completion from synchronous code, even inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def import_actions_module(module: str, search_path: Path | None) -> Any:
    """Import the actions package; a project-local `actions` package must not clash with an
    already imported one from elsewhere."""
    with _import_lock:
        if search_path is not None:
            location = str(search_path.resolve())
            top = module.split(".")[0]
            loaded = sys.modules.get(top)
            if loaded is not None:
                origin = Path(getattr(loaded, "__file__", "") or "").resolve()
                wanted = (search_path / top).resolve()
                if origin.parent != wanted and origin != wanted.with_suffix(".py"):
                    raise CustomActionError(
                        f"a different module named '{module}' is already imported ({origin}); "
                        f"name the actions module uniquely in endpoints.yml (actions_module)"
                    )
            if location not in sys.path:
                sys.path.insert(0, location)
        try:
            return importlib.import_module(module)
        except ImportError as exc:
            raise CustomActionError(f"cannot import actions module '{module}': {exc}") from exc


class InProcessActions:
    """rasa-sdk's ActionExecutor in this process: no server, same semantics."""

    def __init__(self, module: str, search_path: Path | None = None) -> None:
        from rasa_sdk.executor import ActionExecutor

        self.module_name = module
        self.executor = ActionExecutor()
        self.executor.register_package(import_actions_module(module, search_path))

    def names(self) -> set[str]:
        return set(self.executor.actions)

    def run(
        self, name: str, tracker_state: dict[str, Any], domain: dict[str, Any]
    ) -> dict[str, Any]:
        from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

        payload = _payload(name, tracker_state["sender_id"], tracker_state, domain)
        try:
            result = _run_coroutine(self.executor.run(payload))
        except ActionExecutionRejection as exc:
            raise ActionRejected(str(exc)) from exc
        except ActionNotFoundException as exc:
            raise CustomActionError(f"no custom action '{name}' in {self.module_name}") from exc
        except Exception as exc:
            raise CustomActionError(f"custom action '{name}' failed: {exc!r}") from exc
        if result is None:
            return {"events": [], "responses": []}
        return {"events": list(result.events), "responses": list(result.responses)}


class HttpActions:
    """A rasa-sdk action server reached over HTTP (Rasa's `action_endpoint: url`)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()

    def names(self) -> set[str] | None:
        return None

    def run(
        self, name: str, tracker_state: dict[str, Any], domain: dict[str, Any]
    ) -> dict[str, Any]:
        payload = _payload(name, tracker_state["sender_id"], tracker_state, domain)
        try:
            response = self.session.post(self.url, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:
            raise CustomActionError(f"action server {self.url} unreachable: {exc}") from exc
        if response.status_code == 400:
            body = _json(response)
            if body.get("action_name"):
                raise ActionRejected(body.get("error") or f"{name} rejected")
        if response.status_code == 404:
            raise CustomActionError(f"the action server at {self.url} has no action '{name}'")
        if response.status_code != 200:
            raise CustomActionError(
                f"action server {self.url} answered {response.status_code} for '{name}': "
                f"{response.text[:200]}"
            )
        body = _json(response)
        return {"events": body.get("events") or [], "responses": body.get("responses") or []}


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
