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

"""The volume types of a backend, from Cinder's database, checked as create."""

import dataclasses

from cinder import exception as cinder_exception
import sqlalchemy

from lightos_cinder.api import exception
from lightos_cinder.checkconfig import report as report_module
from lightos_cinder import compat
from lightos_cinder.volume import qos
from lightos_cinder.volume import specs

BACKEND_NAME = 'volume_backend_name'
cinder_models = compat.cinder_db_models()


@dataclasses.dataclass
class VolumeType:
    """A volume type as create sees it: extra specs and QoS specs."""

    name: str
    extra_specs: dict
    qos_specs: dict


def _live(table):
    return table.c.deleted == sqlalchemy.false()


def read_types(connection, backend_name):
    """Volume types whose ``volume_backend_name`` is ``backend_name``.

    Read with Cinder's own table definitions, so the query follows the
    schema of the installed Cinder on any database it supports.
    """
    types = cinder_models.VolumeType.__table__
    extra = cinder_models.VolumeTypeExtraSpecs.__table__
    qos_table = cinder_models.QualityOfServiceSpecs.__table__
    engine = sqlalchemy.create_engine(connection)
    try:
        with engine.connect() as db:
            rows = db.execute(sqlalchemy.select(
                types.c.id, types.c.name, types.c.qos_specs_id).where(
                    _live(types))).fetchall()
            extra_rows = db.execute(sqlalchemy.select(
                extra.c.volume_type_id, extra.c.key, extra.c.value).where(
                    _live(extra))).fetchall()
            qos_rows = db.execute(sqlalchemy.select(
                qos_table.c.specs_id, qos_table.c.key,
                qos_table.c.value).where(
                    _live(qos_table),
                    qos_table.c.specs_id.isnot(None))).fetchall()
    finally:
        engine.dispose()
    extra_specs, qos_specs = {}, {}
    for type_id, key, value in extra_rows:
        extra_specs.setdefault(type_id, {})[key] = value
    for specs_id, key, value in qos_rows:
        qos_specs.setdefault(specs_id, {})[key] = value
    found = []
    for type_id, name, qos_id in rows:
        values = extra_specs.get(type_id, {})
        if values.get(BACKEND_NAME) != backend_name:
            continue
        found.append(VolumeType(name, values,
                                dict(qos_specs.get(qos_id, {}))
                                if qos_id else {}))
    return sorted(found, key=lambda t: t.name)


class _Policies(object):
    """The cluster's QoS policies, listed once and only when needed."""

    def __init__(self, client):
        self._client = client
        self._policies = None

    def __call__(self):
        if self._policies is None:
            self._policies = self._client.list_qos_policies()
        return self._policies


def _describe(spec):
    return 'project %s, %d replica(s), compression %s, QoS policy %s' % (
        spec.project, spec.replicas, 'on' if spec.compression else 'off',
        spec.qos_policy_uuid or "the project's default")


def check_types(section, types, client, max_replicas, report):
    """One line per volume type: the spec create would use, or why not.

    :returns: the VolumeSpecs of the types that passed.
    """
    policies = _Policies(client)
    passed = []
    for volume_type in types:
        whose = 'volume type %s' % volume_type.name
        try:
            spec = qos.volume_spec(
                section, None, volume_type.extra_specs, volume_type.qos_specs,
                policies, max_replicas, whose=whose)
            if spec.qos_policy_uuid:
                known = {p.uuid.lower() for p in policies()}
                if spec.qos_policy_uuid not in known:
                    raise cinder_exception.InvalidVolumeType(
                        reason='QoS policy %s does not exist on the cluster; '
                               'set %s to the UUID of an existing policy '
                               "('lbcli list qos-policies')" % (
                                   spec.qos_policy_uuid, specs.QOS_POLICY))
        except cinder_exception.InvalidVolumeType as exc:
            report.add(report_module.FAIL, 'type', '%s: %s' % (
                volume_type.name, exc))
        except exception.Forbidden:
            report.add(report_module.WARN, 'type', '%s: the token may not '
                       'list QoS policies; its QoS settings are unchecked'
                       % volume_type.name)
        except exception.LightOSError as exc:
            report.add(report_module.FAIL, 'type', '%s: cannot list the QoS '
                       'policies: %s' % (volume_type.name, exc))
        else:
            report.add(report_module.PASS, 'type', '%s: %s' % (
                volume_type.name, _describe(spec)))
            passed.append(spec)
    return passed
