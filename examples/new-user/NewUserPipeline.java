// What a Spark 4 user types into a session: OneCycleClassifier in a Pipeline, fitted, evaluated, saved, loaded.
// Run by examples/new-user/run.sh through the real org.apache.spark.deploy.SparkSubmit with --jars.
import dev.onecycle.ml.OneCycleClassificationModel;
import dev.onecycle.ml.OneCycleClassifier;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

public final class NewUserPipeline {
    public static void main(String[] args) throws Exception {
        SparkSession spark = SparkSession.builder().appName("onecycle new user").getOrCreate();
        System.out.println("Spark " + spark.version() + ", Scala " + scala.util.Properties.versionNumberString()
                + ", master " + spark.sparkContext().master());

        // Three separable classes in 8 dimensions (blobs around different centres), 600 rows.
        Random r = new Random(7);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            int label = i % 3;
            double[] x = new double[8];
            for (int j = 0; j < x.length; j++) x[j] = 5.0 * ((j % 3) == label ? 1 : 0) + 2.0 * r.nextGaussian() + 100;
            rows.add(RowFactory.create(Vectors.dense(x), (double) label));
        }
        StructType schema = new StructType().add("features", new VectorUDT()).add("label", DataTypes.DoubleType);
        Dataset<Row>[] split = spark.createDataFrame(rows, schema).randomSplit(new double[] {0.8, 0.2}, 1);

        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new StandardScaler().setInputCol("features").setOutputCol("scaled").setWithMean(true),
            new OneCycleClassifier().setFeaturesCol("scaled").setLrMax(0.05).setTotEpochs(3).setHidden(16)
                .setWorkers(2).setBatchSize(16).setSeed(42)});
        PipelineModel fitted = pipeline.fit(split[0]);
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                .evaluate(fitted.transform(split[1]));
        OneCycleClassificationModel model = (OneCycleClassificationModel) fitted.stages()[1];
        System.out.print("metrics.csv:\n" + model.summary().metricsCsv());
        System.out.printf("test accuracy %.3f%n", accuracy);

        String dir = args.length > 0 ? args[0] : Files.createTempDirectory("onecycle-new-user").resolve("pipeline").toString();
        fitted.write().overwrite().save(dir);
        double reloaded = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                .evaluate(PipelineModel.load(dir).transform(split[1]));
        System.out.printf("saved to %s, loaded back: test accuracy %.3f%n", dir, reloaded);
        if (accuracy < 0.9 || reloaded != accuracy) {
            System.err.println("NewUserPipeline: unexpected result (accuracy " + accuracy + ", reloaded " + reloaded + ")");
            System.exit(1);
        }
        spark.stop();
    }
}
