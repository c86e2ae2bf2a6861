# JVM options for ND4J's native side (issue 26), sourced by spark-submit/onecycle and python/bench/run.sh.
#
#   onecycle_native_opts CLASSPATH   prints the options for a JVM on THIS machine (the driver; in local mode the
#                                    executors too): one line, space-separated
#
# 1. -Dorg.bytedeco.javacpp.maxphysicalbytes=0: JavaCPP otherwise reads /proc/self/statm on every native allocation
#    to check the process's physical size against a limit (2 x -Xmx); ND4J allocates a few buffers per op, so
#    the check cost ~8% of a training step's samples (async-profiler) and ~12% of its time. Off-heap memory stays
#    bounded by JavaCPP's maxbytes (-Xmx by default) and ND4J's own limits. It changes no arithmetic.
#    ONECYCLE_JAVACPP_CHECK=on keeps JavaCPP's check.
# 2. The nd4j-native binary: ONECYCLE_ND4J_BINARY=generic|avx2|avx512 picks one; unset = auto, by this CPU's flags
#    (/proc/cpuinfo) among the variant jars on CLASSPATH (nd4j-native-*-linux-x86_64-avx2/-avx512.jar): avx512 when
#    the CPU has avx512f, avx512bw, avx512dq and avx512vl (what libnd4j's avx512 build needs), else avx2 when it has
#    avx2 and fma, else the generic binary. JavaCPP loads org.bytedeco.javacpp.platform.extension's library and
#    falls back to the generic one when that variant is not on the classpath. The binaries may round differently
#    (other vector widths): every bitwise guarantee holds per binary (local = cluster needs the same binary on the
#    driver and every executor). A line on stderr says which binary was picked.
onecycle_native_pick() { # CLASSPATH -> generic|avx2|avx512 (stdout)
  local cp=$1 want=${ONECYCLE_ND4J_BINARY:-auto} flags=""
  case "$want" in
    generic|avx2|avx512) echo "$want"; return ;;
    auto) ;;
    *) echo "onecycle: ONECYCLE_ND4J_BINARY: expected generic, avx2, avx512 or auto, got '$want'" >&2; return 2 ;;
  esac
  [[ "$(uname -m)" == x86_64 && -r /proc/cpuinfo ]] || { echo generic; return; }
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  has() { local f; for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
  if has avx512f avx512bw avx512dq avx512vl && [[ "$cp" == *nd4j-native-*-linux-x86_64-avx512.jar* ]]; then
    echo avx512
  elif has avx2 fma && [[ "$cp" == *nd4j-native-*-linux-x86_64-avx2.jar* ]]; then
    echo avx2
  else
    echo generic
  fi
}

onecycle_native_opts() { # CLASSPATH
  local opts="" bin
  [[ "${ONECYCLE_JAVACPP_CHECK:-off}" == on ]] || opts="-Dorg.bytedeco.javacpp.maxphysicalbytes=0"
  bin=$(onecycle_native_pick "$1") || return 2
  if [[ "$bin" != generic ]]; then
    opts="$opts -Dorg.bytedeco.javacpp.platform.extension=-$bin"
  fi
  local name=linux-x86_64
  [[ "$bin" == generic ]] || name="$name-$bin"
  echo "onecycle: nd4j-native binary $name picked (ONECYCLE_ND4J_BINARY=${ONECYCLE_ND4J_BINARY:-auto}; ND4J's \"Binary level\" log line says which loaded)" >&2
  echo "$opts"
}
