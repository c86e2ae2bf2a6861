package dev.onecycle.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onecycle.dl4j.Network;
import dev.onecycle.study.StudyPlan.StudyRun;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A finished run's results, from its jobs' outputs: {@code metrics.csv} (epoch 1..E of the policy, the cycle,
 * train loss, test accuracy, seconds), {@code applied-schedule.csv} (worker 0's applied learning rate and momentum
 * at every step of the policy) and {@code run.json} (final accuracy and loss, wall time, the SHA-256 of the final
 * parameters and updater state), written last: a run with {@code run.json} is done.
 */
public final class RunResults {
    public static final String METRICS_HEADER = "epoch,cycle,train_loss,test_accuracy,seconds";
    public static final String APPLIED_HEADER = "step,cycle,iteration,lr,momentum";

    private RunResults() {
    }

    static void assemble(StudyRun r, Path dir, ObjectMapper json) throws IOException {
        List<StudyJob> jobs = r.jobs();
        List<String> folders = new ArrayList<>(new LinkedHashSet<>(jobs.stream().map(StudyJob::folder).toList()));
        List<String> metrics = new ArrayList<>(List.of(METRICS_HEADER));
        List<String> applied = new ArrayList<>(List.of(APPLIED_HEADER));
        int epochOffset = 0;
        long step = 0;
        double trainSeconds = 0;
        String lastLoss = null;
        String lastAccuracy = null;
        for (int c = 0; c < folders.size(); c++) {
            Path job = dir.resolve(folders.get(c));
            List<String> rows = Files.readAllLines(job.resolve("metrics.csv"));
            int epochs = 0;
            for (String row : rows.subList(1, rows.size())) {
                String[] f = row.split(",");
                int epoch = Integer.parseInt(f[0]) + 1;
                metrics.add(String.format(Locale.ROOT, "%d,%d,%s,%s,%s", epochOffset + epoch, c + 1, f[2], f[3], f[4]));
                trainSeconds += Double.parseDouble(f[4]);
                lastLoss = f[2];
                lastAccuracy = f[3];
                epochs = Math.max(epochs, epoch);
            }
            epochOffset += epochs;
            List<String> steps = Files.readAllLines(job.resolve("applied-schedule.csv"));
            List<String> header = List.of(steps.get(0).split(","));
            int it = header.indexOf("iteration");
            int lr = header.indexOf("lr");
            int mom = header.indexOf("momentum");
            int worker = header.indexOf("worker");
            for (String row : steps.subList(1, steps.size())) {
                String[] f = row.split(",");
                if (worker >= 0 && !f[worker].equals("0")) {
                    continue;
                }
                applied.add(String.format(Locale.ROOT, "%d,%d,%s,%s,%s", step++, c + 1, f[it], f[lr], f[mom]));
            }
        }
        int expected = r.plan().epochs();
        if (metrics.size() - 1 != expected) {
            throw new IOException(dir + ": the jobs' metrics.csv hold " + (metrics.size() - 1) + " epochs, not "
                    + expected);
        }
        Files.write(dir.resolve("metrics.csv"), metrics);
        Files.write(dir.resolve("applied-schedule.csv"), applied);
        double wall = 0;
        for (int j = 1; j <= jobs.size(); j++) {
            wall += Double.parseDouble(Files.readString(dir.resolve("job-" + j + ".done")).strip());
        }
        Network last = Network.restore(dir.resolve(folders.get(folders.size() - 1)).resolve("model.zip").toFile());
        ObjectNode o = json.createObjectNode();
        o.put("network", r.plan().network());
        o.put("seed", r.seed());
        o.put("policy", r.policy().number());
        o.put("label", r.policy().label(r.plan()));
        o.put("jobs", jobs.size());
        o.put("final_test_accuracy", Double.parseDouble(lastAccuracy));
        o.put("final_train_loss", Double.parseDouble(lastLoss));
        o.put("wall_seconds", wall);
        o.put("train_seconds", trainSeconds);
        o.put("params_sha256", sha256(last.params()));
        o.put("updater_sha256", sha256(last.updaterState()));
        o.put("parameters", last.params().length());
        Path stops = dir.resolve("stops.csv");
        if (Files.exists(stops)) {
            List<String> s = Files.readAllLines(stops);
            o.put("stops", String.join("; ", s.subList(1, s.size()).stream()
                    .map(l -> l.replaceFirst("^\"([^\"]*)\",\"(.*)\"$", "$1: $2")).toList()));
        }
        StudyRunner.writeAtomically(dir.resolve("run.json"),
                json.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
    }

    /** SHA-256 of the array's values in its own data type (bitwise: float bits as float, double as double). */
    static String sha256(INDArray a) {
        if (a == null) {
            return "none";
        }
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        INDArray flat = a.reshape(a.length());
        if (a.dataType() == DataType.DOUBLE) {
            double[] v = flat.toDoubleVector();
            ByteBuffer b = ByteBuffer.allocate(v.length * 8);
            b.asDoubleBuffer().put(v);
            d.update(b.array());
        } else {
            float[] v = flat.toFloatVector();
            ByteBuffer b = ByteBuffer.allocate(v.length * 4);
            b.asFloatBuffer().put(v);
            d.update(b.array());
        }
        return a.dataType() + ":" + HexFormat.of().formatHex(d.digest());
    }
}
