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

"""Driver fixtures: real Cinder Configuration, objects and coordination."""

import uuid

from cinder import context as cinder_context
from cinder import coordination
from cinder import objects
from cinder.objects import fields
from oslo_config import cfg
import pytest

from lightos_cinder import driver
from tests.functional import cinder_objects
from tests.functional import cinderservices
from tests.functional.driver import helpers

objects.register_all()

CONF = cfg.CONF


@pytest.fixture(scope='session', autouse=True)
def coordinator(tmp_path_factory):
    """Cinder's global coordinator on a file:// backend in a tmp dir."""
    path = tmp_path_factory.mktemp('coordination')
    CONF.set_override('backend_url', 'file://%s' % path, group='coordination')
    coordination.COORDINATOR.start()
    yield coordination.COORDINATOR
    coordination.COORDINATOR.stop()
    CONF.clear_override('backend_url', group='coordination')


@pytest.fixture(scope='session', autouse=True)
def cinder_db(cinder_database):
    """Cinder's tables, which the driver reads to tell who owns what."""
    cinderservices.use_database(cinder_database)


@pytest.fixture
def ctx():
    return cinder_context.get_admin_context()


def build_drivers(sim):
    """Yield a factory of drivers against ``sim``; close them afterwards.

    The factory sets each driver up unless ``setup=False``, may point it
    at another ``target`` simulator and give it a (fake) ``clock``.
    """
    made = []

    def make(setup=True, target=None, clock=None, **overrides):
        drv = driver.LightOSVolumeDriver(
            configuration=helpers.backend_config(target or sim, **overrides),
            host='cinder-volume@lightos', clock=clock)
        if setup:
            drv.do_setup(cinder_context.get_admin_context())
            drv.check_for_setup_error()
        made.append(drv)
        return drv
    yield make
    for drv in made:
        if drv._client is not None:
            drv._client.transport.close()


@pytest.fixture
def make_driver(sim):
    """Build (and by default set up) drivers against ``sim`` (or target)."""
    yield from build_drivers(sim)


@pytest.fixture
def drv(make_driver):
    return make_driver()


@pytest.fixture
def make_type(ctx):
    def make(extra_specs=None, name=None):
        return cinder_objects.volume_type(ctx, extra_specs, name)
    return make


@pytest.fixture
def make_volume(ctx):
    def make(volume_type=None, size=1, **updates):
        return cinder_objects.volume(ctx, volume_type, size, **updates)
    return make


@pytest.fixture
def make_snapshot(ctx):
    def make(volume, **updates):
        return cinder_objects.snapshot(ctx, volume, **updates)
    return make


@pytest.fixture
def attach(ctx):
    """Record an attachment of ``volume`` made with ``connector``."""
    def add(volume, connector, status=fields.VolumeAttachStatus.ATTACHED):
        attachment = objects.VolumeAttachment(
            context=ctx, id=str(uuid.uuid4()), volume_id=volume.id,
            attached_host=connector.get('host'), connector=connector,
            attach_status=status, instance_uuid=str(uuid.uuid4()))
        volume.volume_attachment = objects.VolumeAttachmentList(
            objects=list(volume.volume_attachment) + [attachment])
        return attachment
    return add
