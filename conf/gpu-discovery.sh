#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript / spark.driver.resource.gpu.discoveryScript,
# spark.worker.resource.gpu.discoveryScript on standalone workers). Prints what Spark's resource scheduling expects:
#   {"name": "gpu", "addresses": ["0","1"]}
# with one address per GPU index that nvidia-smi reports. Without nvidia-smi, or when it fails (no driver, no GPU),
# it prints an empty list and says why on stderr: Spark then refuses to start an executor that asks for a GPU
# ("... did not have enough GPUs"), which is the right outcome on a machine without one.
# Like Spark's examples/src/main/scripts/getGpusResources.sh, it lists every GPU nvidia-smi sees (YARN and
# Kubernetes instead isolate GPUs per container, and nvidia-smi inside the container sees only those).
set -u
emit() { printf '{"name": "gpu", "addresses": [%s]}\n' "$1"; }
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-discovery: nvidia-smi not found: no GPUs reported" >&2
  emit ""
  exit 0
fi
if ! ids=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null); then
  echo "gpu-discovery: nvidia-smi failed: no GPUs reported" >&2
  emit ""
  exit 0
fi
list=""
for id in $ids; do
  id=${id//[^0-9]/}
  [[ -n "$id" ]] || continue
  list+="${list:+, }\"$id\""
done
emit "$list"
