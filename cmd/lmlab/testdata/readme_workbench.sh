#!/bin/sh
# Rewrites README.md's trained-workbench screen (the block between
# <!-- script:workbench-trained --> and <!-- /script -->) from the real
# binary: `lmlab --steps 400 --seed 1337` (cats, tiny) in a 120×40 tmux
# pane with NO_COLOR, space, and the capture once the run has reached its
# end and the panes show that step. The weights are the seed's on any
# machine; the losses' last digits follow the CPU's float kernels (AVX2 or
# AVX-512), and tok/s and elapsed follow its speed, which is why this is a
# script and not part of TestReadmeScreens (whose screens are exact).
# Run from the module root: sh cmd/lmlab/testdata/readme_workbench.sh
set -eu
command -v tmux >/dev/null || { echo "readme_workbench.sh needs tmux" >&2; exit 1; }
dir=$(mktemp -d)
s=lmlab-readme-$$
trap 'tmux kill-session -t "$s" 2>/dev/null || true; rm -rf "$dir"' EXIT
go build -o "$dir/lmlab" ./cmd/lmlab
cd "$dir"
tmux new-session -d -s "$s" -x 120 -y 40 "NO_COLOR=1 ./lmlab --steps 400 --seed 1337 --runs none; sleep 60"
wait_for() { # wait_for PATTERN: poll the pane until it shows PATTERN (60 s at most)
	i=0
	until tmux capture-pane -p -t "$s" | grep -q -- "$1"; do
		i=$((i + 1))
		[ "$i" -lt 1200 ] || { echo "timed out waiting for $1" >&2; tmux capture-pane -p -t "$s" >&2; exit 1; }
		sleep 0.05
	done
}
wait_for "Predict"
tmux send-keys -t "$s" space
wait_for "step 400/400"
wait_for "step 400, seed"     # Sample shows the final step's text
tmux capture-pane -p -t "$s" | sed -e 's/[[:space:]]*$//' >"$dir/screen"
tmux send-keys -t "$s" q
cd - >/dev/null
awk -v screen="$dir/screen" '
	/<!-- script:workbench-trained -->/ { print; print "```"; while ((getline l < screen) > 0) print l; print "```"; skip = 1; next }
	/<!-- \/script -->/ { skip = 0 }
	!skip { print }
' README.md >"$dir/README.md"
cp "$dir/README.md" README.md
echo "README.md: workbench-trained rewritten ($(wc -l <"$dir/screen") lines)"
