#!/bin/bash
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
#
# Install what the local test cloud needs: MariaDB, RabbitMQ and memcached
# from Debian packages (apt does not start them: the scripts do, by hand) and
# one virtualenv ($STACK_VENV) with Cinder, Keystone, Glance, tempest, the
# Cinder tempest plugin, the OpenStack client and this project. Idempotent:
# the pip step is skipped while the requirement files are unchanged.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APT_PACKAGES=(mariadb-server rabbitmq-server memcached curl)
if ((STACK_CLUSTER)); then
    # the cluster's coordination backend
    APT_PACKAGES+=(etcd-server)
fi
if ((STACK_GLANCE)); then
    # qemu-img: Cinder inspects every image it copies to a volume with it
    APT_PACKAGES+=(qemu-utils)
fi
if ((STACK_NOVA)); then
    # Nova's libvirt driver with QEMU (TCG) guests, Debian's libvirt Python
    # binding (linked into the venv below), and the guest: Debian's cloud
    # kernel and a busybox initramfs (tools/stack/nova.sh); config drives
    # (tempest attaches a volume to a server with one) are ISO images
    APT_PACKAGES+=(qemu-utils qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu
        libvirt-clients python3-libvirt busybox-static cpio linux-image-cloud-amd64
        genisoimage)
fi

mkdir -p "$STACK_DIR"
apt_log=$STACK_DIR/install-apt.log
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) != *" installed" ]]; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]})); then
    ((EUID == 0)) || die "missing Debian packages (${missing[*]}); install them as root"
    log "apt-get install ${missing[*]}"
    apt-get update -q >"$apt_log" 2>&1 || { cat "$apt_log" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" >>"$apt_log" 2>&1 || { tail -n 40 "$apt_log" >&2; exit 1; }
fi

if ((STACK_NOVA)) && ! id libvirt-qemu >/dev/null 2>&1; then
    # libvirtd's QEMU driver looks its default user up at start, even when
    # qemu.conf runs guests as root (libvirt-daemon-system would create it).
    useradd --system --user-group --no-create-home --home-dir /var/lib/libvirt \
        --shell /usr/sbin/nologin libvirt-qemu
fi

if [[ ! -x $STACK_VENV/bin/python ]]; then
    log "creating $STACK_VENV"
    python3 -m venv "$STACK_VENV"
fi

stamp_file=$STACK_VENV/.lightos-cinder-stack-requirements
stamp=$(cat "$STACK_TOOLS/requirements.txt" "$REPO_DIR/requirements.txt" | sha256sum)
if [[ ! -f $stamp_file || $(cat "$stamp_file") != "$stamp" ]]; then
    log "pip install (Cinder, Keystone, Glance, tempest, plugin, client; about a minute)"
    "$STACK_VENV/bin/pip" install -q -U pip setuptools wheel
    "$STACK_VENV/bin/pip" install -q -r "$STACK_TOOLS/requirements.txt" \
        -r "$REPO_DIR/requirements.txt"
    "$STACK_VENV/bin/pip" check
    printf '%s\n' "$stamp" >"$stamp_file"
fi

if ((STACK_NOVA)); then
    nova_stamp_file=$STACK_VENV/.lightos-cinder-stack-nova-requirements
    nova_stamp=$(cat "$STACK_TOOLS/requirements-nova.txt" | sha256sum)
    if [[ ! -f $nova_stamp_file || $(cat "$nova_stamp_file") != "$nova_stamp" ]]; then
        log "pip install (Nova, Placement)"
        "$STACK_VENV/bin/pip" install -q -r "$STACK_TOOLS/requirements-nova.txt"
        "$STACK_VENV/bin/pip" check
        printf '%s\n' "$nova_stamp" >"$nova_stamp_file"
    fi
    # libvirt-python from PyPI is a C build; Debian's binding is built for
    # this Python version.
    site_packages=$("$STACK_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    ln -sf /usr/lib/python3/dist-packages/libvirt*.py \
        /usr/lib/python3/dist-packages/libvirtmod*.so "$site_packages/"
    "$STACK_VENV/bin/python" -c 'import libvirt' ||
        die "Debian's libvirt binding does not load in $STACK_VENV"
fi

# This checkout, every time: the venv may last longer than one clone.
log "installing lightos-cinder from $REPO_DIR"
"$STACK_VENV/bin/pip" install -q --no-deps -e "$REPO_DIR"
log "install done"
