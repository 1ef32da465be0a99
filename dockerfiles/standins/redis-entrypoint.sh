#!/bin/sh
# Entrypoint of builder's local redis stand-in, used like the official image:
# `redis-server --maxmemory 256mb ...` as CMD, data in /data, server running as `redis`.
set -eu

# `docker run IMAGE --maxmemory 64mb` or `IMAGE /etc/redis.conf` mean redis-server, as in the official image.
case "${1:-}" in -* | *.conf) set -- redis-server "$@" ;; esac

if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis:redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

# Debian's redis-server keeps upstream's protected mode, which refuses clients from other
# containers; the official image builds it off. Put the flag first so the user's flags win.
# With a config file the file must come first and then governs protected mode itself.
if [ "${1:-}" = redis-server ]; then
    shift
    case "${1:-}" in
        "" | -*) set -- redis-server --protected-mode no "$@" ;;
        *) set -- redis-server "$@" ;;
    esac
fi
exec "$@"
