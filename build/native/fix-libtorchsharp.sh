#!/usr/bin/env bash
# Makes TorchSharp's libLibTorchSharp.so load where the system libstdc++ lacks GLIBCXX_3.4.32.
# Edits only the copy in DIR (a build output), never the NuGet package or system files.
#   fix-libtorchsharp.sh --dir DIR [--libstdcxx PATH] [--tools TOOLDIR]
# TOOLDIR: where the helper tools are compiled (default: .bin beside this script; the NuGet package passes a folder
# under the consuming project's obj/, since the package folder may be read-only or shared).
# Prints one line: "skipped: ..." (system libstdc++ has the version), "patched: DIR" or
# "already patched: DIR". Exit 1 with one line on stderr when it cannot proceed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="" ; libstdcxx="" ; tools=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --libstdcxx) libstdcxx="$2"; shift 2 ;;
    --tools) tools="$2"; shift 2 ;;
    *) echo "fix-libtorchsharp: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$dir" ] || { echo "fix-libtorchsharp: --dir is required" >&2; exit 2; }
lib="$dir/libLibTorchSharp.so"
[ -f "$lib" ] || { echo "fix-libtorchsharp: no libLibTorchSharp.so in $dir" >&2; exit 1; }
ver=GLIBCXX_3.4.32
sym=_ZSt21ios_base_library_initv
shim=libjano-ios-shim.so

if [ -z "$libstdcxx" ]; then
  # Read the whole cache first: an early-exiting reader would SIGPIPE ldconfig and fail under pipefail.
  cache="$(/sbin/ldconfig -p 2>/dev/null || true)"
  libstdcxx="$(printf '%s\n' "$cache" | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {print $NF; found=1}')"
  [ -n "$libstdcxx" ] || libstdcxx="$(printf '%s\n' "$cache" | awk '/libstdc\+\+\.so\.6/ && !found {print $NF; found=1}')"
fi
[ -f "$libstdcxx" ] || { echo "fix-libtorchsharp: cannot find the system libstdc++.so.6" >&2; exit 1; }
if grep -qa "$ver" "$libstdcxx"; then
  echo "skipped: $libstdcxx provides $ver"
  exit 0
fi
if [ -f "$dir/$shim" ] && grep -qa "$shim" "$lib"; then
  echo "already patched: $dir"
  exit 0
fi

[ -n "$tools" ] || tools="$here/.bin"
mkdir -p "$tools"
if [ ! -x "$tools/elf-weak-verneed" ] || [ "$here/elf-weak-verneed.c" -nt "$tools/elf-weak-verneed" ]; then
  gcc -O2 -o "$tools/elf-weak-verneed.tmp.$$" "$here/elf-weak-verneed.c" && mv -f "$tools/elf-weak-verneed.tmp.$$" "$tools/elf-weak-verneed"
fi
if [ ! -f "$tools/$shim" ] || [ "$here/ios-init-shim.cpp" -nt "$tools/$shim" ]; then
  g++ -O2 -shared -fPIC -o "$tools/$shim.tmp.$$" "$here/ios-init-shim.cpp" && mv -f "$tools/$shim.tmp.$$" "$tools/$shim"
fi
if ! command -v patchelf >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get install -y -qq patchelf >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq patchelf >/dev/null 2>&1; }) \
      || { echo "fix-libtorchsharp: apt-get install patchelf failed" >&2; exit 1; }
  else
    echo "fix-libtorchsharp: patchelf is missing; install it (apt-get install patchelf) and rebuild" >&2; exit 1
  fi
fi

tmp="$dir/.libLibTorchSharp.so.patching"
trap 'rm -f "$tmp"' EXIT
cp "$lib" "$tmp"
"$tools/elf-weak-verneed" "$tmp" "$ver" >/dev/null
patchelf --clear-symbol-version "$sym" "$tmp"
patchelf --add-needed "$shim" "$tmp"
cp "$tools/$shim" "$dir/$shim"
mv -f "$tmp" "$lib"
echo "patched: $dir"
