package io.socketdoctor.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * What the benchmark compares and what it runs: the configurations and the workloads, each in one
 * list. To compare a new configuration (a new agent option, say), add one line to
 * {@link #configurations()}.
 */
final class Plan {

    private Plan() {
    }

    /** What a configuration's JVM must report about itself, or the run is refused. */
    enum Expect { NOTHING, AGENT, JFR }

    /**
     * One way of starting the JVM. Placeholders in flags: {@code {agent}} the agent jar,
     * {@code {work}} a fresh directory for this run's files (deleted after the run), {@code {collector}} the URL of
     * an OTLP/HTTP stand-in the driver runs, {@code {port}}
     * a free loopback port.
     *
     * @param fallback what to run instead when this configuration's JVM does not come up as expected
     *                 (an agent option that this agent version does not have yet), or null: then the
     *                 benchmark stops
     */
    record Configuration(String id, String label, List<String> flags, Expect expect, Configuration fallback) {

        Configuration(String id, String label, List<String> flags, Expect expect) {
            this(id, label, flags, expect, null);
        }

        boolean baseline() {
            return id.equals(BASELINE);
        }
    }

    static final String BASELINE = "A";
    /** The baseline again, run as one more configuration in every round: the A-vs-A noise floor. */
    static final String NOISE = "A'";

    static final String JFR_SOCKET_EVENTS = "-XX:StartFlightRecording:filename={work}/recording.jfr,settings=default,"
            + "jdk.SocketRead#threshold=0ms,jdk.SocketWrite#threshold=0ms";

    /** Every configuration, the baseline first. Add a line here to compare one more. */
    static List<Configuration> configurations() {
        return List.of(
                new Configuration("A", "no agent", List.of(), Expect.NOTHING),
                new Configuration("B", "agent, default options", List.of("-javaagent:{agent}"), Expect.AGENT),
                new Configuration("C", "agent, events file + prometheus endpoint",
                        List.of("-javaagent:{agent}=events={work}/events.jsonl,prometheus=127.0.0.1:{port}"),
                        Expect.AGENT,
                        // An agent without the prometheus option (before issue #4) refuses the line above.
                        new Configuration("C", "agent, events file (this agent has no prometheus option)",
                                List.of("-javaagent:{agent}=events={work}/events.jsonl"), Expect.AGENT)),
                new Configuration("D", "JFR socket events, 0 ms", List.of(JFR_SOCKET_EVENTS), Expect.JFR),
                // The OTLP exporter's own cost: its thread, classes and requests, to a stand-in
                // collector on loopback that answers 200.
                new Configuration("E", "agent, otlp to a collector",
                        List.of("-javaagent:{agent}=otlp={collector}"), Expect.AGENT));
    }

    /** Flags every JVM gets, whatever its configuration. */
    static final List<String> COMMON_FLAGS = List.of("-Xms256m", "-Xmx256m");

    enum Kind {
        /** operations per second; the figure is the ratio to the baseline */
        THROUGHPUT,
        /** failures per second; also microseconds per failure, added to the baseline's */
        ERRORS,
        /** nanoseconds per call, added to the baseline's */
        NS_PER_CALL
    }

    /**
     * One measured workload of {@link Workloads}.
     *
     * @param allocUnit what one operation is, for the bytes-allocated-per-operation table
     */
    record Workload(String name, String label, Kind kind, String unit, String allocUnit, long warmUp, long measured) {

        /** Warm-up shrinks at most by half, so that even a quick run measures compiled code. */
        String spec(double scale) {
            return name + ":" + Math.max(1, Math.round(warmUp * Math.max(scale, 0.5))) + ":"
                    + Math.max(1, Math.round(measured * scale));
        }
    }

    /**
     * Workloads that share one JVM, run one after the other (each with its own warm-up). Grouping
     * saves JVM start-ups (the agent's start-up dominates a short run); every configuration runs
     * the same group in the same order, so what one workload leaves behind (JIT profiles, heap)
     * is the same for all.
     *
     * @param holdBefore the workload before which the JVM opens {@code --hold} extra TCP sockets, or null
     */
    record Group(String name, List<Workload> workloads, String holdBefore) {

        List<String> arguments(double scale, int hold, List<String> only) {
            List<String> args = new ArrayList<>();
            args.add("--cap-seconds");
            args.add("30");
            for (Workload w : selected(only)) {
                if (w.name().equals(holdBefore) && hold > 0) {
                    args.add("hold:" + hold + ":0");
                }
                args.add(w.spec(scale));
            }
            return args;
        }

        List<Workload> selected(List<String> only) {
            return workloads.stream().filter(w -> only.isEmpty() || only.contains(w.name())).toList();
        }
    }

    /** All the groups' workloads in one JVM, in the same order. */
    static Group merged(List<Group> groups) {
        List<Workload> all = new ArrayList<>();
        String hold = null;
        for (Group g : groups) {
            all.addAll(g.workloads());
            if (g.holdBefore() != null) {
                hold = g.holdBefore();
            }
        }
        return new Group("all", all, hold);
    }

    /**
     * Counts at scale 1 take about 0.3-3 s each without the agent on a 2-core machine. The
     * connection and failure workloads warm up past C2's thresholds (a hook runs 1-2 times per
     * connection or failure; Tier4 compiles after 5 000-15 000 calls), and their measured part
     * lasts 1-3 s. Then the agent's once-a-second work (the spaced /proc reads, the events held
     * for them) counts at its steady share, where a 0.2 s window took a whole read or none by
     * chance, and compilations still queued after the warm-up (the agent's JVM has more) weigh less.
     */
    static List<Group> groups() {
        return List.of(
                new Group("streams", List.of(
                        new Workload("pingpong-socket-1", "ping-pong 64 B, Socket streams, 1 connection",
                                Kind.THROUGHPUT, "round trips/s", "write+read", 5_000, 25_000),
                        new Workload("pingpong-socket-4", "ping-pong 64 B, Socket streams, 4 connections",
                                Kind.THROUGHPUT, "round trips/s", "write+read", 2_000, 8_000),
                        new Workload("pingpong-channel-1", "ping-pong 64 B, SocketChannel, 1 connection",
                                Kind.THROUGHPUT, "round trips/s", "write+read", 5_000, 25_000),
                        new Workload("pingpong-channel-4", "ping-pong 64 B, SocketChannel, 4 connections",
                                Kind.THROUGHPUT, "round trips/s", "write+read", 2_000, 8_000),
                        new Workload("bulk-socket", "bulk 64 KiB writes, Socket streams",
                                Kind.THROUGHPUT, "writes/s", "64 KiB write", 4_000, 16_000),
                        new Workload("bulk-channel", "bulk 64 KiB writes, SocketChannel",
                                Kind.THROUGHPUT, "writes/s", "64 KiB write", 4_000, 16_000)),
                        null),
                new Group("zero", List.of(
                        new Workload("zero-socket-write", "zero-length write, Socket stream",
                                Kind.NS_PER_CALL, "ns/call", "call", 150_000, 400_000),
                        new Workload("zero-socket-read", "zero-length read, Socket stream",
                                Kind.NS_PER_CALL, "ns/call", "call", 150_000, 400_000),
                        new Workload("zero-channel-write", "zero-length write, SocketChannel",
                                Kind.NS_PER_CALL, "ns/call", "call", 150_000, 400_000),
                        new Workload("zero-channel-read", "zero-length read, SocketChannel",
                                Kind.NS_PER_CALL, "ns/call", "call", 150_000, 400_000)),
                        null),
                new Group("churn", List.of(
                        new Workload("churn-socket", "connect/accept/close churn, Socket",
                                Kind.THROUGHPUT, "connections/s", "connection", 5_000, 20_000),
                        new Workload("churn-channel", "connect/accept/close churn, SocketChannel",
                                Kind.THROUGHPUT, "connections/s", "connection", 5_000, 20_000)),
                        null),
                new Group("connections", List.of(
                        new Workload("error-refused", "connection refused (Socket.connect)",
                                Kind.ERRORS, "errors/s", "error", 15_000, 30_000),
                        new Workload("error-reset", "connection reset (read after peer's SO_LINGER 0 close)",
                                Kind.ERRORS, "errors/s", "error", 10_000, 20_000)),
                        "error-refused"));
    }
}
