#!/usr/bin/env bash
# The Python package's tests on real pyspark (local[2]), in a virtualenv of their own per Spark line.
#
#   python/run-tests.sh [--spark-line 4|3.5] [--pyspark VERSION] [pytest args...]     (default: 4)
#
# Needs the Maven build of that line first (its jar and runtime-classpath*.txt under target/):
#   4: mvn -DskipTests package (target/);  3.5: mvn -DskipTests -P spark-3.5 package (target/spark-3.5/)
# Creates python/.venv-<line> (git-ignored) with pyspark==VERSION (default: the Spark-Version in the built
# jar's manifest, else 3.5.9 / 4.0.1; 4.x with its Spark Connect extras), pytest, pandas, matplotlib, nbclient
# from PyPI, installs the package with `pip install ./python` (which carries the built jars), and runs
# python/tests (or the test files named). Exit status: pytest's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
line=4
version=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --spark-line) line="${2:?--spark-line needs 3.5 or 4}"; shift 2 ;;
    --spark-line=*) line="${1#*=}"; shift ;;
    --pyspark) version="${2:?--pyspark needs a version}"; shift 2 ;;
    --pyspark=*) version="${1#*=}"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
case "$line" in
  3.5) scala=2.12; default_version=3.5.9; extra=("numpy<2" "pandas<2.3") ;;
  4|4.*) line=4; scala=2.13; default_version=4.0.1; extra=(numpy pandas) ;;
  *) echo "run-tests.sh: --spark-line must be 3.5 or 4, got '$line'" >&2; exit 2 ;;
esac

python=${PYTHON:-python3}
# the built jar of this line: its manifest's Spark-Version is the pyspark to test with
if [[ -z "$version" ]]; then
  version="$("$python" - "$repo" "$scala" "$default_version" <<'PY'
import sys, zipfile
from pathlib import Path
repo, scala, default = sys.argv[1:]
for jar in sorted(Path(repo, "target").glob("onecycle-spark*.jar")) + sorted(Path(repo, "target").glob("*/onecycle-spark*.jar")):
    try:
        text = zipfile.ZipFile(jar).read("META-INF/MANIFEST.MF").decode()
    except KeyError:
        continue
    attrs = dict(l.split(": ", 1) for l in text.splitlines() if ": " in l)
    if attrs.get("Scala-Binary-Version") == scala and attrs.get("Spark-Version"):
        print(attrs["Spark-Version"]); break
else:
    print(default)
PY
)"
fi

venv="$here/.venv-$line"
start=$(date +%s)
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
# pyspark 4: with its Spark Connect client (pyarrow, grpcio...), for the Connect ML test
spec="pyspark==$version"; [[ "$line" == 4 ]] && spec="pyspark[connect]==$version"
"$venv/bin/pip" install -q --disable-pip-version-check "$spec" pytest setuptools wheel \
  matplotlib nbclient nbformat ipykernel "${extra[@]}"
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall "$here"
echo "python tests: pyspark $version (Spark line $line, Scala $scala) in $venv; setup $(( $(date +%s) - start ))s"

export SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$venv/bin/python" MPLBACKEND=Agg
cd "$repo"
set +e
# the whole suite unless test files or folders are named
default=("$here/tests")
for a in "$@"; do [[ "$a" != -* && -e "${a%%::*}" ]] && default=(); done
"$venv/bin/pytest" -p no:cacheprovider "${default[@]}" "$@"
rc=$?
set -e
echo "python tests (Spark line $line): $(( $(date +%s) - start ))s in all, exit $rc"
exit $rc
