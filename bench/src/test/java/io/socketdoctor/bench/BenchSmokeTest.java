package io.socketdoctor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The harness works: one round of one small workload and one start-up, without the agent, with it
 * and without it again, produces numbers and a table. Asserts no timing: timings belong to
 * scripts/bench.sh, not to mvn verify.
 */
class BenchSmokeTest {

    @Test
    void oneTinyRoundProducesFiguresForEveryConfiguration() throws Exception {
        Path agentJar = Paths.get(System.getProperty("bench.agentJar", "missing"));
        assertTrue(Files.isRegularFile(agentJar), "build the agent first (mvn verify does): " + agentJar);
        Bench.Options options = new Bench.Options();
        options.agentJar = agentJar;
        options.benchJar = Paths.get(System.getProperty("bench.classes"));
        options.outDir = Paths.get(System.getProperty("bench.workDir"));
        options.rounds = 1;
        options.scale = 0.05;
        options.startups = 1;
        options.hold = 0;
        options.workloads = List.of("pingpong-socket-1", "startup");
        options.configs = List.of("B");
        options.commit = "smoke test";
        options.progress = null;

        Report report = new Bench(options).run();

        for (String config : List.of("A", "A'", "B")) {
            List<Map<String, String>> runs = report.raw("pingpong-socket-1", config);
            assertEquals(1, runs.size(), config);
            assertTrue(Report.throughput(runs.get(0)) > 0, config + ": " + runs);
            assertTrue(report.startup(config, "toMainMs", false).median() > 0, config);
        }
        String table = Files.readString(report.file());
        assertTrue(table.contains("| ping-pong 64 B, Socket streams, 1 connection |"), table);
        assertTrue(table.contains("B: agent, default options"), table);
        assertTrue(table.contains("main's first line (wall)"), table);
    }
}
