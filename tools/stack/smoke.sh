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
# The operator walkthrough on a running test cloud, with the openstack CLI:
# volume types with LightOS extra specs, create, snapshot, volume from
# snapshot, clone, extend and delete. After each step the simulated cluster's
# own state is checked (replica count, compression, project, size), and at the
# end nothing may be left on it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=simulator.sh
. "$STACK_TOOLS/simulator.sh"

[[ -f $OPENRC ]] || die "no $OPENRC: run tools/stack/stack.sh first"
# shellcheck source=/dev/null
. "$OPENRC"

PREFIX=smoke-$$
TENANT=$PREFIX-tenant

# status_is KIND NAME WANTED - KIND is "volume" or "volume snapshot".
status_is() {
    local status
    # shellcheck disable=SC2086
    status=$(openstack $1 show "$2" -f value -c status)
    [[ $status == error* ]] && die "$1 $2 went to $status"
    [[ $status == "$3" ]]
}

gone() {
    # shellcheck disable=SC2086
    ! openstack $1 show "$2" >/dev/null 2>&1
}

await() {
    wait_until "$1 $2 to be $3" 180 status_is "$@" || die "$1 $2 is not $3"
}

# cluster_volume PROJECT CINDER_NAME FIELD... - print the FIELDs of the
# cluster volume that backs a Cinder volume, as the LightOS API shows them.
cluster_volume() {
    local project=$1 id
    id=$(openstack volume show "$2" -f value -c id)
    shift 2
    sim_admin GET /state | python3 -c '
import json
import sys

project, name = sys.argv[1:3]
volumes = json.load(sys.stdin)["projects"].get(project, {}).get("volumes", [])
match = [v for v in volumes if v["name"] == name]
if len(match) != 1:
    sys.exit("%d volumes named %s in project %s" % (len(match), name, project))
print(" ".join(str(match[0].get(field, "-")) for field in sys.argv[3:]))
' "$project" "volume-$id" "$@"
}

expect_volume() {
    local name=$1 want=$2 project=$3 got
    shift 3
    got=$(cluster_volume "$project" "$name" "$@")
    [[ $got == "$want" ]] || die "cluster volume of $name: $* = '$got', expected '$want'"
    log "  on the cluster, $name: $* = $got"
}

# Every cluster object name this walkthrough may create, to check at the end.
CLUSTER_NAMES=()

# track KIND ID - remember the cluster names of a new volume or snapshot.
track() {
    [[ $2 =~ ^[0-9a-f-]{36}$ ]] || die "creating a $1 failed"
    if [[ $1 == volume ]]; then
        CLUSTER_NAMES+=("volume-$2" "for_clone_$2")
    else
        CLUSTER_NAMES+=("snapshot-$2")
    fi
}

GiB=1073741824
log "smoke: volume types"
sim_admin POST /projects "{\"name\": \"$TENANT\"}" >/dev/null
openstack volume type create "$PREFIX-gold" \
    --property volume_backend_name=lightos-1 \
    --property lightos:num_replicas=3 \
    --property compression='<is> True' -f value -c id >/dev/null
openstack volume type create "$PREFIX-tenant" \
    --property volume_backend_name=lightos-2 \
    --property lightos:num_replicas=1 \
    --property lightos:project_name="$TENANT" -f value -c id >/dev/null

log "smoke: create"
track volume "$(openstack volume create --size 1 --type "$PREFIX-gold" "$PREFIX-vol" -f value -c id)"
track volume "$(openstack volume create --size 1 --type "$PREFIX-tenant" "$PREFIX-tenant-vol" \
    -f value -c id)"
await volume "$PREFIX-vol" available
await volume "$PREFIX-tenant-vol" available
expect_volume "$PREFIX-vol" "3 true $GiB Available" default \
    replicaCount compression size state
# lightos-2 compresses unless the type says otherwise
expect_volume "$PREFIX-tenant-vol" "1 true $GiB" "$TENANT" replicaCount compression size
log "  $PREFIX-vol is on $(openstack volume show "$PREFIX-vol" -f value -c os-vol-host-attr:host)"

log "smoke: snapshot, volume from snapshot, clone"
track snapshot "$(openstack volume snapshot create --volume "$PREFIX-vol" "$PREFIX-snap" \
    -f value -c id)"
await "volume snapshot" "$PREFIX-snap" available
track volume "$(openstack volume create --snapshot "$PREFIX-snap" --size 2 "$PREFIX-from-snap" \
    -f value -c id)"
track volume "$(openstack volume create --source "$PREFIX-vol" --size 1 "$PREFIX-clone" \
    -f value -c id)"
await volume "$PREFIX-from-snap" available
await volume "$PREFIX-clone" available
expect_volume "$PREFIX-from-snap" "$((2 * GiB)) 3" default size replicaCount
expect_volume "$PREFIX-clone" "$GiB 3" default size replicaCount

log "smoke: extend"
openstack volume set --size 3 "$PREFIX-vol"
cluster_size_is() {
    [[ $(cluster_volume default "$1" size) == "$2" ]]
}
wait_until "the extend of $PREFIX-vol" 120 cluster_size_is "$PREFIX-vol" $((3 * GiB)) ||
    die "$PREFIX-vol was not extended on the cluster"
await volume "$PREFIX-vol" available
[[ $(openstack volume show "$PREFIX-vol" -f value -c size) == 3 ]] ||
    die "cinder does not show $PREFIX-vol with 3 GiB"
log "  $PREFIX-vol is 3 GiB in cinder and on the cluster"

log "smoke: delete"
openstack volume delete "$PREFIX-from-snap" "$PREFIX-clone" "$PREFIX-tenant-vol"
openstack volume snapshot delete "$PREFIX-snap"
for name in "$PREFIX-from-snap" "$PREFIX-clone" "$PREFIX-tenant-vol"; do
    wait_until "$name to go" 120 gone volume "$name" || die "$name was not deleted"
done
wait_until "$PREFIX-snap to go" 120 gone "volume snapshot" "$PREFIX-snap" ||
    die "$PREFIX-snap was not deleted"
openstack volume delete "$PREFIX-vol"
wait_until "$PREFIX-vol to go" 120 gone volume "$PREFIX-vol" || die "$PREFIX-vol was not deleted"
openstack volume type delete "$PREFIX-gold" "$PREFIX-tenant"

left=$(sim_admin GET /state | python3 -c '
import json
import sys

wanted = set(sys.argv[1:])
projects = json.load(sys.stdin)["projects"]
print(" ".join(sorted(
    "%s/%s" % (name, item["name"])
    for name, project in projects.items()
    for item in project["volumes"] + project["snapshots"]
    if item["name"] in wanted)))
' "${CLUSTER_NAMES[@]}")
[[ -z $left ]] || die "left on the cluster after the deletes: $left"
log "smoke: passed (nothing left on the cluster)"
