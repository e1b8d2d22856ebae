"""Checks simulator responses against the OpenAPI contract (openapi-core)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

SPEC_PATH = Path(__file__).resolve().parents[2] / "dashboard" / "flownally" / "openapi.yaml"


@cache
def spec_for(base_url: str) -> OpenAPI:
    """The contract, served at `base_url` instead of Flownally's production host."""
    document = yaml.safe_load(SPEC_PATH.read_text())
    document["servers"] = [{"url": base_url}]
    return OpenAPI.from_dict(document)


def assert_conforms(response: requests.Response, base_url: str) -> None:
    """Fail with the validator's reasons when the response breaks the contract."""
    openapi = spec_for(base_url)
    openapi.validate_response(
        RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
    )
