#!/usr/bin/env bash
# Fetch the Debian kernel source packages and unpack each into a git
# repository under the cache directory, reusing whatever is already there.
#   usage: fetch-kernels.sh [VERSION...]   (default: 5.10 6.1; also 6.12, 7.2)
# Prints one line per tree: "<version> <path>".
set -euo pipefail

cache=${LOCALWQ_CACHE:-$HOME/.cache/localwq}
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(5.10 6.1)
mkdir -p "$cache"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian suite that ships linux-source-<version>.
suite_of() {
	case $1 in
	5.10) echo bullseye ;;
	6.1) echo bookworm ;;
	6.12) echo trixie ;;
	*) echo sid ;;
	esac
}

# Adds the suite to apt's sources (same mirror) pinned at priority 100, so
# that no later `apt-get install` upgrades the machine from a newer suite;
# `apt-get download` of a package only that suite has still finds it.
ensure_suite() {
	local suite=$1 mirror
	grep -rqsw "$suite" /etc/apt/sources.list /etc/apt/sources.list.d/ && return
	mirror=$(grep -rhoE 'https?://[^ ]+/debian( |$)' /etc/apt/sources.list \
		/etc/apt/sources.list.d/ 2>/dev/null | head -n 1 | tr -d ' ' || true)
	mirror=${mirror:-http://deb.debian.org/debian}
	as_root tee "/etc/apt/sources.list.d/localwq-$suite.sources" >/dev/null <<SRC
Types: deb
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	as_root tee "/etc/apt/preferences.d/localwq-$suite" >/dev/null <<PIN
Package: *
Pin: release n=$suite
Pin-Priority: 100
PIN
	as_root apt-get update -qq
}

unpack_tree() {
	local version=$1 dest=$cache/linux-$1
	[ -f "$dest.ready" ] && return
	rm -rf "$dest" "$cache/deb-$version"
	mkdir -p "$cache/deb-$version"
	(cd "$cache/deb-$version" && apt-get download -q "linux-source-$version")
	dpkg-deb -x "$cache/deb-$version"/linux-source-"$version"_*.deb \
		"$cache/deb-$version/x"
	mkdir -p "$dest"
	tar -xJf "$cache/deb-$version/x/usr/src/linux-source-$version.tar.xz" \
		-C "$dest" --strip-components=1
	rm -rf "$cache/deb-$version"
	git -C "$dest" init -q
	git -C "$dest" add -f -A .
	git -C "$dest" -c user.name=localwq -c user.email=localwq@localhost \
		commit -q -m "Debian linux-source-$version"
	touch "$dest.ready"
}

# One fetch per version at a time: a second run (a benchmark beside the
# suite) waits on the lock, then finds the tree ready.
for v in "${versions[@]}"; do
	(
		flock 9
		ensure_suite "$(suite_of "$v")"
		unpack_tree "$v" >&2
	) 9>"$cache/.fetch-$v.lock"
	echo "$v $cache/linux-$v"
done
