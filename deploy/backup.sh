#!/bin/sh
# A whole-installation backup (docs/operations.md, "Backup and restore"): the PostgreSQL database
# (pg_dump, custom format) and the data directory's evidence files, into DEST, owner-readable only.
# Reads PARFLOW_DATABASE_URL and PARFLOW_DATA_DIR from the environment (e.g. the service's env file).
# Usage: deploy/backup.sh DEST
set -eu
dest=${1:?usage: backup.sh DEST}
: "${PARFLOW_DATABASE_URL:?set PARFLOW_DATABASE_URL (postgresql+psycopg://...)}"
: "${PARFLOW_DATA_DIR:?set PARFLOW_DATA_DIR}"
umask 077
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dest"
# SQLAlchemy's driver suffix is not part of a libpq address
pg_url=$(printf '%s' "$PARFLOW_DATABASE_URL" | sed 's|^postgresql+[a-z0-9]*://|postgresql://|')
pg_dump --format=custom --no-owner --file="$dest/parflow-$stamp.dump" "$pg_url"
mkdir -p "$PARFLOW_DATA_DIR/evidence"
tar -C "$PARFLOW_DATA_DIR" -czf "$dest/parflow-data-$stamp.tar.gz" evidence
echo "$dest/parflow-$stamp.dump"
echo "$dest/parflow-data-$stamp.tar.gz"
