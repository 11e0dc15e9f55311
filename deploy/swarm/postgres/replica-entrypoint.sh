#!/usr/bin/env bash
# Entrypoint of a PostgreSQL streaming replica built on the official postgres image.
# On the first start (empty data directory) it copies the primary with pg_basebackup, which
# also writes standby.signal and primary_conninfo. Then it runs the image's entrypoint.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${PRIMARY_HOST:?set PRIMARY_HOST to the primary service name}"
: "${REPLICATION_SLOT:?set REPLICATION_SLOT to the slot name of this replica}"
: "${POSTGRES_REPLICATION_PASSWORD_FILE:?set POSTGRES_REPLICATION_PASSWORD_FILE}"
readonly WAIT_ATTEMPTS=60 WAIT_SECONDS=5

# The WAL receiver and pg_basebackup read the replication password from ~postgres/.pgpass,
# rewritten on every start so a rotated secret takes effect after a restart.
passfile=/var/lib/postgresql/.pgpass
printf '%s:5432:replication:replicator:%s\n' "$PRIMARY_HOST" \
  "$(cat "$POSTGRES_REPLICATION_PASSWORD_FILE")" >"$passfile"
chown postgres:postgres "$passfile"
chmod 0600 "$passfile"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"

  for attempt in $(seq 1 "$WAIT_ATTEMPTS"); do
    if gosu postgres pg_isready -q -h "$PRIMARY_HOST" -p 5432; then
      break
    fi
    if [ "$attempt" -eq "$WAIT_ATTEMPTS" ]; then
      echo "replica: primary $PRIMARY_HOST did not respond after $((WAIT_ATTEMPTS * WAIT_SECONDS)) s" >&2
      exit 1
    fi
    echo "replica: waiting for primary $PRIMARY_HOST (attempt $attempt of $WAIT_ATTEMPTS)"
    sleep "$WAIT_SECONDS"
  done

  basebackup=(gosu postgres pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA"
    -R -X stream -S "$REPLICATION_SLOT" --checkpoint=fast --progress)
  # The slot survives on the primary when a replica's volume is lost, so creating it may
  # fail with "already exists"; the copy then reuses it.
  if ! "${basebackup[@]}" --create-slot; then
    echo "replica: could not create slot $REPLICATION_SLOT; retrying with the existing slot" >&2
    rm -rf "${PGDATA:?}"/*
    "${basebackup[@]}"
  fi
fi

exec docker-entrypoint.sh "$@"
