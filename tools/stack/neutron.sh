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
# neutron-server's API, the network service of the compute part (sourced by
# nova.sh; used when STACK_NOVA=1). Nova asks the network service about
# every server even when it has no ports: it lists networks, ports and
# extensions and reads the port quota; tempest lists and deletes each
# project's default security group. The real API answers these from its
# database: ML2 with the flat type driver and no mechanism driver (no
# agents, no networks), no service plugins, and no RPC server, since no
# agent ever consumes its casts. With no networks in a project, Nova boots
# its servers without NICs.

NEUTRON_ETC_DIR=$ETC_DIR/neutron
NEUTRON_CONF=$NEUTRON_ETC_DIR/neutron.conf
NEUTRON_ML2_CONF=$NEUTRON_ETC_DIR/plugins/ml2/ml2_conf.ini

# write_neutron_conf DB_URL_BASE - neutron.conf and ml2_conf.ini (the two
# files neutron's WSGI app reads from OS_NEUTRON_CONFIG_DIR by default) and
# api-paste.ini next to them.
write_neutron_conf() {
    mkdir -p "$NEUTRON_ETC_DIR/plugins/ml2" "$DATA_DIR/neutron/locks"
    cp "$STACK_VENV/etc/neutron/api-paste.ini" "$NEUTRON_ETC_DIR/"
    cat >"$NEUTRON_ML2_CONF" <<EOF
[ml2]
# Networks are never created here; ML2 needs one type driver to load.
type_drivers = flat
project_network_types =
mechanism_drivers =
extension_drivers =
EOF
    (
        umask 077
        cat >"$NEUTRON_CONF" <<EOF
[DEFAULT]
core_plugin = ml2
service_plugins =
auth_strategy = keystone
transport_url = rabbit://neutron:$RABBIT_PASSWORD@$STACK_HOST:$STACK_RABBIT_PORT/neutron
log_file = $LOG_DIR/neutron-api.log

[database]
connection = $1/neutron?charset=utf8mb4

[oslo_concurrency]
lock_path = $DATA_DIR/neutron/locks

$(keystone_authtoken_section neutron "$NOVA_PASSWORD")

# port events for Nova (never sent: no ports)
$(service_auth_section nova neutron "$NOVA_PASSWORD")
EOF
    )
}

# neutron_db_upgrade - neutron-db-manage upgrade heads (run in the
# background by start_nova while Placement and Nova set up theirs).
neutron_db_upgrade() {
    neutron-db-manage --config-file "$NEUTRON_CONF" --config-file "$NEUTRON_ML2_CONF" \
        upgrade heads >"$LOG_DIR/neutron-db-manage.log" 2>&1
}

# start_neutron - the API under gunicorn, one worker (its database must be
# upgraded already).
start_neutron() {
    start_daemon neutron-api env PYTHONPATH="$WSGI_DIR" OS_NEUTRON_CONFIG_DIR="$NEUTRON_ETC_DIR" \
        gunicorn --bind "$STACK_HOST:$STACK_NETWORK_PORT" --workers 1 --timeout 120 \
        --graceful-timeout 5 \
        --name neutron-api --access-logfile "$LOG_DIR/neutron-api-access.log" \
        neutron_api:application
}

# wait_neutron - until the API answers (its version document needs no
# token).
wait_neutron() {
    wait_ready neutron-api 120 curl -sf -o /dev/null "$NETWORK_URL/"
    log "network API: neutron-server $(neutron_version) at $NETWORK_URL (ML2, no agents, no networks)"
}

neutron_version() {
    "$STACK_VENV/bin/python" -c 'from importlib import metadata; print(metadata.version("neutron"))'
}
