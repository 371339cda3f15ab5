# Shared by the scripts: where the project is, and installing what is missing.
# Installing is idempotent and silent when everything is present.
set -euo pipefail
OUTAGEDESK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUTAGEDESK_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libboost-dev libboost-system-dev nlohmann-json3-dev libspdlog-dev libsqlite3-dev sqlite3 catch2 libssl-dev
  libgoogle-perftools-dev
  tzdata curl ca-certificates
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2; return 1; fi
}

# install_packages PKG...: installs the Debian packages that are not installed yet.
install_packages() {
  local missing=()
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then missing+=("$pkg"); fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >/dev/null
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_dependencies() { install_packages "${OUTAGEDESK_PACKAGES[@]}"; }

# What the browser tests (tests/e2e) need: Debian's Chromium, Node.js with npm
# (Debian's, unless a node is on the PATH already), and playwright-core from the
# lockfile, installed again only when node_modules is missing or the lockfile changed.
install_browser_test_tools() {
  install_packages chromium
  if ! command -v node >/dev/null; then install_packages nodejs npm
  elif ! command -v npm >/dev/null; then install_packages npm; fi
  local dir="$OUTAGEDESK_ROOT/tests/e2e" stamp want
  stamp="$dir/node_modules/.outagedesk-lock.sha256"
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  echo "installing: tests/e2e packages (npm ci)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" >"$stamp"
}

jobs_count() { nproc 2>/dev/null || echo 2; }
