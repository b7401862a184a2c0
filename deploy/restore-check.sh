#!/bin/sh
# Proves a backup restores: loads DUMP into a fresh scratch database on SERVER, unpacks DATA_TAR
# into a scratch data directory, brings the schema to this version's (`parflow db upgrade`) and
# runs `parflow audit verify` on every campaign. The scratch database is dropped at the end.
# Usage: deploy/restore-check.sh DUMP DATA_TAR SERVER
#   SERVER: a libpq address of the server (any existing database on it), e.g.
#           postgresql://postgres@127.0.0.1:5432/postgres (the role must be allowed CREATEDB)
set -eu
dump=${1:?usage: restore-check.sh DUMP DATA_TAR SERVER}
data_tar=${2:?usage: restore-check.sh DUMP DATA_TAR SERVER}
server=${3:?usage: restore-check.sh DUMP DATA_TAR SERVER}
parflow=${PARFLOW_BIN:-parflow}
scratch_db="parflow_restore_check_$$"
scratch_dir=$(mktemp -d)
scratch_url=$(printf '%s' "$server" | sed "s|/[^/?]*\(?.*\)\{0,1\}\$|/$scratch_db\1|")
cleanup() {
    psql "$server" -q -c "DROP DATABASE IF EXISTS $scratch_db" >/dev/null 2>&1 || true
    rm -rf "$scratch_dir"
}
trap cleanup EXIT
psql "$server" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $scratch_db"
pg_restore --no-owner --exit-on-error --dbname="$scratch_url" "$dump"
tar -C "$scratch_dir" -xzf "$data_tar"
export PARFLOW_DATA_DIR="$scratch_dir"
export PARFLOW_DATABASE_URL=$(printf '%s' "$scratch_url" | sed 's|^postgresql://|postgresql+psycopg://|')
"$parflow" db upgrade
campaigns=$(psql "$scratch_url" -At -c "SELECT code FROM campaign ORDER BY code")
if [ -z "$campaigns" ]; then
    echo "restore-check: the backup holds no campaign" >&2
    exit 1
fi
for code in $campaigns; do
    "$parflow" audit verify "$code"
done
echo "restore-check: $(printf '%s\n' "$campaigns" | wc -l) campaign(s) restored and verified; evidence files: $(find "$scratch_dir/evidence" -type f | wc -l)"
