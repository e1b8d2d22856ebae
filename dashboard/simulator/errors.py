"""API errors as values: each carries its HTTP status and the contract's error code."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ApiError(Exception):
    status: int
    code: str
    message: str
    details: list[dict] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, request_id: str) -> dict:
        error: dict = {"code": self.code, "message": self.message, "requestId": request_id}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def not_found(what: str = "resource") -> ApiError:
    return ApiError(404, "not_found", f"The {what} does not exist or is not visible to this token.")


def detail(field_name: str, code: str, message: str) -> dict:
    return {"field": field_name, "code": code, "message": message}


def invalid(*details: dict) -> ApiError:
    return ApiError(422, "validation_failed", "The request is not valid.", list(details))
