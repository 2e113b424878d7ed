"""Requests from the vendor SDK's exceptions (`smartcar.SmartcarException`).

The SDK (6.19.1) throws the response away and keeps some of its fields as
attributes, and which ones depends on the response's shape. This module
rebuilds a body of the same shape from them, so the server identifies the
error as it would from the original body:

* v2 (`description` set): `{"type","code","description","docURL",
  "statusCode","requestId","resolution","detail","suggestedUserMessage"}`.
  The SDK keeps the status and request id from the body only, and turns a
  string `resolution` into `{"type": None}`; the catalog decides the retry
  advice anyway.
* v1 (`code` or `request_id` set, a `type` that is not `SDK_ERROR`):
  `{"error","message","code","statusCode","requestId"}`.
* OAuth (only `type` and `message`): `{"error","error_description"}`.
* not JSON (no `type`), or JSON the SDK did not recognise (`SDK_ERROR`, its
  own invention, not an API type): `message` is the body as received.

The SDK is read by attribute only and never imported, so it stays an
optional extra (`vehicle-error-interpreter-client[smartcar]`).
"""

from __future__ import annotations

import json
from typing import Any

from vehicle_errors.v1 import interpreter_pb2 as pb

#: The type the SDK gives errors it could not parse (not an API type).
_SDK_ERROR = "SDK_ERROR"


def _without_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _body(fields: dict[str, Any]) -> str:
    error_type = fields.get("type")
    message = fields.get("message")
    if error_type is None or error_type == _SDK_ERROR:
        return "" if message is None else str(message)
    if "description" in fields:  # v2
        resolution = fields.get("resolution") or {}
        body = _without_none(
            {
                "type": error_type,
                "description": fields.get("description"),
                "docURL": fields.get("doc_url"),
                "statusCode": fields.get("status_code"),
                "requestId": fields.get("request_id"),
                "resolution": {"type": resolution["type"]} if resolution.get("type") else None,
                "detail": fields.get("detail"),
                "suggestedUserMessage": fields.get("suggested_user_message"),
            }
        )
        # v2's code is nullable, and null means something ("no code").
        body["code"] = fields.get("code")
        return json.dumps(body)
    if "code" in fields or "request_id" in fields:  # v1
        return json.dumps(
            _without_none(
                {
                    "error": error_type,
                    "message": message,
                    "code": fields.get("code"),
                    "statusCode": fields.get("status_code"),
                    "requestId": fields.get("request_id"),
                }
            )
        )
    return json.dumps(_without_none({"error": error_type, "error_description": message}))  # OAuth


def smartcar_request(
    exc: BaseException,
    *,
    app_name: str = "",
    locale: str = "",
    view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
    operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
) -> pb.InterpretRequest:
    """The InterpretRequest for a `smartcar.SmartcarException`: a body
    rebuilt per shape from its fields, its status, `retry_after` and
    `request_id`. New request fields come as keyword-only arguments.

    Raises `ValueError` when the exception has neither a status nor a type
    (the SDK raises such a bare `SDK_ERROR` when the request itself failed,
    or the response had no Content-Type): there is nothing to interpret.
    """
    fields = vars(exc)
    status = fields.get("status_code") or 0
    if not status and not fields.get("type"):
        raise ValueError(
            f"{type(exc).__name__} has neither a status nor a type: "
            "no API response to interpret (the SDK's request failed?)"
        )
    return pb.InterpretRequest(
        body=_body(fields),
        http_status=int(status),
        retry_after=str(fields.get("retry_after") or ""),
        request_id=str(fields.get("request_id") or ""),
        app_name=app_name,
        locale=locale,
        view=view,
        operation=operation,
    )
