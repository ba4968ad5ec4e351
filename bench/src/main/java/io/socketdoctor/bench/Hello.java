package io.socketdoctor.bench;

/**
 * The start-up workload: a hello-world {@code main}. Its first statement prints
 * {@link System#nanoTime()}, which on Linux is CLOCK_MONOTONIC and so comparable with the
 * driver's clock: the driver subtracts the time it launched the process. Then the CPU time the
 * process has used so far (all its threads: JVM start-up, agent premain, JIT, GC), and, from a
 * shutdown hook, the CPU time at exit. With the argument {@code await-hooks} (a separate launch,
 * agent configurations only) it then waits for the first diagnosed failure (see
 * {@link AgentReady}): the moment every hook is in place, and the CPU time used by then. With
 * {@code idle} it waits for the agent to finish starting, then a second, and prints its resident
 * memory and the CPU time used so far (the baseline waits the same second).
 */
public final class Hello {

    private Hello() {
    }

    public static void main(String[] args) throws Exception {
        long mainNanos = System.nanoTime();
        System.out.println("hello main=" + mainNanos);
        System.out.println("hello cpuMain=" + cpuNanos());
        System.out.println("hello java=" + System.getProperty("java.runtime.version"));
        if (args.length > 0 && args[0].equals("idle")) {
            // The agent's start is over (it announces itself after its warm-up), then a second of
            // nothing: what an idle JVM holds, and the CPU all of it took.
            System.out.println("hello announced=" + AgentReady.awaitAnnouncement(10_000));
            Thread.sleep(1_000);
            System.out.println("hello rssKb=" + rssKb());
            System.out.println("hello cpuIdle=" + cpuNanos());
        }
        if (args.length > 0 && args[0].equals("await-hooks")) {
            System.out.println("hello hooks=" + AgentReady.awaitFirstDiagnosis(10_000));
            System.out.println("hello cpuHooks=" + cpuNanos());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("hello cpuExit=" + cpuNanos())));
    }

    /** VmRSS from /proc/self/status, in KiB, or -1. */
    private static long rssKb() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).replace("kB", "").trim());
            }
        }
        return -1;
    }

    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }
}
