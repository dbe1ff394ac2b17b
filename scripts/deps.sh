# Installs and starts what peerlab's tests need beyond the Rust toolchain, when it is
# missing: Debian's PostgreSQL (a throwaway cluster on port 55432) and Chromium with its
# driver. Sourced by scripts/test; safe to run again (every step checks first).

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -q >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "$@" >/dev/null
}

ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "scripts/test: installing chromium and chromium-driver from Debian" >&2
    apt_install chromium chromium-driver
  fi
  export PEERLAB_CHROMIUM="${PEERLAB_CHROMIUM:-$(command -v chromium)}"
  export PEERLAB_CHROMEDRIVER="${PEERLAB_CHROMEDRIVER:-$(command -v chromedriver)}"
}

PG_PORT="${PEERLAB_TEST_PG_PORT:-55432}"
PG_CLUSTER=peerlabtest

ensure_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null; then
    echo "scripts/test: installing PostgreSQL from Debian" >&2
    apt_install postgresql postgresql-client
  fi
  local version
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $2}' | grep -qx "$PG_CLUSTER"; then
    echo "scripts/test: creating PostgreSQL $version cluster '$PG_CLUSTER' on port $PG_PORT" >&2
    # A throwaway cluster for tests: trust on loopback, and no fsync (its data may be lost).
    as_root pg_createcluster "$version" "$PG_CLUSTER" -p "$PG_PORT" \
      -o fsync=off -o synchronous_commit=off -o full_page_writes=off -o max_connections=400 \
      -- --auth-local=trust --auth-host=trust >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v c="$PG_CLUSTER" '$2 == c {print $4}' | grep -qx online; then
    as_root pg_ctlcluster "$version" "$PG_CLUSTER" start
  fi
  for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 0.5
  done
  pg_isready -h 127.0.0.1 -p "$PG_PORT" >/dev/null
  export PEERLAB_TEST_PG="${PEERLAB_TEST_PG:-postgres://postgres@127.0.0.1:$PG_PORT/postgres}"
}

# Python tools for tests that check peerlab's output with independent parts (the
# `icalendar` package reads the calendar invitations; `aiosmtpd` is the real SMTP server
# e-mail goes to), in a virtualenv under target/.
PY_TOOLS="${PEERLAB_PY_TOOLS:-$PWD/target/pytools}"
PY_PACKAGES="icalendar==6.1.1 aiosmtpd==1.4.6"

ensure_python_tools() {
  if ! command -v python3 >/dev/null || ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    echo "scripts/test: installing python3 and python3-venv from Debian" >&2
    apt_install python3 python3-venv
  fi
  if [ ! -x "$PY_TOOLS/bin/python" ] || ! "$PY_TOOLS/bin/python" -c "import icalendar, aiosmtpd" 2>/dev/null; then
    echo "scripts/test: installing $PY_PACKAGES from PyPI into $PY_TOOLS" >&2
    python3 -m venv "$PY_TOOLS"
    "$PY_TOOLS/bin/pip" install -q --disable-pip-version-check $PY_PACKAGES
  fi
  export PEERLAB_PYTHON="$PY_TOOLS/bin/python"
}
