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
# The compute walkthrough of a test cloud started with STACK_NOVA=1, through
# Nova's libvirt LightOS volume driver and os-brick's LightOS connector on
# each compute host:
#
# 1. multi-attach: three servers, two of them on one host; one multi-attach
#    LightOS volume attached to all three, then detached one server at a
#    time. The host's NQN leaves the ACL only with its last server.
# 2. live migration: a server booted from a LightOS volume, with the
#    multi-attach volume attached too, live-migrates to the other host. The
#    ACLs are sampled throughout: the destination's NQN must be on them
#    before the source's leaves.
#
# After each step it prints each guest's disk list (virsh domblklist) and
# the ACLs on the simulator, and checks them against the hosts' NQNs.
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

# acl VOLUME_ID... - for each volume, the NQNs on the ACL of its LightOS
# namespace, one line per volume.
acl() {
    sim_admin GET /state | python3 -c '
import json
import sys

acls = {}
for project in json.load(sys.stdin)["projects"].values():
    for volume in project["volumes"]:
        acls[volume["name"]] = " ".join(volume["acl"]["values"]) or "(empty)"
for volume_id in sys.argv[1:]:
    print(acls.get("volume-" + volume_id, "(no such volume)"))
' "$@"
}

# show SERVER... - each server's guest disks and the ACLs of the volumes.
show() {
    local server domain host volume
    for server in "$@"; do
        host=$(field server show "$server" -c OS-EXT-SRV-ATTR:host)
        domain=$(field server show "$server" -c OS-EXT-SRV-ATTR:instance_name)
        printf '%s (%s on %s), virsh domblklist:\n' "$server" "$domain" "$host"
        virsh -c "$(libvirt_uri "$host")" domblklist "$domain" | sed '/^$/d; s/^/    /'
    done
    for volume in "$VOLUME" ${BOOT_VOLUME:+"$BOOT_VOLUME"}; do
        printf 'ACL of volume-%s on the simulator: %s\n' "$volume" "$(acl "$volume")"
    done
}

# expect_acl VOLUME_ID NQN... - the volume's ACL holds exactly these NQNs.
expect_acl() {
    local volume=$1 want got
    shift
    want=$(printf '%s\n' "$@" | sort | xargs)
    # (LightOS keeps ALLOW_NONE on an ACL that admits no host)
    got=$(acl "$volume" | tr ' ' '\n' | { grep -vxE '\(empty\)|ALLOW_NONE' || true; } | sort | xargs)
    [[ $got == "$want" ]] || die "ACL of volume-$volume is '$got', expected '$want'"
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
    show "${SERVERS[@]}"
    for host; do
        nqns+=("$(nqn "$host")")
    done
    expect_acl "$VOLUME" "${nqns[@]}"
    got=$(disks "$server")
    ((got == want_disks)) || die "$server's guest has $got disks, expected $want_disks"
}

# boot NAME HOST ARGS... - create a server without NICs on HOST.
boot() {
    local name=$1 host=$2
    shift 2
    openstack server create --flavor 1 --nic none --availability-zone "nova:$host" \
        "$@" "$name" -f value -c id >/dev/null
}

wait_active() {
    local server
    for server; do
        wait_until "server $server to be ACTIVE" 180 status_is server "$server" ACTIVE ||
            die "server $server: $(field server show "$server" -c status -c fault)"
    done
}

# on_host SERVER HOST - the server is ACTIVE on HOST (a live migration ended).
on_host() {
    status_is server "$1" ACTIVE &&
        [[ $(field server show "$1" -c OS-EXT-SRV-ATTR:host) == "$2" ]]
}

# sample_acls FILE VOLUME_ID... - append each change of the volumes' ACLs to
# FILE, one line per change, until FILE.stop exists. It samples, it does
# not wait for anything: a live migration's overlap lasts about a second.
sample_acls() {
    local file=$1 last='' now
    shift
    while [[ ! -e $file.stop ]]; do
        now=$(acl "$@" | xargs -d '\n' printf '%s | ')
        if [[ $now != "$last" ]]; then
            printf '%s\n' "$now" >>"$file"
            last=$now
        fi
        sleep 0.2
    done
}

SERVERS=(smoke-stack-c1 smoke-stack-c1-b smoke-stack-c2)
log "compute walkthrough: three servers (two on stack-c1), one multi-attach volume"
boot smoke-stack-c1 stack-c1 --image "$IMAGE_REF"
boot smoke-stack-c1-b stack-c1 --image "$IMAGE_REF"
boot smoke-stack-c2 stack-c2 --image "$IMAGE_REF"
VOLUME=$(field volume create --size 1 --type multiattach smoke-multiattach -c id)
wait_active "${SERVERS[@]}"
wait_until "volume $VOLUME to be available" 60 status_is volume "$VOLUME" available
show "${SERVERS[@]}"
expect_acl "$VOLUME"

log "attach to smoke-stack-c1 (host NQN $(nqn stack-c1))"
step add smoke-stack-c1 1 2 stack-c1
log "attach to smoke-stack-c2 as well (host NQN $(nqn stack-c2))"
step add smoke-stack-c2 2 2 stack-c1 stack-c2
log "attach to smoke-stack-c1-b as well: a second server on stack-c1"
step add smoke-stack-c1-b 3 2 stack-c1 stack-c2
log "detach from smoke-stack-c1: the ACL keeps stack-c1 for smoke-stack-c1-b"
step remove smoke-stack-c1 2 1 stack-c1 stack-c2
log "detach from smoke-stack-c2: the ACL keeps stack-c1 alone"
step remove smoke-stack-c2 1 1 stack-c1
log "detach from smoke-stack-c1-b: the ACL is empty"
step remove smoke-stack-c1-b 0 1
openstack server delete --wait "${SERVERS[@]}"

log "live migration: a server booted from a LightOS volume, with the multi-attach volume attached"
BOOT_VOLUME=$(field volume create --size 1 --image "$IMAGE_REF" smoke-boot -c id)
wait_until "volume $BOOT_VOLUME to be available" 120 status_is volume "$BOOT_VOLUME" available ||
    die "volume $BOOT_VOLUME: $(field volume show "$BOOT_VOLUME" -c status)"
SERVERS=(smoke-migrate)
boot smoke-migrate stack-c1 --volume "$BOOT_VOLUME"
wait_active smoke-migrate
step add smoke-migrate 1 2 stack-c1
expect_acl "$BOOT_VOLUME" "$(nqn stack-c1)"

SAMPLES=$STACK_DIR/smoke-migration-acl
rm -f "$SAMPLES" "$SAMPLES.stop"
sample_acls "$SAMPLES" "$BOOT_VOLUME" "$VOLUME" &
SAMPLER=$!
log "live-migrate smoke-migrate from stack-c1 to stack-c2"
openstack server migrate --live-migration --host stack-c2 smoke-migrate
migrated=0
wait_until "smoke-migrate to be ACTIVE on stack-c2" 300 on_host smoke-migrate stack-c2 || migrated=$?
touch "$SAMPLES.stop"
wait "$SAMPLER"
printf 'ACLs during the migration (volume-%s | volume-%s):\n' "$BOOT_VOLUME" "$VOLUME"
sed 's/^/    /' "$SAMPLES"
((migrated == 0)) ||
    die "smoke-migrate: $(field server show smoke-migrate -c status -c OS-EXT-SRV-ATTR:host -c fault)"
show smoke-migrate
expect_acl "$BOOT_VOLUME" "$(nqn stack-c2)"
expect_acl "$VOLUME" "$(nqn stack-c2)"
got=$(disks smoke-migrate)
((got == 2)) || die "smoke-migrate's guest on stack-c2 has $got disks, expected 2"
if virsh -c "$(libvirt_uri stack-c1)" list --name | grep -q .; then
    die "stack-c1 still runs a guest: $(virsh -c "$(libvirt_uri stack-c1)" list --name | xargs)"
fi
# Both hosts had each volume at once before the source let go.
both="$(nqn stack-c1) $(nqn stack-c2)|$(nqn stack-c2) $(nqn stack-c1)"
grep -Eq "^($both) \| ($both) \| $" "$SAMPLES" ||
    die "no sample shows both hosts on both ACLs during the migration"

openstack server delete --wait smoke-migrate
for volume in "$VOLUME" "$BOOT_VOLUME"; do
    wait_until "volume $volume to be detached" 120 status_is volume "$volume" available
done
openstack volume delete "$VOLUME" "$BOOT_VOLUME"
log "compute walkthrough OK"
