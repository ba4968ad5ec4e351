package io.socketdoctor.bench;

/**
 * The start-up workload: a hello-world {@code main}. Its first statement prints
 * {@link System#nanoTime()}, which on Linux is CLOCK_MONOTONIC and so comparable with the
 * driver's clock: the driver subtracts the time it launched the process. Then the CPU time the
 * process has used so far (all its threads: JVM start-up, agent premain, JIT, GC), and, from a
 * shutdown hook, the CPU time at exit. With the argument {@code await-hooks} (a separate launch,
 * agent configurations only) it then waits for the first diagnosed failure (see
 * {@link AgentReady}): the moment every hook is in place, and the CPU time used by then.
 */
public final class Hello {

    private Hello() {
    }

    public static void main(String[] args) throws Exception {
        long mainNanos = System.nanoTime();
        System.out.println("hello main=" + mainNanos);
        System.out.println("hello cpuMain=" + cpuNanos());
        System.out.println("hello java=" + System.getProperty("java.runtime.version"));
        if (args.length > 0 && args[0].equals("await-hooks")) {
            System.out.println("hello hooks=" + AgentReady.awaitFirstDiagnosis(10_000));
            System.out.println("hello cpuHooks=" + cpuNanos());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("hello cpuExit=" + cpuNanos())));
    }

    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }
}
