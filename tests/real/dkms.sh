#!/usr/bin/env bash
# Debian DKMS packages against 6.12 and 7.2, called by newer.sh.
#   usage: dkms.sh LOCALWQ CACHE TREE_6_12 TREE_7_2
# The packages below are fetched with `apt-get download` (cached under
# CACHE/dkms) and unpacked; each directory `make -C KDIR M=<dir>` builds
# (dkms.conf's BUILT_MODULE_LOCATION, the outermost ones) is scanned,
# diffed and checked against each kernel's prepared build (the one
# newer.sh prepared under CACHE/build-oot, or the source tree). Asserted
# (tests/real/dkms-summary.py): every file whose compiled code holds a
# flush needle (`flush_scheduled_work(`, `flush_workqueue(system_`,
# `__flush_workqueue(system_`) is listed as a site or a finding, never
# missed and never an orphan; every module converted that builds before
# conversion builds after with no new warning. A module that does not
# build before (old packages against new kernels) is said, not failed.
# Prints one row per package and kernel; exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
localwq=$1 cache=$2 tree612=$3 tree72=$4
store=$cache/dkms
work=$cache/work-dkms
failures=0
fail() { echo "FAIL [dkms]: $1" >&2; failures=$((failures + 1)); }

# package  suite  version  make variables (@ is the package's source dir).
# Chosen because they flush a system workqueue (dahdi, osmocom-dahdi,
# qcacld: through a macro of their own too), queue on one (hinic, xrt,
# yt6801, evdi, xone), or neither (the rest: nothing must be reported).
# The version is tried first, then whatever the suite has.
packages=(
	"adv-17v35x-dkms bookworm 5.0.7.0-1"
	"dahdi-dkms bookworm 1:2.11.1.0.20170917~dfsg-8.4 DAHDI_INCLUDE=@/include DAHDI_BUILD_ALL=m"
	"osmocom-dahdi-dkms sid 0.0~git20260630.77f32ae-1 DAHDI_INCLUDE=@/include DAHDI_BUILD_ALL=m"
	"ezurio-qcacld-2.0-dkms sid 0.0~git20240408.aa96a9f+dfsg-11"
	"hinic-dkms sid 0+git20250605+6.6.0-95.0.0-4"
	"openrazer-driver-dkms bookworm 3.5.1+dfsg-2+deb12u1"
	"smifb2-dkms sid 2.5.1.3.gfa130ab-1"
	"xrt-xocl-dkms sid 1:2.25.0-4+b1"
	"yt6801-dkms sid 1.0.31-1"
	"evdi-dkms bookworm 1.12.0+dfsg-0.3"
	"xone-dkms sid 0.5.8-1"
)

# The package's .deb in the cache, downloaded once.
fetch() {
	local package=$1 suite=$2 version=$3 debs=$store/debs
	mkdir -p "$debs"
	ls "$debs/${package}_"*.deb >/dev/null 2>&1 && return
	(cd "$debs" && { apt-get download -q "$package=$version" 2>/dev/null ||
		apt-get download -q "$package/$suite"; }) >&2
}

# The package unpacked once; prints its source directory (/usr/src/<name>).
unpack() {
	local package=$1 dest=$store/src/$1
	if [ ! -f "$dest.ready" ]; then
		rm -rf "$dest" && mkdir -p "$dest"
		dpkg-deb -x "$store/debs/${package}_"*.deb "$dest"
		touch "$dest.ready"
	fi
	local dirs=("$dest"/usr/src/*/)
	echo "${dirs[0]%/}"
}

# The directories `make M=` builds: dkms.conf's BUILT_MODULE_LOCATION
# values (the top when none), without those inside another one.
module_dirs() {
	local root=$1 dirs
	dirs=$(sed -n 's/^BUILT_MODULE_LOCATION\[[0-9]*\]=["]*\([^"]*\)["]*.*/\1/p' "$root/dkms.conf" |
		sed 's:/*$::' | sort -u)
	[ -n "$dirs" ] || dirs=.
	local dir other
	for dir in $dirs; do
		for other in $dirs; do
			[ "$other" != "$dir" ] && [[ "$dir/" == "$other/"* ]] && continue 2
		done
		echo "$dir"
	done
}

# The kernel build newer.sh prepared for a tree, else the tree itself.
kdir_of() {
	local tree=$1 version
	version=$(sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p' "$tree/Makefile" |
		paste -sd.)
	local prepared=$cache/build-oot/linux-$version/kernel
	if [ -f "$prepared/.config" ]; then echo "$prepared"; else echo "$tree"; fi
}

start=$(date +%s)
(cd "$repo" && cargo build --release --quiet --example parsed)
parsed=$(dirname "$localwq")/examples/parsed
rm -rf "$work" && mkdir -p "$work"
runs=$work/runs.tsv
: > "$runs"
for entry in "${packages[@]}"; do
	read -r package suite version vars <<<"$entry"
	fetch "$package" "$suite" "$version" || { fail "$package: apt-get download failed"; continue; }
	root=$(unpack "$package")
	make_args=()
	for var in $vars; do make_args+=(--make "${var//@/$root}"); done
	for dir in $(module_dirs "$root"); do
		for pair in "6.12 $tree612" "7.2 $tree72"; do
			read -r kernel tree <<<"$pair"
			kdir=$(kdir_of "$tree")
			out=$work/$package-${dir//\//_}-$kernel
			if ! (cd "$root" &&
				"$localwq" scan --all --json --kernel "$kdir" "${make_args[@]}" "$dir" > "$out.scan.json" 2> "$out.scan.err" &&
				"$localwq" diff --kernel "$kdir" "${make_args[@]}" "$dir" > "$out.diff" 2> "$out.diff.err" &&
				"$localwq" check --json --kernel "$kdir" "${make_args[@]}" "$dir" \
					--build-dir "$work/build-$kernel" > "$out.check.json" 2> "$out.check.err"); then
				fail "$package $dir on $kernel: localwq: $(tail -qn 2 "$out".*.err)"
				continue
			fi
			# The share of workqueue calls parsed, over all the package's C.
			[ "$dir" != "$(module_dirs "$root" | head -n 1)" ] ||
				"$parsed" "-k$kernel" "$root" > "$out.parsed"
			printf '%s\t%s\t%s\t%s\t%s\n' "$package" "$kernel" "$dir" "$root" "$out" >> "$runs"
		done
	done
done
python3 "$here/dkms-summary.py" "$runs" || fail "assertions (see above)"
echo "dkms: $(( $(date +%s) - start )) s"
[ "$failures" -eq 0 ]
