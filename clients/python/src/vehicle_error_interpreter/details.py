"""Decoding the rich error details the service sends (`google.rpc.Status`
details): a failed call's, a batch item's, or an answer's ready
`propagation_status`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status


@dataclass(frozen=True)
class Details:
    """The rich details of a `google.rpc.Status`; absent ones are None."""

    code: grpc.StatusCode
    message: str
    error_info: error_details_pb2.ErrorInfo | None = None
    bad_request: error_details_pb2.BadRequest | None = None
    retry_info: error_details_pb2.RetryInfo | None = None
    precondition_failure: error_details_pb2.PreconditionFailure | None = None
    quota_failure: error_details_pb2.QuotaFailure | None = None
    localized_message: error_details_pb2.LocalizedMessage | None = None
    help: error_details_pb2.Help | None = None
    #: Details of other types, still packed.
    others: list[Any] = field(default_factory=list)


_DETAIL_TYPES = {
    "error_info": error_details_pb2.ErrorInfo,
    "bad_request": error_details_pb2.BadRequest,
    "retry_info": error_details_pb2.RetryInfo,
    "precondition_failure": error_details_pb2.PreconditionFailure,
    "quota_failure": error_details_pb2.QuotaFailure,
    "localized_message": error_details_pb2.LocalizedMessage,
    "help": error_details_pb2.Help,
}

_CODES = {code.value[0]: code for code in grpc.StatusCode}


def status_details(status: status_pb2.Status) -> Details:
    """Unpacks a `google.rpc.Status`: a batch item's, an interpretation's
    ready `status`, or an RPC error's (see `error_details`)."""
    found: dict[str, Any] = {}
    others = []
    for any_detail in status.details:
        for name, cls in _DETAIL_TYPES.items():
            if any_detail.Is(cls.DESCRIPTOR):
                msg = cls()
                any_detail.Unpack(msg)
                found[name] = msg
                break
        else:
            others.append(any_detail)
    return Details(
        code=_CODES.get(status.code, grpc.StatusCode.UNKNOWN),
        message=status.message,
        others=others,
        **found,
    )


def error_details(err: grpc.RpcError) -> Details:
    """The rich details of a failed call (via grpcio-status). Branch on
    `error_info.reason`, never on the message text."""
    status = rpc_status.from_call(err)
    if status is None:  # the server sent no details
        return Details(code=err.code(), message=err.details() or "")
    return status_details(status)
