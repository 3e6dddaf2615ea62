#!/usr/bin/env bash
# The b4 round trip: `localwq apply --b4` on a clone of TREE, then `b4 send
# -o` of each branch it leaves, compared with the `localwq patches` series
# in PATCHES (tests/real/b4-compare.py): the same mails, RFC prefixes,
# notes and diffs, and recipients.
#   usage: tests/real/b4-roundtrip.sh LOCALWQ TREE PATCHES WORK IDENTITY [PATH...]
# TREE is a git repository at the commit PATCHES was made on; PATH selects
# modules as for `patches`. b4 runs offline: a throwaway HOME whose git
# config names no mail server b4 could reach (a sendmail command that is
# never run: -o only writes), no address commands, and an unreachable
# proxy so that any fetch fails loudly instead of going out.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
localwq=$1 tree=$2 patches=$3 work=$4 identity=$5
shift 5
command -v b4 >/dev/null || { echo "b4 is not installed" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/home" "$work/b4"
# A clone, so that the branches apply makes stay out of TREE.
git clone -q --shared "$tree" "$work/tree"

name=${identity% <*}
email=${identity##*<}
email=${email%>}
cat > "$work/home/.gitconfig" <<CONFIG
[user]
	name = $name
	email = $email
[sendemail]
	sendmailcmd = /bin/false
[b4]
	send-auto-to-cmd = /bin/true
	send-auto-cc-cmd = /bin/true
	send-series-to =
	send-series-cc =
	prep-cover-strategy = commit
CONFIG
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache \
	XDG_DATA_HOME=$work/home/.local/share GIT_CONFIG_NOSYSTEM=1
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 \
	HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 no_proxy= NO_PROXY=

# apply's commits carry the current date: b4 looks for its cover commit
# among the last year's only.
"$localwq" apply "$work/tree" "$@" --b4 --branch localwq --from "$identity" \
	> "$work/apply.log" 2> "$work/apply.err" ||
	{ echo "localwq apply --b4: $(tail -n 2 "$work/apply.err")" >&2; exit 1; }

for branch in localwq localwq-rfc; do
	git -C "$work/tree" rev-parse -q --verify "refs/heads/$branch" >/dev/null || continue
	git -C "$work/tree" checkout -q "$branch"
	(cd "$work/tree" && b4 prep --show-info > "$work/$branch.info" 2>&1 &&
		b4 send -o "$work/b4/$branch" --no-sign > "$work/$branch.log" 2>&1) ||
		{ echo "b4 on $branch: $(tail -n 3 "$work/$branch.log" "$work/$branch.info" 2>/dev/null)" >&2; exit 1; }
done

python3 "$here/b4-compare.py" "$patches" "$work/b4" "$email"
