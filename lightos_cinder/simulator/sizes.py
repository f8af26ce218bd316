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

"""Parsing of the capacity strings that volume requests carry."""

import re

from lightos_cinder.simulator import errors
from lightos_cinder.simulator import rules

# Only "<n> gib", "<n>b" and bare bytes are evidenced; the other SI and IEC
# spellings are accepted as a choice. Single-letter units ("4g") are refused
# because nothing says whether they mean powers of 10 or of 2.
_UNITS = {
    '': 1, 'b': 1,
    'kb': 10 ** 3, 'mb': 10 ** 6, 'gb': 10 ** 9, 'tb': 10 ** 12,
    'pb': 10 ** 15,
    'kib': 2 ** 10, 'mib': 2 ** 20, 'gib': 2 ** 30, 'tib': 2 ** 40,
    'pib': 2 ** 50,
}
_SIZE_RE = re.compile(r'^\s*(\d+)\s*([A-Za-z]*)\s*$')
MAX_SIZE = 2 ** 64 - 1


def parse_size(text):
    """Return the byte count of a size string, rounded up to 4 KiB.

    Raises a 400 ApiError for anything that is not a positive size.
    """
    if not isinstance(text, str):
        raise errors.bad_request(
            'size must be a string such as "4 gib" or "4294967296b"')
    match = _SIZE_RE.match(text)
    if not match:
        raise errors.bad_request('invalid size %r' % text)
    number, unit = match.groups()
    multiplier = _UNITS.get(unit.lower())
    if multiplier is None:
        raise errors.bad_request('invalid size unit %r in %r' % (unit, text))
    size = int(number) * multiplier
    if size <= 0:
        raise errors.bad_request('size must be a positive number of bytes')
    size = rules.allocated_size(size)
    if size > MAX_SIZE:
        raise errors.bad_request('size %r is too large' % text)
    return size
