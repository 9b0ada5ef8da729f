#!/usr/bin/env bash
# Builds the SDK examples OUT OF TREE against the INSTALLED SDK and checks them.
#
#   .ci/sdk-examples.sh <source-dir> <build-dir>
#
# <build-dir> must already be configured and built. Steps:
#   1. cmake --install <build-dir> into a temporary prefix, and check the installed layout
#      (SDK headers, CMake package, test kit, conformance runner);
#   2. copy sdk/examples/* to a temporary directory outside the repository;
#   3. configure each with -DCMAKE_PREFIX_PATH=<prefix>, build it;
#   4. run each example's own tests (ctest), then the installed siemhub-conformance on each
#      plugin (with the example's conformance.json, when there is one: the runner replaces
#      @WORKDIR@ by a scratch directory given with --workdir);
#   5. run `siemhub plugins inspect` on each plugin, then load them into the real hub:
#      `siemhub plugins list` (runs their init) and `siemhub run` with the C source feeding the
#      C++ sink, checking events arrive;
#   6. install the SDK alone (`--component sdk`) into a second prefix, check it holds no hub,
#      then `siemhub new-plugin demo --kind source` (and sink, action) and the generated
#      project's own build and test commands from its README, against that prefix.
# Exits non-zero on the first failure.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <source-dir> <build-dir>" >&2
  exit 2
fi
SRC=$(cd "$1" && pwd)
BUILD=$(cd "$2" && pwd)
JOBS=${JOBS:-2}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/siemhub-sdk-examples.XXXXXX")
if [[ -z "${KEEP_TMP:-}" ]]; then
  trap 'rm -rf "$TMP"' EXIT
else
  echo "== keeping $TMP"
fi
PREFIX="$TMP/sdk-prefix"

echo "== [1/6] installing the SDK from $BUILD into $PREFIX"
cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" || { cat "$TMP/install.log"; exit 1; }

LIBDIR=lib
[[ -d "$PREFIX/lib64/cmake/siemhub-sdk" ]] && LIBDIR=lib64
for f in \
  include/siemhub/plugin.h \
  include/siemhub/plugin.hpp \
  include/siemhub/elf_note.hpp \
  include/siemhub/testing/fake_host.hpp \
  include/siemhub/testing/loader.hpp \
  include/siemhub/testing/conformance.hpp \
  include/siemhub/testing/http_script.hpp \
  "$LIBDIR/cmake/siemhub-sdk/siemhub-sdkConfig.cmake" \
  "$LIBDIR/cmake/siemhub-sdk/siemhub-sdkConfigVersion.cmake" \
  "$LIBDIR/cmake/siemhub-sdk/siemhub-sdk-targets.cmake" \
  "$LIBDIR/cmake/siemhub-sdk/siemhub-testkit-targets.cmake" \
  "$LIBDIR/cmake/siemhub-sdk/siemhub-plugin.cmake" \
  "$LIBDIR/cmake/siemhub-sdk/siemhub-plugin.map" \
  "$LIBDIR/libsiemhub_testkit.a" \
  bin/siemhub-conformance; do
  if [[ ! -e "$PREFIX/$f" ]]; then
    echo "FAIL: the installed SDK lacks $f" >&2
    exit 1
  fi
done
echo "   installed layout OK (headers, cmake package, test kit, conformance runner)"
CONFORMANCE="$PREFIX/bin/siemhub-conformance"

echo "== [2/6] copying $SRC/sdk/examples to $TMP/examples (outside the repository)"
mkdir -p "$TMP/examples"
cp -R "$SRC"/sdk/examples/. "$TMP/examples/"

CLI="$BUILD/bin/siemhub"
[[ -x "$CLI" ]] || { echo "FAIL: $CLI is not built" >&2; exit 1; }
mkdir -p "$TMP/plugins"
status=0
for dir in "$TMP"/examples/*/; do
  name=$(basename "$dir")
  [[ -f "$dir/CMakeLists.txt" ]] || continue
  echo "== [3/6] $name: configure and build against the installed SDK"
  cmake -S "$dir" -B "$TMP/build-$name" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >"$TMP/configure-$name.log" 2>&1 || { cat "$TMP/configure-$name.log"; echo "FAIL: $name: configure" >&2; exit 1; }
  cmake --build "$TMP/build-$name" -j "$JOBS" 2>&1 | tee "$TMP/build-$name.log"
  if grep -q "warning:" "$TMP/build-$name.log"; then
    echo "FAIL: $name: the build has warnings" >&2
    exit 1
  fi
  mapfile -t plugins < <(find "$TMP/build-$name" -maxdepth 1 -name '*.so' -type f | sort)
  if [[ ${#plugins[@]} -eq 0 ]]; then
    echo "FAIL: $name: no plugin .so was built" >&2
    exit 1
  fi

  if [[ -f "$TMP/build-$name/CTestTestfile.cmake" ]]; then
    echo "== [4/6] $name: its own tests (ctest)"
    if ! ctest --test-dir "$TMP/build-$name" --output-on-failure --timeout 120; then
      echo "FAIL: $name: ctest" >&2
      status=1
    fi
  fi
  args=()
  if [[ -f "$dir/conformance.json" ]]; then
    args=(--config "$dir/conformance.json" --workdir "$TMP/work-$name")
  fi
  for so in "${plugins[@]}"; do
    echo "== [4/6] $name: siemhub-conformance $(basename "$so") ${args[*]}"
    if ! "$CONFORMANCE" "$so" "${args[@]}"; then
      echo "FAIL: $name: conformance" >&2
      status=1
    fi
    echo "== [5/6] $name: siemhub plugins inspect $(basename "$so")"
    if ! "$CLI" plugins inspect "$so"; then
      echo "FAIL: $name: siemhub plugins inspect" >&2
      status=1
    fi
    cp "$so" "$TMP/plugins/"
  done
done

echo "== [5/6] loading the examples into siemhub"
chmod 0755 "$TMP/plugins" "$TMP/plugins"/*.so
"$CLI" plugins list --plugin-dir "$TMP/plugins" || { echo "FAIL: siemhub refused an example" >&2; exit 1; }
cat >"$TMP/hub.yaml" <<YAML
data_dir: $TMP/hub-data
plugins:
  dirs: [$TMP/plugins]
  required: [com.example.counter-source, com.example.ndjson-sink]
connectors:
  counter:
    plugin: com.example.counter-source
    config: {batch_size: 5, user: bob}
  sink:
    plugin: com.example.ndjson-sink
    config: {path: $TMP/examples-out.ndjson}
routes:
  - from: [counter]
    to: [sink]
YAML
"$CLI" validate "$TMP/hub.yaml"
"$CLI" run -c "$TMP/hub.yaml" --for 3 --summary-every 1
lines=$(wc -l <"$TMP/examples-out.ndjson" 2>/dev/null || echo 0)
if [[ "$lines" -lt 5 ]]; then
  echo "FAIL: the C source fed only $lines events through the hub into the C++ sink" >&2
  status=1
else
  echo "   the C source fed $lines events through siemhub into the C++ sink"
fi

echo "== [6/6] the SDK alone (--component sdk), then siemhub new-plugin and the generated projects"
SDK_ONLY="$TMP/sdk-only"
cmake --install "$BUILD" --prefix "$SDK_ONLY" --component sdk >"$TMP/install-sdk.log" || { cat "$TMP/install-sdk.log"; exit 1; }
for f in include/siemhub/plugin.hpp include/siemhub/testing/http_script.hpp "$LIBDIR/libsiemhub_testkit.a" \
         "$LIBDIR/cmake/siemhub-sdk/siemhub-sdkConfig.cmake" bin/siemhub-conformance; do
  [[ -e "$SDK_ONLY/$f" ]] || { echo "FAIL: the SDK component lacks $f" >&2; exit 1; }
done
if [[ -e "$SDK_ONLY/bin/siemhub" || -e "$SDK_ONLY/$LIBDIR/siemhub/plugins" ]]; then
  echo "FAIL: the SDK component installed the hub or its plugins" >&2
  exit 1
fi
echo "   the SDK component holds the SDK only: $(find "$SDK_ONLY" -type f | wc -l) files"
mkdir -p "$TMP/new"
for kind in source sink action; do
  name=demo
  [[ $kind != source ]] && name="demo_$kind"
  "$CLI" new-plugin "$name" --kind "$kind" --dir "$TMP/new/$name"
  # The README's commands, with the SDK-only prefix; bounded in time.
  if ! (cd "$TMP/new/$name" &&
        timeout 300 cmake -S . -B build -DCMAKE_PREFIX_PATH="$SDK_ONLY" >"$TMP/new-$name-configure.log" &&
        timeout 600 cmake --build build -j "$JOBS" >"$TMP/new-$name-build.log" 2>&1 &&
        timeout 300 ctest --test-dir build --output-on-failure); then
    cat "$TMP/new-$name-configure.log" "$TMP/new-$name-build.log" 2>/dev/null | tail -50
    echo "FAIL: new-plugin $name --kind $kind: the generated project does not build or pass its tests" >&2
    status=1
  elif grep -q "warning:" "$TMP/new-$name-build.log"; then
    cat "$TMP/new-$name-build.log"
    echo "FAIL: new-plugin $name --kind $kind: the generated project builds with warnings" >&2
    status=1
  else
    echo "   new-plugin $name --kind $kind: built and passed its tests against the SDK alone"
  fi
done

if [[ $status -ne 0 ]]; then
  echo "== sdk-examples: FAILED" >&2
  exit 1
fi
echo "== sdk-examples: all examples and generated projects built out of tree and passed"
