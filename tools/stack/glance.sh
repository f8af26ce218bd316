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
# Glance, the test cloud's image service (sourced after lib.sh; used when
# STACK_GLANCE=1): glance-api served by gunicorn on loopback with the file
# store under $GLANCE_DATA_DIR, Keystone authentication and its own MariaDB
# database, plus two small raw images for tempest's image_ref and
# image_ref_alt. Cinder inspects each image it copies to a volume with
# qemu-img (install.sh installs qemu-utils when STACK_GLANCE=1).

GLANCE_ETC_DIR=$ETC_DIR/glance
GLANCE_CONF=$GLANCE_ETC_DIR/glance-api.conf
GLANCE_DATA_DIR=$DATA_DIR/glance
GLANCE_URL=http://$STACK_HOST:$STACK_GLANCE_PORT
# The IDs of the images tempest uses (IMAGE_REF, IMAGE_REF_ALT); written by
# start_glance, read by tempest.sh.
GLANCE_IMAGES_FILE=$GLANCE_ETC_DIR/images.env
# Size of each test image: raw bytes, copied into 1 GiB volumes.
GLANCE_IMAGE_MIB=1

# glance_running - true when this stack's glance-api runs and its images
# were uploaded.
glance_running() {
    pidfile_pid glance-api >/dev/null && [[ -s $GLANCE_IMAGES_FILE ]]
}

# glance_keystone_commands - `openstack` interactive commands that register
# the glance service user, the image service and its endpoints.
glance_keystone_commands() {
    cat <<EOF
user create --domain default --password $GLANCE_PASSWORD glance
role add --project service --user glance admin
role add --project service --user glance service
service create --name glance image
endpoint create --region RegionOne image public $GLANCE_URL
endpoint create --region RegionOne image internal $GLANCE_URL
endpoint create --region RegionOne image admin $GLANCE_URL
EOF
}

# write_glance_conf DB_URL_BASE - glance-api.conf for the file store.
write_glance_conf() {
    mkdir -p "$GLANCE_ETC_DIR" "$GLANCE_DATA_DIR"/{images,staging,locks}
    (
        umask 077
        cat >"$GLANCE_CONF" <<EOF
[DEFAULT]
log_file = $LOG_DIR/glance-api.log
node_staging_uri = file://$GLANCE_DATA_DIR/staging
show_image_direct_url = False

[database]
connection = $1/glance?charset=utf8mb4

[glance_store]
stores = file
default_store = file
filesystem_store_datadir = $GLANCE_DATA_DIR/images

[oslo_concurrency]
lock_path = $GLANCE_DATA_DIR/locks

[paste_deploy]
flavor = keystone
# pip puts it under the venv, not /etc/glance
config_file = $STACK_VENV/etc/glance/glance-api-paste.ini

$(keystone_authtoken_section glance "$GLANCE_PASSWORD")
EOF
    )
}

# start_glance DB_URL_BASE - sync glance's database, start glance-api, wait
# until it serves and upload the test images (the admin's credentials must
# be in the environment, and the image service registered in Keystone).
start_glance() {
    log "glance"
    write_glance_conf "$1"
    glance-manage --config-file "$GLANCE_CONF" db_sync >"$LOG_DIR/glance-manage.log" 2>&1 ||
        die "glance-manage db_sync failed; see $LOG_DIR/glance-manage.log"
    # glance.wsgi.api reads glance-api.conf from OS_GLANCE_CONFIG_DIR. An
    # upload of a 1 GiB volume holds a worker for its whole transfer.
    start_daemon glance-api env OS_GLANCE_CONFIG_DIR="$GLANCE_ETC_DIR" \
        gunicorn --bind "$STACK_HOST:$STACK_GLANCE_PORT" --workers 2 --timeout 600 \
        --name glance-api --access-logfile "$LOG_DIR/glance-api-access.log" \
        glance.wsgi.api:application
    wait_ready glance-api 120 curl -sf -o /dev/null "$GLANCE_URL/versions"
    upload_glance_images
}

# upload_glance_images - two public raw images of random bytes, their IDs in
# $GLANCE_IMAGES_FILE.
upload_glance_images() {
    local file=$GLANCE_DATA_DIR/stack-image.raw ids name
    head -c "$((GLANCE_IMAGE_MIB * 1024 * 1024))" /dev/urandom >"$file"
    # One client process for both (see stack.sh), checked below.
    openstack >"$LOG_DIR/glance-images.log" 2>&1 <<EOF || true
image create --disk-format raw --container-format bare --public --file $file stack-raw
image create --disk-format raw --container-format bare --public --file $file stack-raw-alt
EOF
    rm -f "$file"
    ids=()
    for name in stack-raw stack-raw-alt; do
        ids+=("$(openstack image list --name "$name" --status active -f value -c ID)")
    done
    if [[ ! ${ids[0]} =~ ^[0-9a-f-]{36}$ || ! ${ids[1]} =~ ^[0-9a-f-]{36}$ ]]; then
        cat "$LOG_DIR/glance-images.log" >&9
        die "uploading the test images to glance failed; see $LOG_DIR/glance-api.log"
    fi
    printf 'IMAGE_REF=%s\nIMAGE_REF_ALT=%s\n' "${ids[0]}" "${ids[1]}" >"$GLANCE_IMAGES_FILE"
    log "glance images: ${ids[*]}"
}
