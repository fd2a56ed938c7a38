# Sourced by the cluster benchmarks: builds cinemesh (release) and makes sure the generated
# dataset for $ratings and $grid exists. Sets $bin (the binary) and $ds (the dataset directory).
work=$PWD/benchmarks/work
mkdir -p "$work"
deploy/install-deps.sh
swift build -c release --product cinemesh >/dev/null
bin=$PWD/.build/release/cinemesh
ds="$work/cluster-$ratings-$grid"
if [ ! -f "$ds/manifest.json" ]; then
  "$bin" generate --ratings "$ratings" --seed 7 --grid "$grid" --dataset "$ds" --force >/dev/null
fi
