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

"""Cinder's generic image <-> volume copies over the real attach path."""

import os
import shutil

from oslo_config import cfg
import pytest

from tests.functional.dataplane import hosts
from tests.functional import simstate

CONF = cfg.CONF
MIB = 1024 * 1024
GIB = 1024 * MIB


class LocalImageService:
    """The image service calls Cinder's image code makes, on local files.

    Images are raw files in a directory; uploads keep holes where the data
    is zeros, so a 1 GiB volume image costs what it holds.
    """

    def __init__(self, root):
        self.root = root
        # Cinder's TemporaryImages keeps its cache on the image service.
        self.temp_images = None

    def path(self, image_id):
        return os.path.join(self.root, image_id)

    def add(self, image_id, data):
        with open(self.path(image_id), 'wb') as handle:
            handle.write(data)

    def show(self, context, image_id):
        size = os.path.getsize(self.path(image_id))
        return {'id': image_id, 'name': image_id, 'status': 'active',
                'disk_format': 'raw', 'container_format': 'bare',
                'size': size, 'virtual_size': size, 'properties': {}}

    def download(self, context, image_id, data=None):
        with open(self.path(image_id), 'rb') as source:
            shutil.copyfileobj(source, data, MIB)

    def update(self, context, image_id, image_meta, data=None,
               purge_props=True, store_id=None, base_image_ref=None):
        with open(self.path(image_id), 'wb') as target:
            while True:
                chunk = data.read(MIB)
                if not chunk:
                    break
                if chunk.count(0) == len(chunk):
                    target.seek(len(chunk), os.SEEK_CUR)
                else:
                    target.write(chunk)
            target.truncate()
        return self.show(context, image_id)


@pytest.fixture
def images(tmp_path):
    conversion = tmp_path / 'conversion'
    conversion.mkdir()
    # Cinder stages downloads here (default: under /var/lib/cinder).
    CONF.set_override('image_conversion_dir', str(conversion))
    store = tmp_path / 'images'
    store.mkdir()
    yield LocalImageService(str(store))
    CONF.clear_override('image_conversion_dir')


@pytest.fixture
def host(host_factory):
    with host_factory(1).as_current() as current:
        yield current


@pytest.fixture
def typed_volume(drv, make_volume, make_type):
    def make(size=1):
        volume = make_volume(volume_type=make_type(), size=size)
        volume.glance_metadata = {}
        volume.provider_id = drv.create_volume(volume)['provider_id']
        return volume
    return make


def test_image_to_volume_to_image_round_trips(
        dsim, ctx, drv, typed_volume, images, host, agent):
    # An odd size: not a whole MiB, so the copy's last block is partial.
    data = os.urandom(3 * MIB + 3 * 4096)
    images.add('image-1', data)

    volume = typed_volume()
    drv.copy_image_to_volume(ctx, volume, images, 'image-1')
    with hosts.attached(drv, volume, host) as path:
        assert hosts.read_at(path, 0, len(data)) == data
        assert hosts.read_at(path, len(data), MIB) == bytes(MIB)
    assert agent.exposed() == {}

    drv.copy_volume_to_image(ctx, volume, images, {
        'id': 'image-2', 'disk_format': 'raw', 'container_format': 'bare'})
    uploaded = images.path('image-2')
    assert os.path.getsize(uploaded) == GIB
    with open(uploaded, 'rb') as handle:
        assert handle.read(len(data)) == data
        rest = GIB - len(data)
        while rest:
            chunk = handle.read(min(rest, 64 * MIB))
            assert chunk == bytes(len(chunk))
            rest -= len(chunk)
    # Both copies detached again and revoked the host's access.
    assert simstate.acl(simstate.volume_named(
        dsim, 'volume-%s' % volume.id)) == simstate.NONE
