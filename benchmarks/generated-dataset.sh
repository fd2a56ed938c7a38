# Sourced by the cluster benchmarks after benchmarks/common.sh: builds cinemesh (release; in smoke
# mode $CINEMESH_BIN will do) and makes sure the generated dataset for $ratings and $grid exists.
# Sets $bin (the binary) and $ds (the dataset directory).
cinemesh_binary
ds="$work/cluster-$ratings-$grid"
if [ ! -f "$ds/manifest.json" ]; then
  "$bin" generate --ratings "$ratings" --seed 7 --grid "$grid" --dataset "$ds" --force >/dev/null
fi
