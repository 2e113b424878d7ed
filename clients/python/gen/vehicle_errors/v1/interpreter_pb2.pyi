import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.rpc import code_pb2 as _code_pb2
from google.rpc import status_pb2 as _status_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Operation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_UNSPECIFIED: _ClassVar[Operation]
    OPERATION_LOCK: _ClassVar[Operation]
    OPERATION_UNLOCK: _ClassVar[Operation]
    OPERATION_START_CHARGE: _ClassVar[Operation]
    OPERATION_STOP_CHARGE: _ClassVar[Operation]
    OPERATION_READ: _ClassVar[Operation]
    OPERATION_OTHER_COMMAND: _ClassVar[Operation]

class Scope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCOPE_UNSPECIFIED: _ClassVar[Scope]
    SCOPE_CALL: _ClassVar[Scope]
    SCOPE_OPERATION: _ClassVar[Scope]
    SCOPE_VEHICLE: _ClassVar[Scope]
    SCOPE_USER: _ClassVar[Scope]
    SCOPE_APPLICATION: _ClassVar[Scope]

class InterpretationView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTERPRETATION_VIEW_UNSPECIFIED: _ClassVar[InterpretationView]
    INTERPRETATION_VIEW_BASIC: _ClassVar[InterpretationView]
    INTERPRETATION_VIEW_FULL: _ClassVar[InterpretationView]

class Identification(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IDENTIFICATION_UNSPECIFIED: _ClassVar[Identification]
    IDENTIFICATION_EXACT_CODE: _ClassVar[Identification]
    IDENTIFICATION_LEGACY_CODE: _ClassVar[Identification]
    IDENTIFICATION_UNKNOWN_CODE: _ClassVar[Identification]
    IDENTIFICATION_UNKNOWN_TYPE: _ClassVar[Identification]
    IDENTIFICATION_NO_ERROR_BODY: _ClassVar[Identification]

class DecisionSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_SOURCE_UNSPECIFIED: _ClassVar[DecisionSource]
    DECISION_SOURCE_CATALOG: _ClassVar[DecisionSource]
    DECISION_SOURCE_RESOLUTION: _ClassVar[DecisionSource]
    DECISION_SOURCE_TYPE_TABLE: _ClassVar[DecisionSource]
    DECISION_SOURCE_HTTP_STATUS: _ClassVar[DecisionSource]
    DECISION_SOURCE_DEFAULT: _ClassVar[DecisionSource]
    DECISION_SOURCE_OPERATION: _ClassVar[DecisionSource]

class Category(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CATEGORY_UNSPECIFIED: _ClassVar[Category]
    CATEGORY_CONNECTIVITY: _ClassVar[Category]
    CATEGORY_CHARGING: _ClassVar[Category]
    CATEGORY_CLOSURE: _ClassVar[Category]
    CATEGORY_VEHICLE_IN_USE: _ClassVar[Category]
    CATEGORY_POWER: _ClassVar[Category]
    CATEGORY_UNKNOWN: _ClassVar[Category]
    CATEGORY_OTHER: _ClassVar[Category]
    CATEGORY_ACCESS: _ClassVar[Category]
    CATEGORY_ACCOUNT: _ClassVar[Category]
    CATEGORY_RATE_LIMIT: _ClassVar[Category]
    CATEGORY_BILLING: _ClassVar[Category]
    CATEGORY_COMPATIBILITY: _ClassVar[Category]
    CATEGORY_UPSTREAM: _ClassVar[Category]
    CATEGORY_PROVIDER: _ClassVar[Category]
    CATEGORY_REQUEST: _ClassVar[Category]

class RetryStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RETRY_STRATEGY_UNSPECIFIED: _ClassVar[RetryStrategy]
    RETRY_STRATEGY_RETRY_LATER: _ClassVar[RetryStrategy]
    RETRY_STRATEGY_RETRY_AFTER_ACTION: _ClassVar[RetryStrategy]
    RETRY_STRATEGY_NO_RETRY_NEEDED: _ClassVar[RetryStrategy]
    RETRY_STRATEGY_DO_NOT_RETRY: _ClassVar[RetryStrategy]

class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_UNSPECIFIED: _ClassVar[Action]
    ACTION_NONE: _ClassVar[Action]
    ACTION_DRIVER_AT_VEHICLE: _ClassVar[Action]
    ACTION_USER_RECONNECT: _ClassVar[Action]
    ACTION_USER_ACCOUNT_ACTION: _ClassVar[Action]
    ACTION_CALLER_REFRESH_CREDENTIALS: _ClassVar[Action]
    ACTION_CALLER_FIX_REQUEST: _ClassVar[Action]
    ACTION_CONTACT_SUPPORT: _ClassVar[Action]

class ResolutionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESOLUTION_TYPE_UNSPECIFIED: _ClassVar[ResolutionType]
    RESOLUTION_TYPE_NONE: _ClassVar[ResolutionType]
    RESOLUTION_TYPE_RETRY_LATER: _ClassVar[ResolutionType]
    RESOLUTION_TYPE_REAUTHENTICATE: _ClassVar[ResolutionType]
    RESOLUTION_TYPE_CONTACT_SUPPORT: _ClassVar[ResolutionType]

class PayloadKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYLOAD_KIND_UNSPECIFIED: _ClassVar[PayloadKind]
    PAYLOAD_KIND_WEBHOOK: _ClassVar[PayloadKind]
    PAYLOAD_KIND_SIGNALS_RESPONSE: _ClassVar[PayloadKind]
    PAYLOAD_KIND_BATCH_RESPONSE: _ClassVar[PayloadKind]
    PAYLOAD_KIND_UNRECOGNIZED: _ClassVar[PayloadKind]

class WebhookEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEBHOOK_EVENT_TYPE_UNSPECIFIED: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_VERIFY: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_VEHICLE_STATE: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_VEHICLE_ERROR: _ClassVar[WebhookEventType]
    WEBHOOK_EVENT_TYPE_OTHER: _ClassVar[WebhookEventType]

class WebhookMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEBHOOK_MODE_UNSPECIFIED: _ClassVar[WebhookMode]
    WEBHOOK_MODE_LIVE: _ClassVar[WebhookMode]
    WEBHOOK_MODE_TEST: _ClassVar[WebhookMode]
    WEBHOOK_MODE_OTHER: _ClassVar[WebhookMode]

class WebhookEnvelope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEBHOOK_ENVELOPE_UNSPECIFIED: _ClassVar[WebhookEnvelope]
    WEBHOOK_ENVELOPE_V4: _ClassVar[WebhookEnvelope]
    WEBHOOK_ENVELOPE_LEGACY_2: _ClassVar[WebhookEnvelope]

class ErrorState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_STATE_UNSPECIFIED: _ClassVar[ErrorState]
    ERROR_STATE_ERROR: _ClassVar[ErrorState]
    ERROR_STATE_RESOLVED: _ClassVar[ErrorState]

class ErrorExtent(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_EXTENT_UNSPECIFIED: _ClassVar[ErrorExtent]
    ERROR_EXTENT_VEHICLE: _ClassVar[ErrorExtent]
    ERROR_EXTENT_SIGNALS: _ClassVar[ErrorExtent]
    ERROR_EXTENT_PATH: _ClassVar[ErrorExtent]

class VerdictOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_OUTCOME_UNSPECIFIED: _ClassVar[VerdictOutcome]
    VERDICT_OUTCOME_OK: _ClassVar[VerdictOutcome]
    VERDICT_OUTCOME_UNSUPPORTED: _ClassVar[VerdictOutcome]
    VERDICT_OUTCOME_WAIT: _ClassVar[VerdictOutcome]
    VERDICT_OUTCOME_ACTION_REQUIRED: _ClassVar[VerdictOutcome]
OPERATION_UNSPECIFIED: Operation
OPERATION_LOCK: Operation
OPERATION_UNLOCK: Operation
OPERATION_START_CHARGE: Operation
OPERATION_STOP_CHARGE: Operation
OPERATION_READ: Operation
OPERATION_OTHER_COMMAND: Operation
SCOPE_UNSPECIFIED: Scope
SCOPE_CALL: Scope
SCOPE_OPERATION: Scope
SCOPE_VEHICLE: Scope
SCOPE_USER: Scope
SCOPE_APPLICATION: Scope
INTERPRETATION_VIEW_UNSPECIFIED: InterpretationView
INTERPRETATION_VIEW_BASIC: InterpretationView
INTERPRETATION_VIEW_FULL: InterpretationView
IDENTIFICATION_UNSPECIFIED: Identification
IDENTIFICATION_EXACT_CODE: Identification
IDENTIFICATION_LEGACY_CODE: Identification
IDENTIFICATION_UNKNOWN_CODE: Identification
IDENTIFICATION_UNKNOWN_TYPE: Identification
IDENTIFICATION_NO_ERROR_BODY: Identification
DECISION_SOURCE_UNSPECIFIED: DecisionSource
DECISION_SOURCE_CATALOG: DecisionSource
DECISION_SOURCE_RESOLUTION: DecisionSource
DECISION_SOURCE_TYPE_TABLE: DecisionSource
DECISION_SOURCE_HTTP_STATUS: DecisionSource
DECISION_SOURCE_DEFAULT: DecisionSource
DECISION_SOURCE_OPERATION: DecisionSource
CATEGORY_UNSPECIFIED: Category
CATEGORY_CONNECTIVITY: Category
CATEGORY_CHARGING: Category
CATEGORY_CLOSURE: Category
CATEGORY_VEHICLE_IN_USE: Category
CATEGORY_POWER: Category
CATEGORY_UNKNOWN: Category
CATEGORY_OTHER: Category
CATEGORY_ACCESS: Category
CATEGORY_ACCOUNT: Category
CATEGORY_RATE_LIMIT: Category
CATEGORY_BILLING: Category
CATEGORY_COMPATIBILITY: Category
CATEGORY_UPSTREAM: Category
CATEGORY_PROVIDER: Category
CATEGORY_REQUEST: Category
RETRY_STRATEGY_UNSPECIFIED: RetryStrategy
RETRY_STRATEGY_RETRY_LATER: RetryStrategy
RETRY_STRATEGY_RETRY_AFTER_ACTION: RetryStrategy
RETRY_STRATEGY_NO_RETRY_NEEDED: RetryStrategy
RETRY_STRATEGY_DO_NOT_RETRY: RetryStrategy
ACTION_UNSPECIFIED: Action
ACTION_NONE: Action
ACTION_DRIVER_AT_VEHICLE: Action
ACTION_USER_RECONNECT: Action
ACTION_USER_ACCOUNT_ACTION: Action
ACTION_CALLER_REFRESH_CREDENTIALS: Action
ACTION_CALLER_FIX_REQUEST: Action
ACTION_CONTACT_SUPPORT: Action
RESOLUTION_TYPE_UNSPECIFIED: ResolutionType
RESOLUTION_TYPE_NONE: ResolutionType
RESOLUTION_TYPE_RETRY_LATER: ResolutionType
RESOLUTION_TYPE_REAUTHENTICATE: ResolutionType
RESOLUTION_TYPE_CONTACT_SUPPORT: ResolutionType
PAYLOAD_KIND_UNSPECIFIED: PayloadKind
PAYLOAD_KIND_WEBHOOK: PayloadKind
PAYLOAD_KIND_SIGNALS_RESPONSE: PayloadKind
PAYLOAD_KIND_BATCH_RESPONSE: PayloadKind
PAYLOAD_KIND_UNRECOGNIZED: PayloadKind
WEBHOOK_EVENT_TYPE_UNSPECIFIED: WebhookEventType
WEBHOOK_EVENT_TYPE_VERIFY: WebhookEventType
WEBHOOK_EVENT_TYPE_VEHICLE_STATE: WebhookEventType
WEBHOOK_EVENT_TYPE_VEHICLE_ERROR: WebhookEventType
WEBHOOK_EVENT_TYPE_OTHER: WebhookEventType
WEBHOOK_MODE_UNSPECIFIED: WebhookMode
WEBHOOK_MODE_LIVE: WebhookMode
WEBHOOK_MODE_TEST: WebhookMode
WEBHOOK_MODE_OTHER: WebhookMode
WEBHOOK_ENVELOPE_UNSPECIFIED: WebhookEnvelope
WEBHOOK_ENVELOPE_V4: WebhookEnvelope
WEBHOOK_ENVELOPE_LEGACY_2: WebhookEnvelope
ERROR_STATE_UNSPECIFIED: ErrorState
ERROR_STATE_ERROR: ErrorState
ERROR_STATE_RESOLVED: ErrorState
ERROR_EXTENT_UNSPECIFIED: ErrorExtent
ERROR_EXTENT_VEHICLE: ErrorExtent
ERROR_EXTENT_SIGNALS: ErrorExtent
ERROR_EXTENT_PATH: ErrorExtent
VERDICT_OUTCOME_UNSPECIFIED: VerdictOutcome
VERDICT_OUTCOME_OK: VerdictOutcome
VERDICT_OUTCOME_UNSUPPORTED: VerdictOutcome
VERDICT_OUTCOME_WAIT: VerdictOutcome
VERDICT_OUTCOME_ACTION_REQUIRED: VerdictOutcome

class InterpretRequest(_message.Message):
    __slots__ = ("body", "structured", "app_name", "http_status", "retry_after", "request_id", "locale", "view", "operation")
    BODY_FIELD_NUMBER: _ClassVar[int]
    STRUCTURED_FIELD_NUMBER: _ClassVar[int]
    APP_NAME_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    body: str
    structured: StructuredError
    app_name: str
    http_status: int
    retry_after: str
    request_id: str
    locale: str
    view: InterpretationView
    operation: Operation
    def __init__(self, body: _Optional[str] = ..., structured: _Optional[_Union[StructuredError, _Mapping]] = ..., app_name: _Optional[str] = ..., http_status: _Optional[int] = ..., retry_after: _Optional[str] = ..., request_id: _Optional[str] = ..., locale: _Optional[str] = ..., view: _Optional[_Union[InterpretationView, str]] = ..., operation: _Optional[_Union[Operation, str]] = ...) -> None: ...

class StructuredError(_message.Message):
    __slots__ = ("type", "code")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    type: str
    code: str
    def __init__(self, type: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class InterpretResponse(_message.Message):
    __slots__ = ("vehicle_state_error", "error_type", "error_code", "category", "retry_advice", "messages", "request_id", "http_status", "other_error_count", "propagation_code", "propagation_status", "identification", "decided_by", "reason", "catalog_code", "user_message", "warnings", "action_url")
    VEHICLE_STATE_ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_TYPE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RETRY_ADVICE_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    OTHER_ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    PROPAGATION_CODE_FIELD_NUMBER: _ClassVar[int]
    PROPAGATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFICATION_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CATALOG_CODE_FIELD_NUMBER: _ClassVar[int]
    USER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    ACTION_URL_FIELD_NUMBER: _ClassVar[int]
    vehicle_state_error: VehicleStateError
    error_type: str
    error_code: str
    category: Category
    retry_advice: RetryAdvice
    messages: RenderedMessages
    request_id: str
    http_status: int
    other_error_count: int
    propagation_code: _code_pb2.Code
    propagation_status: _status_pb2.Status
    identification: Identification
    decided_by: DecisionSource
    reason: str
    catalog_code: str
    user_message: str
    warnings: _containers.RepeatedCompositeFieldContainer[InterpretationWarning]
    action_url: str
    def __init__(self, vehicle_state_error: _Optional[_Union[VehicleStateError, _Mapping]] = ..., error_type: _Optional[str] = ..., error_code: _Optional[str] = ..., category: _Optional[_Union[Category, str]] = ..., retry_advice: _Optional[_Union[RetryAdvice, _Mapping]] = ..., messages: _Optional[_Union[RenderedMessages, _Mapping]] = ..., request_id: _Optional[str] = ..., http_status: _Optional[int] = ..., other_error_count: _Optional[int] = ..., propagation_code: _Optional[_Union[_code_pb2.Code, str]] = ..., propagation_status: _Optional[_Union[_status_pb2.Status, _Mapping]] = ..., identification: _Optional[_Union[Identification, str]] = ..., decided_by: _Optional[_Union[DecisionSource, str]] = ..., reason: _Optional[str] = ..., catalog_code: _Optional[str] = ..., user_message: _Optional[str] = ..., warnings: _Optional[_Iterable[_Union[InterpretationWarning, _Mapping]]] = ..., action_url: _Optional[str] = ...) -> None: ...

class InterpretationWarning(_message.Message):
    __slots__ = ("reason", "field", "message", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    REASON_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    reason: str
    field: str
    message: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, reason: _Optional[str] = ..., field: _Optional[str] = ..., message: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class BatchInterpretRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[InterpretRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[InterpretRequest, _Mapping]]] = ...) -> None: ...

class BatchInterpretResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BatchInterpretResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BatchInterpretResult, _Mapping]]] = ...) -> None: ...

class BatchInterpretResult(_message.Message):
    __slots__ = ("response", "error")
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    response: InterpretResponse
    error: _status_pb2.Status
    def __init__(self, response: _Optional[_Union[InterpretResponse, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class GetVehicleStateErrorRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class GetVehicleStateErrorResponse(_message.Message):
    __slots__ = ("vehicle_state_error",)
    VEHICLE_STATE_ERROR_FIELD_NUMBER: _ClassVar[int]
    vehicle_state_error: VehicleStateError
    def __init__(self, vehicle_state_error: _Optional[_Union[VehicleStateError, _Mapping]] = ...) -> None: ...

class ListVehicleStateErrorsRequest(_message.Message):
    __slots__ = ("category", "strategy", "page_size", "page_token")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    category: Category
    strategy: RetryStrategy
    page_size: int
    page_token: str
    def __init__(self, category: _Optional[_Union[Category, str]] = ..., strategy: _Optional[_Union[RetryStrategy, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVehicleStateErrorsResponse(_message.Message):
    __slots__ = ("vehicle_state_errors", "next_page_token")
    VEHICLE_STATE_ERRORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    vehicle_state_errors: _containers.RepeatedCompositeFieldContainer[VehicleStateError]
    next_page_token: str
    def __init__(self, vehicle_state_errors: _Optional[_Iterable[_Union[VehicleStateError, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListErrorTypesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListErrorTypesResponse(_message.Message):
    __slots__ = ("error_types",)
    ERROR_TYPES_FIELD_NUMBER: _ClassVar[int]
    error_types: _containers.RepeatedCompositeFieldContainer[ErrorType]
    def __init__(self, error_types: _Optional[_Iterable[_Union[ErrorType, _Mapping]]] = ...) -> None: ...

class ErrorType(_message.Message):
    __slots__ = ("type", "http_status", "v1_errors", "rules")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    V1_ERRORS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    type: str
    http_status: int
    v1_errors: _containers.RepeatedScalarFieldContainer[str]
    rules: _containers.RepeatedCompositeFieldContainer[ErrorTypeRule]
    def __init__(self, type: _Optional[str] = ..., http_status: _Optional[int] = ..., v1_errors: _Optional[_Iterable[str]] = ..., rules: _Optional[_Iterable[_Union[ErrorTypeRule, _Mapping]]] = ...) -> None: ...

class ErrorTypeRule(_message.Message):
    __slots__ = ("codes", "legacy_codes", "answers_unlisted_codes", "category", "retry_policy", "propagation_code", "user_message_template")
    CODES_FIELD_NUMBER: _ClassVar[int]
    LEGACY_CODES_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_UNLISTED_CODES_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RETRY_POLICY_FIELD_NUMBER: _ClassVar[int]
    PROPAGATION_CODE_FIELD_NUMBER: _ClassVar[int]
    USER_MESSAGE_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    codes: _containers.RepeatedScalarFieldContainer[str]
    legacy_codes: _containers.RepeatedScalarFieldContainer[str]
    answers_unlisted_codes: bool
    category: Category
    retry_policy: RetryPolicy
    propagation_code: _code_pb2.Code
    user_message_template: str
    def __init__(self, codes: _Optional[_Iterable[str]] = ..., legacy_codes: _Optional[_Iterable[str]] = ..., answers_unlisted_codes: _Optional[bool] = ..., category: _Optional[_Union[Category, str]] = ..., retry_policy: _Optional[_Union[RetryPolicy, _Mapping]] = ..., propagation_code: _Optional[_Union[_code_pb2.Code, str]] = ..., user_message_template: _Optional[str] = ...) -> None: ...

class VehicleStateError(_message.Message):
    __slots__ = ("type", "code", "description", "doc_url", "status_code", "resolution_type", "suggested_user_message", "overview", "suggested_resolution", "troubleshooting_steps", "user_message_template", "category", "retry_policy", "legacy_codes")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DOC_URL_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_USER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    OVERVIEW_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    TROUBLESHOOTING_STEPS_FIELD_NUMBER: _ClassVar[int]
    USER_MESSAGE_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RETRY_POLICY_FIELD_NUMBER: _ClassVar[int]
    LEGACY_CODES_FIELD_NUMBER: _ClassVar[int]
    type: str
    code: str
    description: str
    doc_url: str
    status_code: int
    resolution_type: ResolutionType
    suggested_user_message: str
    overview: TextBlock
    suggested_resolution: TextBlock
    troubleshooting_steps: _containers.RepeatedScalarFieldContainer[str]
    user_message_template: TextBlock
    category: Category
    retry_policy: RetryPolicy
    legacy_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, type: _Optional[str] = ..., code: _Optional[str] = ..., description: _Optional[str] = ..., doc_url: _Optional[str] = ..., status_code: _Optional[int] = ..., resolution_type: _Optional[_Union[ResolutionType, str]] = ..., suggested_user_message: _Optional[str] = ..., overview: _Optional[_Union[TextBlock, _Mapping]] = ..., suggested_resolution: _Optional[_Union[TextBlock, _Mapping]] = ..., troubleshooting_steps: _Optional[_Iterable[str]] = ..., user_message_template: _Optional[_Union[TextBlock, _Mapping]] = ..., category: _Optional[_Union[Category, str]] = ..., retry_policy: _Optional[_Union[RetryPolicy, _Mapping]] = ..., legacy_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class TextBlock(_message.Message):
    __slots__ = ("text", "bullets")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    BULLETS_FIELD_NUMBER: _ClassVar[int]
    text: str
    bullets: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, text: _Optional[str] = ..., bullets: _Optional[_Iterable[str]] = ...) -> None: ...

class RetryPolicy(_message.Message):
    __slots__ = ("strategy", "suggested_delay", "delay_reason", "action", "scope")
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_DELAY_FIELD_NUMBER: _ClassVar[int]
    DELAY_REASON_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    strategy: RetryStrategy
    suggested_delay: _duration_pb2.Duration
    delay_reason: str
    action: Action
    scope: Scope
    def __init__(self, strategy: _Optional[_Union[RetryStrategy, str]] = ..., suggested_delay: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., delay_reason: _Optional[str] = ..., action: _Optional[_Union[Action, str]] = ..., scope: _Optional[_Union[Scope, str]] = ...) -> None: ...

class RetryAdvice(_message.Message):
    __slots__ = ("strategy", "suggested_delay", "delay_reason", "action", "scope")
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_DELAY_FIELD_NUMBER: _ClassVar[int]
    DELAY_REASON_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    strategy: RetryStrategy
    suggested_delay: _duration_pb2.Duration
    delay_reason: str
    action: Action
    scope: Scope
    def __init__(self, strategy: _Optional[_Union[RetryStrategy, str]] = ..., suggested_delay: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., delay_reason: _Optional[str] = ..., action: _Optional[_Union[Action, str]] = ..., scope: _Optional[_Union[Scope, str]] = ...) -> None: ...

class RenderedMessages(_message.Message):
    __slots__ = ("suggested_user_message", "description", "suggested_resolution", "troubleshooting_steps", "locale", "body_suggested_user_message")
    SUGGESTED_USER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    TROUBLESHOOTING_STEPS_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    BODY_SUGGESTED_USER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    suggested_user_message: str
    description: str
    suggested_resolution: str
    troubleshooting_steps: _containers.RepeatedScalarFieldContainer[str]
    locale: str
    body_suggested_user_message: str
    def __init__(self, suggested_user_message: _Optional[str] = ..., description: _Optional[str] = ..., suggested_resolution: _Optional[str] = ..., troubleshooting_steps: _Optional[_Iterable[str]] = ..., locale: _Optional[str] = ..., body_suggested_user_message: _Optional[str] = ...) -> None: ...

class InterpretPayloadRequest(_message.Message):
    __slots__ = ("body", "used_signals", "app_name", "locale", "view", "operation")
    BODY_FIELD_NUMBER: _ClassVar[int]
    USED_SIGNALS_FIELD_NUMBER: _ClassVar[int]
    APP_NAME_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    body: str
    used_signals: _containers.RepeatedScalarFieldContainer[str]
    app_name: str
    locale: str
    view: InterpretationView
    operation: Operation
    def __init__(self, body: _Optional[str] = ..., used_signals: _Optional[_Iterable[str]] = ..., app_name: _Optional[str] = ..., locale: _Optional[str] = ..., view: _Optional[_Union[InterpretationView, str]] = ..., operation: _Optional[_Union[Operation, str]] = ...) -> None: ...

class InterpretPayloadResponse(_message.Message):
    __slots__ = ("payload_kind", "event", "items", "verdict", "vehicle_verdicts", "warnings")
    PAYLOAD_KIND_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_VERDICTS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    payload_kind: PayloadKind
    event: WebhookEvent
    items: _containers.RepeatedCompositeFieldContainer[PayloadItem]
    verdict: PayloadVerdict
    vehicle_verdicts: _containers.RepeatedCompositeFieldContainer[VehicleVerdict]
    warnings: _containers.RepeatedCompositeFieldContainer[InterpretationWarning]
    def __init__(self, payload_kind: _Optional[_Union[PayloadKind, str]] = ..., event: _Optional[_Union[WebhookEvent, _Mapping]] = ..., items: _Optional[_Iterable[_Union[PayloadItem, _Mapping]]] = ..., verdict: _Optional[_Union[PayloadVerdict, _Mapping]] = ..., vehicle_verdicts: _Optional[_Iterable[_Union[VehicleVerdict, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[InterpretationWarning, _Mapping]]] = ...) -> None: ...

class WebhookEvent(_message.Message):
    __slots__ = ("type", "type_name", "event_id", "delivery_id", "webhook_id", "mode", "mode_name", "vehicle_id", "user_id", "challenge", "delivered_at", "version", "envelope")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TYPE_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    MODE_NAME_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    type: WebhookEventType
    type_name: str
    event_id: str
    delivery_id: str
    webhook_id: str
    mode: WebhookMode
    mode_name: str
    vehicle_id: str
    user_id: str
    challenge: str
    delivered_at: str
    version: str
    envelope: WebhookEnvelope
    def __init__(self, type: _Optional[_Union[WebhookEventType, str]] = ..., type_name: _Optional[str] = ..., event_id: _Optional[str] = ..., delivery_id: _Optional[str] = ..., webhook_id: _Optional[str] = ..., mode: _Optional[_Union[WebhookMode, str]] = ..., mode_name: _Optional[str] = ..., vehicle_id: _Optional[str] = ..., user_id: _Optional[str] = ..., challenge: _Optional[str] = ..., delivered_at: _Optional[str] = ..., version: _Optional[str] = ..., envelope: _Optional[_Union[WebhookEnvelope, str]] = ...) -> None: ...

class PayloadItem(_message.Message):
    __slots__ = ("interpretation", "state", "extent", "signals", "paths", "relevant", "vehicle_id")
    INTERPRETATION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    EXTENT_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    PATHS_FIELD_NUMBER: _ClassVar[int]
    RELEVANT_FIELD_NUMBER: _ClassVar[int]
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    interpretation: InterpretResponse
    state: ErrorState
    extent: ErrorExtent
    signals: _containers.RepeatedScalarFieldContainer[str]
    paths: _containers.RepeatedScalarFieldContainer[str]
    relevant: bool
    vehicle_id: str
    def __init__(self, interpretation: _Optional[_Union[InterpretResponse, _Mapping]] = ..., state: _Optional[_Union[ErrorState, str]] = ..., extent: _Optional[_Union[ErrorExtent, str]] = ..., signals: _Optional[_Iterable[str]] = ..., paths: _Optional[_Iterable[str]] = ..., relevant: _Optional[bool] = ..., vehicle_id: _Optional[str] = ...) -> None: ...

class PayloadVerdict(_message.Message):
    __slots__ = ("outcome", "reason", "action", "action_url", "user_message", "cleared_reasons", "deciding_item", "scope")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTION_URL_FIELD_NUMBER: _ClassVar[int]
    USER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CLEARED_REASONS_FIELD_NUMBER: _ClassVar[int]
    DECIDING_ITEM_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    outcome: VerdictOutcome
    reason: str
    action: Action
    action_url: str
    user_message: str
    cleared_reasons: _containers.RepeatedScalarFieldContainer[str]
    deciding_item: int
    scope: Scope
    def __init__(self, outcome: _Optional[_Union[VerdictOutcome, str]] = ..., reason: _Optional[str] = ..., action: _Optional[_Union[Action, str]] = ..., action_url: _Optional[str] = ..., user_message: _Optional[str] = ..., cleared_reasons: _Optional[_Iterable[str]] = ..., deciding_item: _Optional[int] = ..., scope: _Optional[_Union[Scope, str]] = ...) -> None: ...

class VehicleVerdict(_message.Message):
    __slots__ = ("vehicle_id", "verdict")
    VEHICLE_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    vehicle_id: str
    verdict: PayloadVerdict
    def __init__(self, vehicle_id: _Optional[str] = ..., verdict: _Optional[_Union[PayloadVerdict, _Mapping]] = ...) -> None: ...
