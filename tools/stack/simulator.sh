# shellcheck shell=bash
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
# The project's LightOS simulator as the test cloud's storage cluster (sourced
# after lib.sh): three HTTPS nodes with JWT authentication on their own
# loopback addresses, and its admin endpoint on 127.0.0.1. Its data plane is
# on: volumes keep their data in sparse files under $SIM_DATA_DIR, and its
# emulated discovery-client (127.0.0.1:$STACK_DISCOVERY_PORT, watching
# $DISCOVERY_DIR and the directories of further hosts) exposes the volumes
# os-brick attaches on this machine as block devices, so cinder-backup,
# Cinder's host-assisted copies and Nova's guests run for real.

SIM_WORKDIR=$DATA_DIR/simulator
SIM_DATA_DIR=$SIM_WORKDIR/data
DISCOVERY_DIR=$DATA_DIR/discovery.d
SIM_ADMIN_URL=http://$STACK_HOST:$STACK_SIM_ADMIN_PORT

# start_simulator [DIR...] - DIR: the discovery directory of a further host
# of this machine (a compute host), watched besides $DISCOVERY_DIR.
start_simulator() {
    log "lightos simulator"
    require_free_port "$STACK_HOST" "$STACK_SIM_ADMIN_PORT"
    require_free_port "$STACK_HOST" "$STACK_DISCOVERY_PORT"
    local nodes ip host_ip_args=() dir_args=(--discovery-dir "$DISCOVERY_DIR") dir
    nodes=$(tr ',' '\n' <<<"$STACK_SIM_IPS" | wc -l)
    mkdir -p "$SIM_WORKDIR" "$SIM_DATA_DIR" "$DISCOVERY_DIR"
    for dir; do
        dir_args+=(--discovery-dir "$dir")
    done
    # The IP-ACL check of the emulated host: the addresses os-brick reports
    # for it (read only, no socket is opened on them).
    for ip in $(host_ips); do
        host_ip_args+=(--host-ip "$ip")
    done
    start_daemon simulator lightos-cinder simulator \
        --nodes "$nodes" --ips "$STACK_SIM_IPS" --port "$STACK_SIM_PORT" --tls \
        --workdir "$SIM_WORKDIR" --admin-port "$STACK_SIM_ADMIN_PORT" \
        --create-delay-ms "$STACK_SIM_DELAY_MS" \
        --update-delay-ms "$STACK_SIM_DELAY_MS" \
        --delete-delay-ms "$STACK_SIM_DELAY_MS" \
        --data-dir "$SIM_DATA_DIR" "${dir_args[@]}" \
        --discovery-client-port "$STACK_DISCOVERY_PORT" "${host_ip_args[@]}"
    wait_ready simulator 60 sim_admin GET /info
    wait_ready simulator 30 curl -sf -o /dev/null -I \
        "http://$STACK_HOST:$STACK_DISCOVERY_PORT/metrics"
    [[ -s $SIM_WORKDIR/ca.pem && -s $SIM_WORKDIR/system.jwt ]] ||
        die "the simulator wrote no CA or token in $SIM_WORKDIR"
}

# host_ips - the addresses os-brick's LightOS connector reports for this
# host (non-loopback), one per line; none on a machine with loopback only.
host_ips() {
    python3 -c '
from os_brick.initiator.connectors import lightos
print("\n".join(lightos.LightOSConnector.get_ip_addresses()))
'
}

# sim_admin METHOD PATH [JSON_BODY] - call the simulator's admin endpoint.
sim_admin() {
    local args=(-sf -X "$1" "$SIM_ADMIN_URL$2")
    if (($# > 2)); then
        args+=(-H 'Content-Type: application/json' --data "$3")
    fi
    curl "${args[@]}"
}

# simulator_backend_section NAME REPLICAS COMPRESSION - a cinder.conf
# backend section for $STACK_VOLUME_DRIVER against the simulator.
simulator_backend_section() {
    cat <<EOS
[$1]
volume_driver = $STACK_VOLUME_DRIVER
volume_backend_name = $1
lightos_api_address = $STACK_SIM_IPS
lightos_api_port = $STACK_SIM_PORT
lightos_default_num_replicas = $2
lightos_default_compression_enabled = $3
EOS
    if [[ -z $(host_ips) ]]; then
        # os-brick reports no address, so no IP-ACL could admit this host.
        echo "lightos_use_ipacl = False"
    fi
    if [[ $STACK_VOLUME_DRIVER == cinder.volume.drivers.lightos.* ]]; then
        # Cinder's in-tree driver has no lightos_jwt_file and hands
        # driver_ssl_cert_verify straight to requests (no CA path), so it can
        # only talk to a simulator with a private CA without verification.
        cat <<EOS
lightos_jwt = $(cat "$SIM_WORKDIR/system.jwt")
driver_ssl_cert_verify = False
EOS
    else
        cat <<EOS
lightos_jwt_file = $SIM_WORKDIR/system.jwt
driver_ssl_cert_verify = True
driver_ssl_cert_path = $SIM_WORKDIR/ca.pem
EOS
    fi
}
