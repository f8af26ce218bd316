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

"""What a failed attempt to reach the LightOS API means, in words."""

import datetime
import email.utils

import requests
import urllib3

# Bounded slice of a root cause, or of a non-JSON error body, kept in the
# text of a failure.
MESSAGE_LIMIT = 200

# Appended to a certificate verification failure: what an operator does.
TLS_VERIFY_HINT = (
    'the cluster certificate is not trusted or does not name this host: '
    'set driver_ssl_cert_path to the CA bundle that signed it, and list in '
    'lightos_api_hostnames (or lightos_api_address) the names or addresses '
    'its subjectAltName carries')


def _chain(exc):
    """Yield exc and the exceptions it wraps (args, reason, cause)."""
    seen = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(_wrapped(current))


def _wrapped(exc):
    """The exceptions ``exc`` wraps, the most direct first."""
    candidates = [getattr(exc, 'reason', None), exc.__cause__,
                  exc.__context__]
    candidates.extend(getattr(exc, 'args', ()))
    return [item for item in candidates if isinstance(item, BaseException)]


def nothing_sent(exc):
    """True if a requests exception happened before the request was sent."""
    if isinstance(exc, (requests.exceptions.ConnectTimeout,
                        requests.exceptions.SSLError)):
        return True
    return any(isinstance(e, (urllib3.exceptions.NewConnectionError,
                              urllib3.exceptions.ConnectTimeoutError))
               for e in _chain(exc))


def untrusted(exc):
    """True for a certificate that fails verification: retrying won't help."""
    if not isinstance(exc, requests.exceptions.SSLError):
        return False
    text = _innermost(exc)
    return 'CERTIFICATE_VERIFY_FAILED' in text or "doesn't match" in text


def describe(exc):
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return 'connect timeout'
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return 'read timeout'
    if isinstance(exc, requests.exceptions.SSLError):
        text = _innermost(exc)
        if untrusted(exc):
            return 'TLS error (%s); %s' % (text, TLS_VERIFY_HINT)
        return 'TLS error (%s)' % text
    if nothing_sent(exc):
        return 'connection refused or unreachable (%s)' % _innermost(exc)
    return 'connection lost (%s)' % _innermost(exc)


def _innermost(exc):
    """Text of the root cause (e.g. "[Errno 111] Connection refused")."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = _wrapped(exc)
        if not inner:
            break
        exc = inner[0]
    text = str(exc)
    return text[:MESSAGE_LIMIT] if text else exc.__class__.__name__


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header, or None if unusable.

    The header holds either delta-seconds or an HTTP date (RFC 9110).
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        if now is None:
            now = datetime.datetime.now(datetime.timezone.utc)
        seconds = (when - now).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def server_message(response):
    """The error text of a response: JSON message/error, else raw text."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ('message', 'error'):
            if data.get(key):
                return str(data[key])[:MESSAGE_LIMIT * 5]
    text = (response.text or '').strip()
    if len(text) > MESSAGE_LIMIT:
        text = text[:MESSAGE_LIMIT] + '...'
    return text or None
