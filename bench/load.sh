#!/usr/bin/env bash
# Load harness: callctl against Kamailio on this machine (see bench/load.py --help).
#   ./bench/load.sh            full run (about 15 minutes)
#   ./bench/load.sh --quick    under 5 minutes once built
# Installs SIPp (sip-tester) and Kamailio with its Lua modules when missing, builds
# callctl in release mode, then measures. Reports go to results/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v kamailio >/dev/null 2>&1 || need+=(kamailio)
[ -e /usr/lib/x86_64-linux-gnu/kamailio/modules/app_lua.so ] || \
    ls /usr/lib/*/kamailio/modules/app_lua.so >/dev/null 2>&1 || need+=(kamailio-lua-modules)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian package starts a kamailio service on 5060; the harness runs its own.
if command -v systemctl >/dev/null 2>&1; then
    systemctl stop kamailio >/dev/null 2>&1 || true
fi
pkill -x kamailio >/dev/null 2>&1 || true

cargo build --release --locked -p callctl
# The binary just built (honours CARGO_TARGET_DIR); a later --callctl-bin still wins.
bin="${CARGO_TARGET_DIR:-target}/release/callctl"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
exec python3 bench/load.py --callctl-bin "$bin" "$@"
