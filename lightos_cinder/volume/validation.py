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

"""The driver's options checked before it talks to the cluster."""

import datetime
import os

from cinder import exception as cinder_exception
from oslo_log import log as logging

from lightos_cinder.api import credentials
from lightos_cinder.api import exception
from lightos_cinder.volume import specs
from lightos_cinder.volume import translate

LOG = logging.getLogger(__name__)


def config_problems(conf, token_source, now=None):
    """Every problem of the options found before talking to the cluster.

    :returns: a list of cinder.exception.InvalidConfigurationValue, each
        saying what to fix (empty when the options are usable).
    """
    problems = []
    if not (conf.lightos_api_address or
            conf.safe_get('lightos_api_hostnames')):
        problems.append(translate.config_error(
            'lightos_api_address', conf.lightos_api_address,
            'list the IP addresses of the LightOS API service (normally '
            'every cluster node), separated by commas, or their host names '
            'in lightos_api_hostnames'))
    replicas = conf.lightos_default_num_replicas
    if not specs.MIN_REPLICAS <= replicas <= specs.MAX_REPLICAS:
        problems.append(translate.config_error(
            'lightos_default_num_replicas', replicas, 'use 1, 2 or 3'))
    ca_path = conf.safe_get('driver_ssl_cert_path')
    if conf.safe_get('driver_ssl_cert_verify') and ca_path and not (
            os.path.isfile(ca_path) and os.access(ca_path, os.R_OK)):
        problems.append(translate.config_error(
            'driver_ssl_cert_path', ca_path,
            'the CA bundle is not a readable file; put the PEM file of the '
            'CA that signed the LightOS API certificates there, or unset '
            'the option to use the system CA store'))
    if token_source is None:
        LOG.warning('Neither lightos_jwt nor lightos_jwt_file is set; this '
                    'only works with a cluster whose multi-tenancy is '
                    'disabled.')
        return problems
    for project, source in _token_sources(token_source):
        try:
            _check_token(project, source, now)
        except cinder_exception.InvalidConfigurationValue as exc:
            problems.append(exc)
    for message in token_file_warnings(token_source):
        LOG.warning('%s', message)
    return problems


def _token_sources(token_source):
    return token_source.sources() if token_source is not None else []


def token_file_warnings(token_source):
    """One warning per token file more open than the documented 0640."""
    found = []
    for project, source in _token_sources(token_source):
        if source.path:
            option = ('lightos_project_jwt_files[%s]' % project if project
                      else 'lightos_jwt_file')
            message = credentials.exposure_warning(source.path, option)
            if message:
                found.append(message)
    return found


def validate_config(conf, token_source, now=None):
    """Check the options before talking to the cluster.

    :raises cinder.exception.InvalidConfigurationValue: the first problem
        :func:`config_problems` finds, saying what to fix.
    """
    problems = config_problems(conf, token_source, now)
    if problems:
        raise problems[0]


def _check_token(project, source, now=None):
    if source.path:
        option = ('lightos_project_jwt_files' if project
                  else 'lightos_jwt_file')
        shown = source.path
    else:
        option = 'lightos_project_jwts' if project else 'lightos_jwt'
        shown = '***'
    whose = ' of project %s' % project if project else ''
    with translate.token_checked(option, shown, whose):
        token = source.get()
        if token is None:
            raise exception.TokenError('no token could be read')
        token.claims()
    expires = token.expires_at
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if expires is not None and expires <= now:
        raise translate.config_error(
            option, shown,
            'the JWT%s expired at %s; put a new token there'
            % (whose, expires.isoformat()))
