#!/usr/bin/env bash
# Installs the Debian packages Jano.NET needs; idempotent, skips what is already installed.
#   scripts/setup.sh                          patchelf, gcc/g++ (native fix), ffmpeg, dataset-fashion-mnist,
#                                             postgresql, chromium, chromium-driver (the jano serve tests)
#   scripts/setup.sh --with-python-fixtures   also what scripts/fixtures/*.py need (Debian's /usr/bin/python3)
# Installing needs root; 'apt-get update' runs only when a first install attempt fails.
set -euo pipefail

base=(patchelf gcc g++ ffmpeg dataset-fashion-mnist postgresql chromium chromium-driver)
python=(python3 python3-torch python3-scipy python3-skimage python3-sentencepiece python3-regex)

want=("${base[@]}")
for arg in "$@"; do
  case "$arg" in
    --with-python-fixtures) want+=("${python[@]}") ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=()
for p in "${want[@]}"; do
  installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#want[@]} packages present"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: missing ${missing[*]}; run as root (sudo bash scripts/setup.sh $*) or: apt-get install ${missing[*]}" >&2
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || { echo "setup.sh: missing ${missing[*]} and apt-get is not available" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "setup: installing ${missing[*]}"
if ! apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >"$log" 2>&1; then
  echo "setup: install failed, running apt-get update and retrying"
  if ! { apt-get update -q >>"$log" 2>&1 && apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >>"$log" 2>&1; }; then
    tail -n 20 "$log" >&2
    echo "setup.sh: apt-get install ${missing[*]} failed" >&2
    exit 1
  fi
fi
for p in "${missing[@]}"; do
  installed "$p" || { echo "setup.sh: $p is still not installed after apt-get" >&2; exit 1; }
done
echo "setup: installed ${missing[*]}"
