#!/usr/bin/env bash
# Create the streaming-replication role on the primary and allow it in pg_hba.conf.
# The official postgres image runs this once, as the postgres user, when it initialises an
# empty data directory (files in /docker-entrypoint-initdb.d).
set -euo pipefail

password="$(cat "${POSTGRES_REPLICATION_PASSWORD_FILE:?set POSTGRES_REPLICATION_PASSWORD_FILE}")"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=password="$password" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL

# Replication connections match only lines whose database field is `replication`; the
# image's own `host all all all scram-sha-256` line does not cover them.
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
