package org.nd4j.nativeblas;

/**
 * Lets DL4J 1.0.0-M2.1 use its oneDNN convolution and pooling helpers on the CPU (issue 26). DL4J's
 * {@code BaseMKLDNNHelper.mklDnnEnabled()} asks, by reflection, {@code org.nd4j.nativeblas.Nd4jCpu$Environment
 * .getInstance().isUseMKLDNN()}: a class of older ND4J releases, which M2.1 moved to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu}. The lookup fails, DL4J marks the helpers failed and every
 * {@code ConvolutionLayer} runs its built-in im2col path, whose zero-fill of a permuted 6-d buffer alone took half
 * of a LeNet step (async-profiler: libnd4j {@code ScalarTransform<CopyPws>}; 65 ms per step of 32 against 9.5 ms
 * with the helpers). This class answers that lookup: true only when
 * the loaded nd4j-native binary is a {@code -onednn} one (spark-submit/lib-native.sh picks it), so with the generic
 * binary nothing changes. DL4J also needs {@code -Dorg.eclipse.deeplearning4j.helpers.disable=false} (its default
 * is true), which lib-native.sh sets with the onednn binary. Only the nested class is ever used; nothing here
 * loads native code before ND4J does.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The one method DL4J calls, on the one instance it asks for. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /**
         * Whether the loaded libnd4j is a {@code -onednn} build with oneDNN on (DL4J's name for it: MKL-DNN). The
         * binding's own {@code isUseONEDNN()} is a setting, true in every binary: the library's folder tells.
         */
        public boolean isUseMKLDNN() {
            boolean onednnBuild = false;
            for (String path : org.bytedeco.javacpp.Loader.getLoadedLibraries().values()) {
                if (path != null && path.contains("/libnd4jcpu") && path.contains("-onednn")) {
                    onednnBuild = true;
                }
            }
            return onednnBuild && org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
        }
    }
}
