# JVM options for ND4J's native side (issue 26), sourced by spark-submit/onecycle and python/bench/run.sh.
#
#   onecycle_native_opts CLASSPATH [JOB_ARGS...]   prints the options for a JVM on THIS machine (the driver; in local mode the
#                                    executors too): one line, space-separated; one line on stderr says the binary
#
# 1. -Dorg.bytedeco.javacpp.maxphysicalbytes=0: JavaCPP otherwise reads /proc/self/statm on every native allocation
#    to check the process's physical size against a limit (2 x -Xmx); ND4J allocates a few buffers per op, so the
#    check cost ~8% of a training step's samples (async-profiler) and ~11% of its CPU time. Off-heap memory stays
#    bounded by JavaCPP's maxbytes (-Xmx by default) and ND4J's own limits. It changes no arithmetic.
#    ONECYCLE_JAVACPP_CHECK=on keeps JavaCPP's check.
# 2. The nd4j-native binary: ONECYCLE_ND4J_BINARY=generic|onednn|avx2|avx512 picks one; unset (auto): onednn when
#    the job may train a convolutional network (--network other than mlp, or --model-in: as a flag, a --conf
#    spark.onecycle.* key or a --properties-file key) and
#    nd4j-native-*-linux-x86_64-onednn.jar is on CLASSPATH with the CPU backend (the cpu build copies it to
#    target/native/, off the runtime classpath, and the launchers add it; oneDNN picks its kernels by CPU at run
#    time, so it runs on any x86-64), else avx512 / avx2 when the CPU has the instructions (/proc/cpuinfo)
#    and that variant's jar is on CLASSPATH, else the generic binary. With onednn, DL4J's oneDNN convolution and
#    pooling helpers are switched on (-Dorg.eclipse.deeplearning4j.helpers.disable=false; the project's
#    org.nd4j.nativeblas.Nd4jCpu lets DL4J M2.1 find them): a LeNet step 6.8x faster. The default MLP gets the
#    generic binary: on it the onednn binary computes the same bits no faster, and its larger library costs ~0.05-0.1
#    GB of peak RSS (docs/benchmarks.md). The binaries round
#    differently (other kernels): every bitwise guarantee holds per binary, and local = cluster needs the same
#    binary on the driver and every executor. ND4J's own "Binary level" log line says which one loaded.
onecycle_wants_conv() { # JOB_ARGS... -> 0 when the job may train a convolutional network: --network other than mlp
  # (flag, --conf spark.onecycle.network=..., or a --properties-file key), or a --model-in/spark.onecycle.modelIn model
  local prev="" a v f
  for a in "$@"; do
    case "$prev" in
      --network) [[ "$a" != mlp ]] && return 0 ;;
      --model-in) return 0 ;;
      --conf) case "$a" in
                spark.onecycle.network=*) [[ "${a#*=}" != mlp ]] && return 0 ;;
                spark.onecycle.modelIn=*) return 0 ;;
              esac ;;
      --properties-file) f=$a ;;
    esac
    case "$a" in
      --network=*) [[ "${a#--network=}" != mlp ]] && return 0 ;;
      --model-in=*) return 0 ;;
      --properties-file=*) f=${a#--properties-file=} ;;
    esac
    if [[ -n "${f:-}" && -r "$f" ]]; then
      grep -Eq '^[[:space:]]*spark\.onecycle\.modelIn([[:space:]=:]|$)' "$f" && return 0
      v=$(sed -n 's/^[[:space:]]*spark\.onecycle\.network[[:space:]=:]*\([^[:space:]]*\).*/\1/p' "$f" | tail -1)
      [[ -n "$v" && "$v" != mlp ]] && return 0
    fi
    f=""
    prev=$a
  done
  return 1
}

onecycle_native_pick() { # CLASSPATH JOB_ARGS... -> generic|onednn|avx2|avx512 (stdout)
  local cp=$1 want=${ONECYCLE_ND4J_BINARY:-auto} flags=""
  shift
  case "$want" in
    generic|onednn|avx2|avx512) echo "$want"; return ;;
    auto) ;;
    *) echo "onecycle: ONECYCLE_ND4J_BINARY: expected generic, onednn, avx2, avx512 or auto, got '$want'" >&2; return 2 ;;
  esac
  [[ "$(uname -m)" == x86_64 && -r /proc/cpuinfo ]] || { echo generic; return; }
  if [[ "$cp" == *nd4j-native-*-linux-x86_64-onednn.jar* && "$cp" == *nd4j-native-*-linux-x86_64.jar* ]] \
      && onecycle_wants_conv "$@"; then
    echo onednn; return
  fi
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  if [[ "$cp" == *nd4j-native-*-linux-x86_64-avx512.jar* && "$flags" == *" avx512f "* && "$flags" == *" avx512bw "* \
        && "$flags" == *" avx512dq "* && "$flags" == *" avx512vl "* ]]; then
    echo avx512
  elif [[ "$cp" == *nd4j-native-*-linux-x86_64-avx2.jar* && "$flags" == *" avx2 "* && "$flags" == *" fma "* ]]; then
    echo avx2
  else
    echo generic
  fi
}

onecycle_native_jar() { # BUILD_DIR -> the onednn variant jar the build copied there (stdout; nothing if none)
  local f
  for f in "$1"/native/nd4j-native-*-linux-x86_64-onednn.jar; do [[ -f "$f" ]] && echo "$f"; done
  return 0
}

onecycle_native_opts() { # CLASSPATH JOB_ARGS...
  local opts="" bin name=linux-x86_64
  [[ "${ONECYCLE_JAVACPP_CHECK:-off}" == on ]] || opts="-Dorg.bytedeco.javacpp.maxphysicalbytes=0"
  bin=$(onecycle_native_pick "$@") || return 2
  if [[ "$bin" != generic ]]; then
    opts="${opts:+$opts }-Dorg.bytedeco.javacpp.platform.extension=-$bin"
    name="$name-$bin"
  else # (an empty extension: JavaCPP would otherwise load the first variant jar it finds on the classpath)
    opts="${opts:+$opts }-Dorg.bytedeco.javacpp.platform.extension="
  fi
  [[ "$bin" == onednn ]] && opts="$opts -Dorg.eclipse.deeplearning4j.helpers.disable=false"
  echo "onecycle: nd4j-native binary $name (ONECYCLE_ND4J_BINARY=${ONECYCLE_ND4J_BINARY:-auto})" >&2
  echo "$opts"
}
