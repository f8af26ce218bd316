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
# The compute walkthrough of a test cloud started with STACK_NOVA=1: a server
# on each compute host, one multi-attach LightOS volume attached to both
# through Nova (Nova's libvirt LightOS volume driver and os-brick's LightOS
# connector on each host), then detached again one server at a time. After
# each step it prints each guest's disk list (virsh domblklist) and the
# volume's ACL on the simulator next to each host's NQN, and checks them.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=simulator.sh
. "$STACK_TOOLS/simulator.sh"
# shellcheck source-path=SCRIPTDIR source=nova.sh
. "$STACK_TOOLS/nova.sh"

nova_running || die "no compute service: bring the stack up with STACK_NOVA=1"
# shellcheck source=/dev/null
. "$OPENRC"
# shellcheck source=/dev/null
. "$NOVA_IMAGES_FILE"
# multi-attach needs 2.60, servers without NICs 2.37
export OS_COMPUTE_API_VERSION=2.74

field() {
    openstack "$@" -f value
}

status_is() {
    [[ $(field "$1" show "$2" -c status) == "$3" ]]
}

# acl VOLUME_ID - the NQNs on the ACL of the volume's LightOS namespace.
acl() {
    sim_admin GET /state | python3 -c '
import json
import sys

for project in json.load(sys.stdin)["projects"].values():
    for volume in project["volumes"]:
        if volume["name"] == "volume-" + sys.argv[1]:
            print(" ".join(volume["acl"]["values"]) or "(empty)")
' "$1"
}

# show SERVER... - each server's guest disks and the volume's ACL.
show() {
    local server domain host
    for server in "$@"; do
        host=$(field server show "$server" -c OS-EXT-SRV-ATTR:host)
        domain=$(field server show "$server" -c OS-EXT-SRV-ATTR:instance_name)
        printf '%s (%s on %s), virsh domblklist:\n' "$server" "$domain" "$host"
        virsh -c "$(libvirt_uri "$host")" domblklist "$domain" | sed '/^$/d; s/^/    /'
    done
    printf 'ACL of volume-%s on the simulator: %s\n' "$VOLUME" "$(acl "$VOLUME")"
}

# expect_acl NQN... - the volume's ACL holds exactly these NQNs.
expect_acl() {
    local want got
    want=$(printf '%s\n' "$@" | sort | xargs)
    # (LightOS keeps ALLOW_NONE on an ACL that admits no host)
    got=$(acl "$VOLUME" | tr ' ' '\n' | { grep -vxE '\(empty\)|ALLOW_NONE' || true; } | sort | xargs)
    [[ $got == "$want" ]] || die "ACL of volume-$VOLUME is '$got', expected '$want'"
}

# disks SERVER - the number of the guest's block devices.
disks() {
    local host domain
    host=$(field server show "$1" -c OS-EXT-SRV-ATTR:host)
    domain=$(field server show "$1" -c OS-EXT-SRV-ATTR:instance_name)
    virsh -c "$(libvirt_uri "$host")" domblklist "$domain" | grep -c '^ *vd'
}

nqn() {
    cat "$ETC_DIR/nvme-$1/hostnqn"
}

# attachments_are COUNT - the volume has COUNT attachments and is no longer
# attaching or detaching.
attachments_are() {
    local want=in-use
    ((${1} > 0)) || want=available
    status_is volume "$VOLUME" "$want" &&
        [[ $(field volume show "$VOLUME" -c attachments | grep -o server_id | wc -l) == "$1" ]]
}

# step add|remove SERVER COUNT DISKS [HOST...] - attach the volume to
# SERVER (or detach it) through Nova; then the volume has COUNT
# attachments, SERVER's guest DISKS disks and the ACL the NQNs of HOST...
step() {
    local action=$1 server=$2 count=$3 want_disks=$4 host nqns=() got
    shift 4
    openstack server "$action" volume "$server" "$VOLUME"
    # a detach waits for the guest to release the disk (Nova retries the
    # unplug every 20 s while the guest is still booting)
    wait_until "$count attachments of volume $VOLUME" 300 attachments_are "$count" ||
        die "volume $VOLUME: $(field volume show "$VOLUME" -c status -c attachments)"
    show smoke-stack-c1 smoke-stack-c2
    for host; do
        nqns+=("$(nqn "$host")")
    done
    expect_acl "${nqns[@]}"
    got=$(disks "$server")
    ((got == want_disks)) || die "$server's guest has $got disks, expected $want_disks"
}

log "compute walkthrough: two servers, one multi-attach volume"
for host in "${NOVA_HOSTS[@]}"; do
    openstack server create --image "$IMAGE_REF" --flavor 1 --nic none \
        --availability-zone "nova:$host" "smoke-$host" -f value -c id >/dev/null
done
VOLUME=$(field volume create --size 1 --type multiattach smoke-multiattach -c id)
for host in "${NOVA_HOSTS[@]}"; do
    wait_until "server smoke-$host to be ACTIVE" 180 status_is server "smoke-$host" ACTIVE ||
        die "server smoke-$host: $(field server show "smoke-$host" -c status -c fault)"
done
wait_until "volume $VOLUME to be available" 60 status_is volume "$VOLUME" available
show smoke-stack-c1 smoke-stack-c2
expect_acl

log "attach to smoke-stack-c1 (host NQN $(nqn stack-c1))"
step add smoke-stack-c1 1 2 stack-c1
log "attach to smoke-stack-c2 as well (host NQN $(nqn stack-c2))"
step add smoke-stack-c2 2 2 stack-c1 stack-c2
log "detach from smoke-stack-c1: the ACL keeps stack-c2"
step remove smoke-stack-c1 1 1 stack-c2
log "detach from smoke-stack-c2: the ACL is empty"
step remove smoke-stack-c2 0 1

openstack server delete --wait smoke-stack-c1 smoke-stack-c2
openstack volume delete "$VOLUME"
log "compute walkthrough OK"
