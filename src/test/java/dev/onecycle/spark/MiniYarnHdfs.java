package dev.onecycle.spark;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * A real YARN cluster (Hadoop's MiniYARNCluster: a ResourceManager and one NodeManager) and a real HDFS
 * (MiniDFSCluster: a NameNode and a DataNode), all on loopback in this one JVM, from hadoop-client-minicluster.
 * Run as its own process by {@link YarnClusterIT}, so the test stops it, and the containers its NodeManager
 * started, by PID: {@code java -cp <test classpath> dev.onecycle.spark.MiniYarnHdfs BASE_DIR HADOOP_CONF_DIR}.
 * Once both are up it writes the clients' configuration into HADOOP_CONF_DIR ({@code core-site.xml} with the
 * HDFS URI, {@code yarn-site.xml} with the cluster's whole configuration, as Spark's BaseYarnClusterSuite hands
 * the MiniYARNCluster's configuration to spark-submit), then BASE_DIR/{@code ready} (the HDFS URI and the
 * ResourceManager's web address); then it runs until killed.
 */
public final class MiniYarnHdfs {
    private MiniYarnHdfs() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            e.printStackTrace();
            Runtime.getRuntime().halt(1);
        }
    }

    private static void run(String[] args) throws Exception {
        // A service thread that dies leaves a half-started cluster: end the process, so the test sees it at once.
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            e.printStackTrace();
            Runtime.getRuntime().halt(1);
        });
        Path base = Path.of(args[0]).toAbsolutePath();
        Path confDir = Path.of(args[1]).toAbsolutePath();
        Files.createDirectories(confDir);

        Configuration hdfsConf = new Configuration();
        hdfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("hdfs").toString());
        hdfsConf.set("dfs.namenode.http-address", "127.0.0.1:0");
        hdfsConf.set("dfs.datanode.address", "127.0.0.1:0");
        hdfsConf.set("dfs.datanode.http.address", "127.0.0.1:0");
        hdfsConf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(hdfsConf).numDataNodes(1).build();
        hdfs.waitActive();
        String fsUri = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();

        YarnConfiguration yarnConf = new YarnConfiguration();
        yarnConf.set("fs.defaultFS", fsUri);
        // As Spark's BaseYarnClusterSuite: no disk-full check (it would mark the node unhealthy on a full disk)...
        yarnConf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        // ... and the queue capacity-scheduler.xml would define (hadoop-client-minicluster ships none)
        yarnConf.set("yarn.scheduler.capacity.root.queues", "default");
        yarnConf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        yarnConf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        yarnConf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        yarnConf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        yarnConf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        yarnConf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        yarnConf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        yarnConf.set("yarn.resourcemanager.hostname", "127.0.0.1");
        // Room for an application master and two executors of 1 GB heap (+384 MB overhead each, rounded up to
        // 2 GB by the scheduler), and a second attempt's master while the first's containers are cleaned up.
        // (MiniYARNCluster gives its NodeManagers yarn.minicluster.yarn.nodemanager.resource.memory-mb, 4 GB unless set)
        yarnConf.setInt("yarn.minicluster.yarn.nodemanager.resource.memory-mb", 10240);
        yarnConf.setInt("yarn.nodemanager.resource.memory-mb", 10240);
        yarnConf.setInt("yarn.nodemanager.resource.cpu-vcores", 8);
        // Containers' memory is checked as on a real cluster (MiniYARNCluster turns the checks off unless told):
        // physical memory yes; virtual memory no (a JVM reserves far more than it uses; most clusters turn it off).
        yarnConf.setBoolean("yarn.minicluster.control-resource-monitoring", true);
        yarnConf.setBoolean("yarn.nodemanager.pmem-check-enabled", true);
        yarnConf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
        yarnConf.setInt("yarn.resourcemanager.am.max-attempts", 2);

        MiniYARNCluster yarn = new MiniYARNCluster("onecycle-yarn-it", 1, 1, 1);
        yarn.init(yarnConf);
        yarn.start();
        Configuration ready = yarn.getConfig();
        // MiniYARNCluster may return before the ResourceManager has put its real port in the configuration.
        long end = System.nanoTime() + 30_000_000_000L;
        while (ready.get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("the ResourceManager did not come up");
            }
            Thread.sleep(100);
        }
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", fsUri);
        try (OutputStream out = Files.newOutputStream(confDir.resolve("core-site.xml"))) {
            core.writeXml(out);
        }
        try (OutputStream out = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
            ready.writeXml(out);
        }
        Files.writeString(base.resolve("ready"), fsUri + "\n"
                + ready.get(YarnConfiguration.RM_WEBAPP_ADDRESS) + "\n");
        System.out.println("YARN ResourceManager " + ready.get(YarnConfiguration.RM_ADDRESS) + ", web "
                + ready.get(YarnConfiguration.RM_WEBAPP_ADDRESS) + "; HDFS " + fsUri);
        Thread.sleep(Long.MAX_VALUE);
    }
}
