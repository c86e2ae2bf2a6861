package dev.onecycle.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.dl4j.Network;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint store against a real HDFS (hadoop-minicluster: a NameNode and a DataNode in this JVM). */
class HdfsCheckpointStoreTest {
    @TempDir
    static Path base;
    private static MiniDFSCluster cluster;
    private static Configuration conf;

    @BeforeAll
    static void startHdfs() throws Exception {
        conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
    }

    @AfterAll
    static void stopHdfs() {
        if (cluster != null) {
            cluster.shutdown(true);
        }
    }

    private static String uri(String path) {
        return "hdfs://127.0.0.1:" + cluster.getNameNodePort() + path;
    }

    @Test
    void checkpointsOnHdfsWriteVerifyFallBackAndPrune() throws Exception {
        CheckpointStore store = CheckpointStore.open(uri("/runs/a/checkpoints"), conf);
        for (int e = 1; e <= 4; e++) {
            Network n = CheckpointStoreTest.net(e);
            store.write(CheckpointStoreTest.state(e, n), n);
        }
        Checkpoint newest = store.newestValid(m -> { }).orElseThrow();
        assertEquals(4, newest.state().epoch());
        assertEquals(CheckpointStoreTest.net(4).paramsSha256(), store.loadModel(newest).paramsSha256());

        // overwrite the newest model with a shorter file: the size check catches it, epoch 3 is used
        FileSystem fs = cluster.getFileSystem();
        org.apache.hadoop.fs.Path model = new org.apache.hadoop.fs.Path("/runs/a/checkpoints/epoch-0004/model.zip");
        try (OutputStream out = fs.create(model, true)) {
            out.write(new byte[] {1, 2, 3});
        }
        List<String> report = new ArrayList<>();
        assertEquals(3, store.newestValid(report::add).orElseThrow().state().epoch());
        assertTrue(report.get(0).contains("epoch-0004") && report.get(0).contains("truncated"), report.toString());

        store.prune(2);
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path("/runs/a/checkpoints/epoch-0001")));
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/runs/a/checkpoints/epoch-0002")));
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/runs/a/checkpoints/epoch-0004")), "corrupt: kept");
    }

    @Test
    void lockOnHdfsRefusesASecondJob() throws Exception {
        CheckpointStore store = CheckpointStore.open(uri("/runs/b/checkpoints"), conf);
        try (CheckpointLock lock = store.lock(Duration.ofMinutes(5), m -> { })) {
            assertThrows(CheckpointLockedException.class,
                    () -> CheckpointStore.open(uri("/runs/b/checkpoints"), conf).lock(Duration.ofMinutes(5), m -> { }));
        }
    }
}
