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

"""Configuration read as cinder-volume reads it, and what it would refuse."""

import copy
import difflib
import functools
import glob
import os

from cinder.common import config as cinder_config
from cinder import objects
from cinder.volume import configuration as cinder_configuration
from cinder.volume import driver as cinder_driver
from oslo_config import cfg
from oslo_config import types
from oslo_utils import importutils

from lightos_cinder import options

DRIVER = 'lightos_cinder.driver.LightOSVolumeDriver'
IN_TREE_DRIVER = 'cinder.volume.drivers.lightos.LightOSVolumeDriver'
SHARED = cinder_configuration.SHARED_CONF_GROUP

# cinder-volume's backend_host; cinder.cmd.volume cannot be imported here
# since it monkey-patches the process at import.
_BACKEND_HOST_OPT = cfg.StrOpt('backend_host',
                               help='Backend override of host value.')


@functools.lru_cache(maxsize=None)
def _cinder_opts():
    """``(backend opts, DEFAULT opts)`` as cinder-volume registers them.

    The backend group gets the service's own options, the generic driver
    options and this driver's. cinder.volume.manager needs Cinder's objects
    registered before it can be imported.
    """
    objects.register_all()
    from cinder.volume import manager as cinder_manager

    backend = (cinder_manager.volume_backend_opts +
               cinder_driver.volume_opts + cinder_driver.iser_opts +
               cinder_driver.nvmeof_opts + cinder_driver.nvmet_opts +
               cinder_driver.scst_opts + cinder_driver.backup_opts +
               cinder_driver.image_opts + cinder_driver.fqdn_opts +
               [_BACKEND_HOST_OPT] + options.lightos_opts)
    default = (cinder_config.core_opts + cinder_config.global_opts +
               cinder_manager.volume_manager_opts)
    return tuple(backend), tuple(default)


_DATABASE_OPTS = [cfg.StrOpt('connection', secret=True)]


def load(config_files=(), config_dirs=()):
    """Parse like ``cinder-volume``: same sources, same option types.

    Without ``config_files``/``config_dirs`` oslo.config's defaults apply
    (``/etc/cinder/cinder.conf``, ``/etc/cinder/cinder.conf.d``), as for the
    service. A private ConfigOpts keeps the process's global one untouched.

    :raises oslo_config.cfg.Error: a file that is missing or not INI.
    """
    conf = cfg.ConfigOpts()
    conf.register_opts(copy.deepcopy(list(_cinder_opts()[1])))
    conf.register_opts(copy.deepcopy(_DATABASE_OPTS), group='database')
    args = []
    for path in config_files:
        args += ['--config-file', path]
    for path in config_dirs:
        args += ['--config-dir', path]
    conf(args, project='cinder')
    return conf


class BackendConf(object):
    """One backend's options, looked up as Cinder's Configuration does.

    The backend section first, then ``[backend_defaults]``, then the
    option's default: what ``cinder.volume.configuration`` does with the
    global ConfigOpts, here on a private one.
    """

    def __init__(self, conf, backend):
        self.config_group = backend
        self._conf = conf
        self.append_config_values(_cinder_opts()[0])

    def append_config_values(self, volume_opts):
        for opt in volume_opts:
            for group in (SHARED, self.config_group):
                try:
                    self._conf.register_opt(copy.deepcopy(opt), group=group)
                except cfg.DuplicateOptError:
                    pass
            self._conf.set_default(opt.dest, None, group=self.config_group)

    def safe_get(self, name):
        try:
            return getattr(self, name)
        except cfg.NoSuchOptError:
            return None

    def get(self, name, default=None):
        return getattr(self, name, default)

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        value = getattr(self._conf[self.config_group], name)
        if value is None:
            value = getattr(self._conf[SHARED], name)
        return value


def _files(conf):
    paths = list(conf.config_file or [])
    dirs = conf.config_dir or []
    for directory in ([dirs] if isinstance(dirs, str) else dirs):
        paths += sorted(glob.glob(os.path.join(directory, '*.conf')))
    return paths


def _sections(conf):
    """``{section: {key: path}}`` of every file the configuration read."""
    found = {}
    for path in _files(conf):
        sections = {}
        try:
            cfg.ConfigParser(path, sections).parse()
        except (OSError, cfg.ParseError):
            continue
        for section, values in sections.items():
            for key in values:
                found.setdefault(section, {})[key] = path
    return found


def _known_names(opts):
    names = set()
    for opt in opts:
        names.add(opt.dest)
        names.update(d.name for d in opt.deprecated_opts if d.name)
    return names


def _closest(name, candidates):
    close = difflib.get_close_matches(name, sorted(candidates), n=1,
                                      cutoff=0.8)
    return close[0] if close else None


def _expected(opt):
    """What an option takes, in the words of an operator."""
    kind = opt.type
    if isinstance(kind, types.List):
        item = kind.item_type
        if isinstance(item, types.IPAddress):
            return ('comma-separated IP addresses (host names go in '
                    'lightos_api_hostnames)')
        return 'a comma-separated list'
    if isinstance(kind, types.Dict):
        return 'comma-separated key:value pairs'
    if isinstance(kind, types.Boolean):
        return 'true or false'
    if isinstance(kind, (types.Integer, types.Float)):
        word = ('a whole number' if isinstance(kind, types.Integer)
                else 'a number')
        if kind.min is not None and kind.max is not None:
            return '%s from %s to %s' % (word, kind.min, kind.max)
        if kind.min is not None:
            return '%s of at least %s' % (word, kind.min)
        return word
    return 'a valid value'


def value_error_detail(exc):
    """What oslo.config says is wrong with a value, without its location."""
    return str(exc).rsplit('is not valid: ', 1)[-1]


def _where(conf, opt, group):
    try:
        location = conf.get_location(opt.dest, group)
    except (cfg.Error, ValueError):
        return ''
    return ' (%s)' % location.detail if location and location.detail else ''


def value_problems(conf, backend):
    """``[(status, option, message)]`` for values oslo.config refuses.

    A bad value in [backend_defaults] that the backend section overrides
    is only a warning: this backend never reads it (other backends do).
    """
    problems = []
    for opt in _cinder_opts()[0]:
        overridden = False
        for group in (backend, SHARED):
            try:
                overridden = overridden or (
                    getattr(conf[group], opt.dest) is not None)
            except (cfg.ConfigFileValueError, ValueError) as exc:
                where = _where(conf, opt, group)
                message = ('option %s in [%s]%s is not valid (%s); set it '
                           'to %s' % (opt.dest, group, where,
                                      value_error_detail(exc), _expected(opt)))
                if group == SHARED and overridden:
                    problems.append(('WARN', opt.dest, message + ' ([%s] '
                                     'sets its own value)' % backend))
                else:
                    problems.append(('FAIL', opt.dest, message))
    return problems


def _unknown_keys(sections, backend):
    problems = []
    backend_names = _known_names(_cinder_opts()[0])
    lightos_names = _known_names(options.lightos_opts)
    for key, path in sorted(sections.get(backend, {}).items()):
        if key in backend_names:
            continue
        guess = _closest(key, backend_names)
        if guess or key.startswith('lightos_'):
            problems.append(('FAIL', key, 'option %s in [%s] (%s) is not an '
                             'option of cinder-volume or of the LightOS '
                             'driver and is ignored; %s' % (
                                 key, backend, path,
                                 'did you mean %s?' % guess if guess
                                 else 'remove it')))
        else:
            problems.append(('WARN', key, 'option %s in [%s] (%s) is not an '
                             'option of cinder-volume or of the LightOS '
                             'driver; it is ignored' % (key, backend, path)))
    for key, path in sorted(sections.get(SHARED, {}).items()):
        if key.startswith('lightos_') and key not in lightos_names:
            guess = _closest(key, lightos_names)
            problems.append(('FAIL', key, 'option %s in [%s] (%s) is not an '
                             'option of the LightOS driver and is ignored; '
                             '%s' % (key, SHARED, path,
                                     'did you mean %s?' % guess if guess
                                     else 'remove it')))
    for key, path in sorted(sections.get('DEFAULT', {}).items()):
        if key in lightos_names:
            problems.append(('FAIL', key, 'option %s is in [DEFAULT] (%s), '
                             'which cinder-volume does not read for a '
                             'backend; move it to [%s] or [%s]' % (
                                 key, path, backend, SHARED)))
    return problems


def _driver_problem(backend_conf, backend):
    try:
        name = backend_conf.volume_driver
    except (cfg.ConfigFileValueError, ValueError):
        return None
    if name == DRIVER:
        return None
    if name == IN_TREE_DRIVER:
        return ('WARN', 'volume_driver = %s in [%s] is Cinder\'s in-tree '
                'driver; these checks are of %s (see the upgrade guide)' % (
                    name, backend, DRIVER))
    try:
        importutils.import_class(name)
    except (ImportError, ValueError, AttributeError) as exc:
        guess = _closest(name, [DRIVER, IN_TREE_DRIVER])
        return ('FAIL', 'volume_driver = %s in [%s] cannot be imported (%s); '
                'cinder-volume would not start the backend; set it to %s' % (
                    name, backend, exc.__class__.__name__, guess or DRIVER))
    return ('FAIL', 'volume_driver = %s in [%s] is not the LightOS driver; '
            'set it to %s' % (name, backend, DRIVER))


def problems(conf, backend):
    """``[(status, option, message)]``: what cinder-volume would not take.

    Covers the service's view (enabled_backends, the backend section,
    volume_driver, option names and values); the driver's own start-up
    checks run afterwards on the same configuration.
    """
    found = []
    sections = _sections(conf)
    enabled = [b for b in (conf.enabled_backends or []) if b]
    if backend not in enabled:
        found.append(('FAIL', 'enabled_backends', '[DEFAULT] '
                      'enabled_backends = %s does not list %s, so '
                      'cinder-volume does not start it; add %s' % (
                          ','.join(enabled) or '(unset)', backend, backend)))
    if backend not in sections:
        guess = _closest(backend, sections)
        found.append(('FAIL', backend, 'no [%s] section in %s; %s' % (
            backend, ', '.join(_files(conf)) or 'the configuration',
            'did you mean [%s]?' % guess if guess
            else 'add the backend section')))
        return found
    backend_conf = BackendConf(conf, backend)
    found.extend(value_problems(conf, backend))
    driver = _driver_problem(backend_conf, backend)
    if driver:
        found.append((driver[0], 'volume_driver', driver[1]))
    found.extend(_unknown_keys(sections, backend))
    return found
