"""The OpenAPI 3 description of /api/v1. Kept true by tests/api/test_openapi.py, which runs
schemathesis against the live app: every documented answer must match this document."""

from __future__ import annotations

from typing import Any

from voicebot import __version__
from voicebot.crm.merchants import PREFILL_FIELDS, PREFILL_TEXT_LIMIT, TEXT_LIMITS
from voicebot.crm.models import CallOutcome, CallStatus, ConfigStatus, MerchantStatus, Speaker
from voicebot.crm.tokens import SCOPES
from voicebot.integers import MAX_ID
from voicebot.spoken_languages import supported_languages

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(ref: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


AUTH_ERRORS = {
    "401": _error("No token, or an unknown or revoked one"),
    "403": _error("The token lacks the scope"),
    "429": {
        **_error("Rate limit reached; retry after Retry-After seconds"),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}
# The document states exactly what the API accepts, so a schema-valid request is never
# refused: ids are PostgreSQL INTEGERs, texts fit their columns, no NUL bytes anywhere.
NO_NUL = "^[^\\u0000]*$"
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
EXTERNAL_ID = {
    "type": "string",
    "minLength": 1,
    "maxLength": TEXT_LIMITS["external_id"],
    "pattern": "^[^/\\u0000]+$",
}
LIMIT = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
}


def _text(limit: int, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit, "pattern": NO_NUL, **extra}


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ID}


CONFIG_FILTERS = [
    {
        "name": "status",
        "in": "query",
        "schema": {"type": "string", "enum": [s.value for s in ConfigStatus]},
    },
    {
        "name": "updated_since",
        "in": "query",
        "description": "ISO 8601 time with a zone",
        "schema": {"type": "string", "format": "date-time"},
    },
]


def _schemas() -> dict[str, Any]:
    field = {
        "type": "object",
        "required": ["value", "source", "confirmed", "flagged"],
        "properties": {
            "value": {"description": "string, number, list or object, as collected"},
            "confidence": {"type": ["number", "null"]},
            "source": {"type": "string", "enum": ["call", "staff", "api", "prefill", "import"]},
            "confirmed": {"type": "boolean"},
            "flagged": {"type": "boolean"},
            "turn_id": {"type": ["integer", "null"]},
        },
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                }
            },
        },
        "StoreConfig": {
            "type": "object",
            "required": ["id", "merchant_id", "external_id", "status", "updated_at", "fields"],
            "properties": {
                "id": {"type": "integer"},
                "merchant_id": {"type": "integer"},
                "external_id": {"type": "string"},
                "status": {"type": "string", "enum": [s.value for s in ConfigStatus]},
                "reviewer": NULLABLE_STRING,
                "reviewed_at": NULLABLE_TIME,
                "updated_at": {"type": "string", "format": "date-time"},
                "fields": {"type": "object", "additionalProperties": field},
            },
        },
        "StoreConfigPage": {
            "type": "object",
            "required": ["data", "next_cursor"],
            "properties": {
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/StoreConfig"}},
                "next_cursor": {
                    **NULLABLE_STRING,
                    "description": "pass as ?cursor= for the next page",
                },
            },
        },
        "MerchantInput": {
            "type": "object",
            "required": ["phone"],
            "properties": {
                "external_id": {**EXTERNAL_ID, "description": "must equal the one in the URL"},
                "phone": _text(TEXT_LIMITS["phone"], description="any format; E.164 preferred"),
                "company_name": _text(TEXT_LIMITS["company_name"]),
                "contact_name": _text(TEXT_LIMITS["contact_name"]),
                "email": _text(TEXT_LIMITS["email"]),
                "country": {
                    "type": "string",
                    "pattern": "^[A-Za-z]{2}$",
                    "description": "ISO 3166-1 alpha-2",
                },
                "language": {"type": "string", "enum": list(supported_languages())},
                "timezone": _text(TEXT_LIMITS["timezone"], description="IANA time zone"),
                "consent_source": _text(TEXT_LIMITS["consent_source"]),
                "consent_at": {"type": "string", "format": "date-time"},
                "consent_text": _text(TEXT_LIMITS["consent_text"]),
                **{
                    name: _text(PREFILL_TEXT_LIMIT)
                    for name in ("store_name", "tax_id", "domain")
                    if name in PREFILL_FIELDS
                },
            },
        },
        "Merchant": {
            "type": "object",
            "required": ["id", "external_id", "phone", "language", "status", "opted_out"],
            "properties": {
                "id": {"type": "integer"},
                "external_id": {"type": "string"},
                "company_name": NULLABLE_STRING,
                "contact_name": NULLABLE_STRING,
                "phone": NULLABLE_STRING,
                "email": NULLABLE_STRING,
                "country": NULLABLE_STRING,
                "language": {"type": "string"},
                "timezone": {"type": "string"},
                "status": {"type": "string", "enum": [s.value for s in MerchantStatus]},
                "opted_out": {"type": "boolean"},
                "consent_source": NULLABLE_STRING,
                "consent_at": NULLABLE_TIME,
                "signup_data": {"type": "object"},
            },
        },
        "Erasure": {
            "type": "object",
            "required": ["erased", "merchant_id", "calls", "turns_deleted", "recordings_deleted"],
            "properties": {
                "erased": {"type": "boolean"},
                "merchant_id": {"type": "integer"},
                "calls": {"type": "integer"},
                "turns_deleted": {"type": "integer"},
                "recordings_deleted": {"type": "integer"},
                "events_redacted": {"type": "integer"},
                "webhook_payloads_redacted": {"type": "integer"},
            },
        },
        "Call": {
            "type": "object",
            "required": [
                "id",
                "merchant_id",
                "external_id",
                "status",
                "attempt",
                "needs_review",
                "has_recording",
            ],
            "properties": {
                "id": {"type": "integer"},
                "merchant_id": {"type": "integer"},
                "external_id": {"type": "string"},
                "status": {"type": "string", "enum": [s.value for s in CallStatus]},
                "outcome": {
                    "type": ["string", "null"],
                    "enum": [o.value for o in CallOutcome] + [None],
                },
                "language": NULLABLE_STRING,
                "attempt": {"type": "integer"},
                "started_at": NULLABLE_TIME,
                "ended_at": NULLABLE_TIME,
                "duration_s": {"type": ["integer", "null"]},
                "needs_review": {"type": "boolean"},
                "has_recording": {"type": "boolean"},
            },
        },
        "CallWithTranscript": {
            "allOf": [
                {"$ref": "#/components/schemas/Call"},
                {
                    "type": "object",
                    "required": ["turns"],
                    "properties": {
                        "turns": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["index", "speaker", "text"],
                                "properties": {
                                    "index": {"type": "integer"},
                                    "speaker": {
                                        "type": "string",
                                        "enum": [s.value for s in Speaker],
                                    },
                                    "text": {"type": "string"},
                                    "asr_confidence": {"type": ["number", "null"]},
                                    "intent": NULLABLE_STRING,
                                    "start_ms": {"type": ["integer", "null"]},
                                    "end_ms": {"type": ["integer", "null"]},
                                    "interrupted": {"type": "boolean"},
                                },
                            },
                        }
                    },
                },
            ],
        },
        "CallPage": {
            "type": "object",
            "required": ["data", "next_cursor"],
            "properties": {
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}},
                "next_cursor": NULLABLE_STRING,
            },
        },
    }


def openapi_document(server_url: str) -> dict[str, Any]:
    def op(summary: str, scope: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
        # A NUL byte in any parameter is a 400 on every operation.
        bad = {"400": _error("Bad parameter (a NUL byte, a number out of range)")}
        return {
            "summary": summary,
            "security": [{"bearer": [scope]}],
            "responses": {**bad, **responses, **AUTH_ERRORS},
            **extra,
        }

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Voicebot export API",
            "version": __version__,
            "description": "Store configurations collected by the onboarding voicebot, merchants,"
            ' calls and transcripts. Errors are always {"error": {"code", "message"}}.'
            " Scopes: " + "; ".join(f"{k}: {v}" for k, v in SCOPES.items()) + ".",
        },
        "servers": [{"url": f"{server_url}/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(),
        },
        "paths": {
            "/store-configs": {
                "get": op(
                    "List store configurations, oldest change first",
                    "export",
                    {
                        "200": _json("#/components/schemas/StoreConfigPage"),
                        "400": _error("Bad parameter or cursor"),
                    },
                    parameters=[
                        *CONFIG_FILTERS,
                        LIMIT,
                        {
                            "name": "cursor",
                            "in": "query",
                            "description": "opaque; from next_cursor (others are refused)",
                            "schema": {
                                "type": "string",
                                "pattern": "^[A-Za-z0-9_-]+$",
                                "maxLength": 256,
                            },
                        },
                    ],
                )
            },
            "/store-configs/{config_id}": {
                "get": op(
                    "One store configuration",
                    "export",
                    {
                        "200": _json("#/components/schemas/StoreConfig"),
                        "404": _error("No such configuration"),
                    },
                    parameters=[_path_id("config_id")],
                )
            },
            "/store-configs/export": {
                "get": op(
                    "Export store configurations as a streamed CSV or NDJSON file",
                    "export",
                    {
                        "200": {
                            "description": "The file",
                            "content": {
                                "text/csv": {"schema": {"type": "string"}},
                                "application/x-ndjson": {"schema": {"type": "string"}},
                            },
                        },
                        "400": _error("Bad parameter"),
                    },
                    parameters=[
                        *CONFIG_FILTERS,
                        {
                            "name": "format",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": ["csv", "ndjson"],
                                "default": "ndjson",
                            },
                        },
                    ],
                )
            },
            "/merchants/{external_id}": {
                "put": op(
                    "Create or update a merchant by the platform's id",
                    "merchants:write",
                    {
                        "200": _json("#/components/schemas/Merchant", "Updated"),
                        "201": _json("#/components/schemas/Merchant", "Created"),
                        "400": _error("The body is not a JSON object"),
                        "422": _error("The merchant is not valid (the message says why)"),
                    },
                    parameters=[
                        {
                            "name": "external_id",
                            "in": "path",
                            "required": True,
                            "schema": EXTERNAL_ID,
                        }
                    ],
                    requestBody={
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/MerchantInput"}
                            }
                        },
                    },
                )
            },
            "/merchants/{external_id}/erase": {
                "post": op(
                    "Erase a merchant's personal data, recordings and transcripts",
                    "erase",
                    {
                        "200": _json("#/components/schemas/Erasure"),
                        "404": _error("No such merchant"),
                        "409": _error("Already erased"),
                    },
                    parameters=[
                        {
                            "name": "external_id",
                            "in": "path",
                            "required": True,
                            "schema": EXTERNAL_ID,
                        }
                    ],
                )
            },
            "/calls": {
                "get": op(
                    "List calls, oldest first",
                    "calls:read",
                    {
                        "200": _json("#/components/schemas/CallPage"),
                        "400": _error("Bad parameter or cursor"),
                    },
                    parameters=[
                        {
                            "name": "external_id",
                            "in": "query",
                            "schema": _text(TEXT_LIMITS["external_id"]),
                        },
                        LIMIT,
                        {
                            "name": "cursor",
                            "in": "query",
                            "description": "the last id seen; from next_cursor",
                            "schema": {"type": "string", "pattern": "^[0-9]{1,32}$"},
                        },
                    ],
                )
            },
            "/calls/{call_id}": {
                "get": op(
                    "One call with its transcript",
                    "calls:read",
                    {
                        "200": _json("#/components/schemas/CallWithTranscript"),
                        "404": _error("No such call"),
                    },
                    parameters=[_path_id("call_id")],
                )
            },
        },
    }
