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

"""The dd copy of a host copy: block size and sparseness."""

from cinder.volume import volume_utils
import pytest

from lightos_cinder.volume import hostcopy


@pytest.mark.parametrize('configured, used', [
    ('1M', '16M'), ('512K', '16M'), ('16M', '16M'), ('64M', '64M'),
    ('bogus', '16M')])
def test_copy_uses_large_blocks_and_skips_zeros(monkeypatch, configured,
                                                used):
    calls = []
    monkeypatch.setattr(volume_utils, 'copy_volume',
                        lambda *args, **kwargs: calls.append((args, kwargs)))
    hostcopy.copy_data('/dev/source', '/dev/target', 4, configured)
    assert calls == [(('/dev/source', '/dev/target', 4096, used),
                      {'sync': True, 'sparse': True})]
