# Copyright 2026 The lightos-cinder Authors.
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""API errors of the simulator and their gateway-style JSON bodies."""

# The REST layer of LightOS is grpc-gateway v1: an error status carries the
# gRPC code it was mapped from (runtime/errors.go of the gateway).
_GRPC_CODES = {
    400: 3,    # InvalidArgument (FailedPrecondition is 9, also 400)
    401: 16,   # Unauthenticated
    403: 7,    # PermissionDenied
    404: 5,    # NotFound
    408: 1,    # Canceled
    409: 6,    # AlreadyExists
    412: 9,    # FailedPrecondition, mapped to 412 by LightOS for ETags
    429: 8,    # ResourceExhausted
    500: 13,   # Internal
    501: 12,   # Unimplemented
    503: 14,   # Unavailable
    504: 4,    # DeadlineExceeded
}

FAILED_PRECONDITION = 9


class ApiError(Exception):
    """An error answer of the API: HTTP status, gRPC code and message."""

    def __init__(self, status, message, code=None):
        self.status = status
        self.message = message
        self.code = code if code is not None else grpc_code(status)
        super().__init__('%s %s' % (status, message))

    def body(self):
        return error_body(self.status, self.message, self.code)


def grpc_code(status):
    """Return the gRPC code the gateway reports with an HTTP status."""
    return _GRPC_CODES.get(status, 2)  # 2 is Unknown


def error_body(status, message, code=None):
    """Return the JSON error body the gateway sends with ``status``."""
    if code is None:
        code = grpc_code(status)
    return {'error': message, 'code': code, 'message': message}


def bad_request(message):
    return ApiError(400, message)


def failed_precondition(message):
    """A state conflict that the stock gateway mapping turns into 400."""
    return ApiError(400, message, FAILED_PRECONDITION)


def unauthenticated(message='Unauthorized: authentication failed'):
    return ApiError(401, message)


def permission_denied(message='Permission denied'):
    return ApiError(403, message)


def not_found(message):
    return ApiError(404, message)


def conflict(message):
    return ApiError(409, message)


def unavailable(message):
    return ApiError(503, message)
