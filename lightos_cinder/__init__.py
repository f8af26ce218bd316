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

"""Cinder volume driver for Lightbits LightOS NVMe/TCP storage."""

import pbr.version

# The package's release version (from the git tag, by pbr).
__version__ = pbr.version.VersionInfo('lightos-cinder').version_string()

# The driver's version as Cinder sees it (driver_version in the volume
# stats, the volume service list): it continues the version history of
# Cinder's in-tree LightOS driver, whose last version was 2.x, and changes
# only when the driver's behaviour towards Cinder changes.
DRIVER_VERSION = '3.0.0'
