#!/bin/sh
# Builds every kernels/cuda/<module>.cu into ptx/<module>.ptx (make ptx).
#
# The compiler is nvcc (-ptx -arch=sm_80) when it is on PATH (or named by
# $NVCC); otherwise clang (clang, clang-14 or $CLANG) compiling CUDA without a
# CUDA SDK (-nocudainc -nocudalib, lz_clang_prelude.h supplying what nvcc
# predefines). The first line of each PTX file is
#   // lzgen-source-sha256: <sha256 of the .cu followed by every .h and .cuh here, in name order>
# which `go test ./kernels/cuda` recomputes to catch stale PTX.
set -eu
cd "$(dirname "$0")"
ARCH=sm_80

if command -v "${NVCC:-nvcc}" >/dev/null 2>&1; then
	compiler="nvcc $("${NVCC:-nvcc}" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
	compile() { "${NVCC:-nvcc}" -ptx -arch="$ARCH" -O3 -I. -o "$2" "$1"; }
else
	clang=""
	for c in ${CLANG:-} clang clang-14; do
		if command -v "$c" >/dev/null 2>&1; then clang=$c; break; fi
	done
	if [ -z "$clang" ]; then
		echo "build-ptx.sh: neither nvcc nor clang found; install the CUDA toolkit or clang" >&2
		exit 1
	fi
	compiler="clang $("$clang" --version | sed -n 's/.*clang version \([0-9.]*\).*/\1/p;q')"
	compile() {
		"$clang" -x cuda --cuda-device-only --cuda-gpu-arch="$ARCH" -nocudainc -nocudalib -O3 \
			-include lz_clang_prelude.h -I. -S -o "$2" "$1"
	}
fi

headers=$(LC_ALL=C ls *.h *.cuh)
mkdir -p ptx
for cu in $(LC_ALL=C ls *.cu); do
	module=${cu%.cu}
	# shellcheck disable=SC2086 # headers is a list of plain file names
	hash=$(cat "$cu" $headers | sha256sum | cut -d' ' -f1)
	tmp=$(mktemp)
	compile "$cu" "$tmp"
	{
		echo "// lzgen-source-sha256: $hash"
		echo "// built from $cu by build-ptx.sh with $compiler for $ARCH; do not edit"
		cat "$tmp"
	} >"ptx/$module.ptx"
	rm -f "$tmp"
	echo "ptx/$module.ptx ($compiler)"
done
