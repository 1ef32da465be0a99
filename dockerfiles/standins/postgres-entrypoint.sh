#!/bin/sh
# Entrypoint of builder's local postgres stand-in. It keeps the official image's contract
# (POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, PGDATA, /docker-entrypoint-initdb.d)
# so that compose files and healthchecks serve both images unchanged.
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_PASSWORD:=}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
: "${POSTGRES_INITDB_ARGS:=}"
export PGDATA

# The init-time server listens only on this private socket, so healthchecks
# (pg_isready on the default socket) stay red until the real server is up.
INIT_SOCKET=/tmp/postgres-init

die() { echo "postgres stand-in: $*" >&2; exit 1; }

# Fix ownership as root, then come back as postgres (the official image uses gosu).
drop_root() {
    mkdir -p "$PGDATA" /var/run/postgresql
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chown postgres:postgres /var/run/postgresql
    chmod 700 "$PGDATA"
    chmod 2775 /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
}

run_initdb() {
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
        die "the database is not initialised and POSTGRES_PASSWORD is empty: set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)"
    fi
    set -- --username="$POSTGRES_USER" --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD"
    pwfile=""
    if [ -n "$POSTGRES_PASSWORD" ]; then
        pwfile=$(mktemp)
        printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
        set -- "$@" --pwfile="$pwfile"
    fi
    # POSTGRES_INITDB_ARGS is a list of flags, split on spaces as in the official image.
    # shellcheck disable=SC2086
    initdb "$@" $POSTGRES_INITDB_ARGS
    [ -z "$pwfile" ] || rm -f "$pwfile"
    printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
    printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"
}

init_psql() {
    psql -v ON_ERROR_STOP=1 --no-psqlrc -q -h "$INIT_SOCKET" -U "$POSTGRES_USER" "$@"
}

# Executable scripts run, others are sourced (as in the official image).
run_shell_script() {
    if [ -x "$1" ]; then "$1"; return; fi
    # shellcheck disable=SC1090  # init scripts are the user's, known only at run time
    . "$1"
}

run_init_scripts() {
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh) run_shell_script "$f" ;;
            *.sql) init_psql -d "$POSTGRES_DB" -f "$f" ;;
            *.sql.gz) gunzip -c "$f" | init_psql -d "$POSTGRES_DB" ;;
            *) [ ! -e "$f" ] || echo "postgres stand-in: ignoring $f" ;;
        esac
    done
}

initialise() {
    run_initdb
    mkdir -p "$INIT_SOCKET"
    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories=$INIT_SOCKET" start
    if [ "$POSTGRES_DB" != postgres ]; then
        echo 'CREATE DATABASE :"db";' | init_psql -d postgres --set db="$POSTGRES_DB"
    fi
    PGHOST=$INIT_SOCKET PGUSER=$POSTGRES_USER PGDATABASE=$POSTGRES_DB run_init_scripts
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo "postgres stand-in: initialised $PGDATA for user $POSTGRES_USER, database $POSTGRES_DB"
}

# `docker run IMAGE -c shared_buffers=256MB` passes flags to postgres, as in the official image.
case "${1:-}" in -*) set -- postgres "$@" ;; esac
if [ "${1:-}" != postgres ]; then exec "$@"; fi
if [ "$(id -u)" = 0 ]; then drop_root "$@"; fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then initialise; fi
exec "$@"
