#!/bin/sh
# One-shot, from the temporalio/admin-tools image: creates Temporal's two PostgreSQL databases and
# brings both schemas to the version this image ships, which the temporalio/server image of the
# same version expects. Safe to run on every `up`: `create` accepts an existing database,
# `setup-schema -v 0.0` only adds the version tables, `update-schema` applies only missing versions.
# Connection from the environment, as temporal-sql-tool reads it: SQL_PLUGIN, SQL_HOST, SQL_PORT,
# SQL_USER, SQL_PASSWORD.
set -eu

# The admin-tools image keeps the schema here; outside it, point SCHEMA_DIR at the server module's
# schema/postgresql/v12 (as a build from go.temporal.io/server has it in the Go module cache).
SCHEMA_DIR="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

echo "Waiting for PostgreSQL at ${SQL_HOST}:${SQL_PORT}..."
attempt=1
until nc -z -w 5 "$SQL_HOST" "$SQL_PORT"; do
  if [ "$attempt" -ge 30 ]; then
    echo "PostgreSQL did not answer at ${SQL_HOST}:${SQL_PORT}" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

echo 'Temporal database (history, tasks, namespaces)...'
temporal-sql-tool --db temporal create
temporal-sql-tool --db temporal setup-schema -v 0.0
temporal-sql-tool --db temporal update-schema -d "$SCHEMA_DIR/temporal/versioned"

echo 'Visibility database (workflow lists and search attributes)...'
temporal-sql-tool --db temporal_visibility create
temporal-sql-tool --db temporal_visibility setup-schema -v 0.0
temporal-sql-tool --db temporal_visibility update-schema -d "$SCHEMA_DIR/visibility/versioned"

echo 'Temporal schema is up to date.'
