package dev.onecycle.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.ServiceLoader;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.junit.jupiter.api.Test;

/**
 * Spark 4's Spark Connect ML server finds third-party estimators and models the way this test does: with
 * {@link ServiceLoader} over {@code META-INF/services/org.apache.spark.ml.Estimator} / {@code ...ml.Model},
 * instantiating each through its public no-argument constructor.
 */
class SparkConnectRegistrationTest {
    @Test
    void estimatorAndModelAreRegisteredAndInstantiableAsServiceLoaderDoes() {
        @SuppressWarnings("rawtypes")
        List<Estimator> estimators = ServiceLoader.load(Estimator.class).stream().map(ServiceLoader.Provider::get)
                .toList();
        assertEquals(1, estimators.stream().filter(e -> e.getClass() == OneCycleClassifier.class).count(),
                estimators.toString());

        @SuppressWarnings("rawtypes")
        List<Model> models = ServiceLoader.load(Model.class).stream().map(ServiceLoader.Provider::get).toList();
        OneCycleClassificationModel empty = (OneCycleClassificationModel) models.stream()
                .filter(m -> m.getClass() == OneCycleClassificationModel.class).findFirst()
                .orElseThrow(() -> new AssertionError("OneCycleClassificationModel not registered: " + models));
        assertTrue(empty.uid().startsWith("oneCycleClassificationModel_"), empty.uid());
        IllegalStateException e = assertThrows(IllegalStateException.class, empty::network);
        assertTrue(e.getMessage().contains("is empty") && e.getMessage().contains("OneCycleClassifier.fit"),
                e.getMessage());
    }
}
