package io.socketdoctor.bench;

import io.socketdoctor.bench.Plan.Configuration;
import io.socketdoctor.bench.Plan.Expect;
import io.socketdoctor.bench.Plan.Group;
import io.socketdoctor.bench.Plan.Workload;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The benchmark driver: starts a fresh JVM for every (round, workload group, configuration),
 * interleaved, and writes the table. Run it through {@code scripts/bench.sh}.
 *
 * <p>One round runs every group once in every configuration: A first (the baseline), then B, C,
 * D and A' (the baseline again, for the noise floor) in an order rotated by one each round, so no
 * configuration always follows the same one. Ratios are per round (X in round r / A in round r);
 * the table gives their median and [min, max] over the rounds, and A'/A beside them.
 */
public final class Bench {

    private static final long RUN_TIMEOUT_SECONDS = 300;

    /** Everything the command line can set. */
    static final class Options {
        Path jdk = Paths.get(System.getProperty("java.home"));
        Path agentJar = Paths.get("agent/target/socket-doctor-agent.jar");
        Path benchJar = ownLocation();
        Path outDir = Paths.get("bench/target/bench-results");
        int rounds = 5;
        double scale = 1.0;
        int startups = 1;
        int hold = 10_000;
        boolean quick;
        /** All workload groups in one JVM per configuration and round (fewer start-ups; --quick). */
        boolean oneJvm;
        /** Only write the report again from an earlier run's raw file. */
        Path fromRaw;
        String commit = "unknown";
        List<String> groups = List.of();
        List<String> workloads = List.of();
        List<String> configs = List.of();
        /** Progress lines; null for none. */
        java.io.PrintStream progress = System.err;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--quick" -> {
                        o.quick = true;
                        o.rounds = 3;
                        o.scale = 0.25;
                        o.startups = 1;
                        o.oneJvm = true;
                    }
                    case "--one-jvm" -> o.oneJvm = true;
                    case "--from-raw" -> o.fromRaw = Paths.get(args[++i]);
                    case "--jdk" -> o.jdk = Paths.get(args[++i]);
                    case "--agent" -> o.agentJar = Paths.get(args[++i]);
                    case "--bench-jar" -> o.benchJar = Paths.get(args[++i]);
                    case "--out" -> o.outDir = Paths.get(args[++i]);
                    case "--rounds" -> o.rounds = Integer.parseInt(args[++i]);
                    case "--scale" -> o.scale = Double.parseDouble(args[++i]);
                    case "--startups" -> o.startups = Integer.parseInt(args[++i]);
                    case "--hold" -> o.hold = Integer.parseInt(args[++i]);
                    case "--commit" -> o.commit = args[++i];
                    case "--groups" -> o.groups = List.of(args[++i].split(","));
                    case "--workloads" -> o.workloads = List.of(args[++i].split(","));
                    case "--configs" -> o.configs = List.of(args[++i].split(","));
                    case "--help", "-h" -> {
                        System.out.println(usage());
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + a + "\n" + usage());
                }
            }
            if (o.rounds < 1 || o.scale <= 0 || o.startups < 0) {
                throw new IllegalArgumentException("rounds >= 1, scale > 0, startups >= 0\n" + usage());
            }
            return o;
        }

        static String usage() {
            return "usage: Bench [--quick] [--jdk HOME] [--rounds N] [--scale F] [--startups K] [--hold N] [--one-jvm]\n"
                    + "             [--groups streams,zero,churn,connections,startup,attach] [--workloads name,...]\n"
                    + "             [--configs A,B,C,D] [--agent JAR] [--bench-jar JAR] [--out DIR] [--commit TEXT]\n"
                    + "       Bench --from-raw bench/target/bench-results/<run>.raw.txt   (the report of an earlier run again)";
        }

        private static Path ownLocation() {
            try {
                return Paths.get(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (URISyntaxException | RuntimeException e) {
                return Paths.get("bench/target/socket-doctor-bench.jar");
            }
        }
    }

    /** What one child JVM did. */
    record Run(String config, Map<String, String> env, Map<String, Map<String, String>> results,
               Map<String, String> hello, long launchNanos, long exitNanos, String stderr) {
    }

    /** Every run's results: workload -> configuration -> one entry per round (in round order). */
    static final class Results {
        final Map<String, Map<String, List<Map<String, String>>>> byWorkload = new LinkedHashMap<>();
        /** "startup" -> configuration -> per round, the medians of that round's launches. */
        final Map<String, List<Map<String, Double>>> startup = new LinkedHashMap<>();
        /** agent configuration -> per round: loadAgentMs, firstDiagnosisMs. */
        final Map<String, List<Map<String, Double>>> attach = new LinkedHashMap<>();
        final List<String> notes = new ArrayList<>();
        /** One line per measured figure set, as the child printed it: written beside the table. */
        final List<String> raw = new ArrayList<>();
        String javaVersion = "?";
        int completedRounds;
    }

    private final Options options;
    private final Path workRoot;
    private int runCounter;
    private Path agentJarUnderTest;
    private String agentJarDescription = "?";

    Bench(Options options) {
        this.options = options;
        this.workRoot = options.outDir.resolve("work");
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Report report;
        if (options.fromRaw != null) {
            report = Report.fromRaw(options.fromRaw, options);
            report.write();
        } else {
            try {
                report = new Bench(options).run();
            } finally {
                CollectorStandIn.stop();
            }
        }
        System.out.println(report.markdown());
        System.out.println("Written to " + report.file());
    }

    /** Runs everything the options select and writes the report. */
    Report run() throws Exception {
        check(Files.isExecutable(options.jdk.resolve("bin/java")), "no java in " + options.jdk);
        check(Files.isRegularFile(options.agentJar), "no agent jar at " + options.agentJar + " (mvn package builds it)");
        check(Files.exists(options.benchJar), "no benchmark classes at " + options.benchJar);
        Files.createDirectories(workRoot);
        // Snapshot the agent jar: a rebuild in the working tree during the benchmark must not change
        // the agent between rounds.
        Path snapshot = workRoot.resolve("agent-" + ProcessHandle.current().pid() + ".jar");
        Files.copy(options.agentJar, snapshot, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        agentJarUnderTest = snapshot;
        agentJarDescription = options.agentJar + ", " + Files.size(snapshot) / 1024 + " KiB, sha256 "
                + sha256(snapshot).substring(0, 12) + ", built " + Files.getLastModifiedTime(options.agentJar);
        try {
            return runAll();
        } finally {
            Files.deleteIfExists(snapshot);
        }
    }

    private Report runAll() throws Exception {
        Results results = new Results();
        String loadBefore = readFirstLine(Paths.get("/proc/loadavg"));
        long started = System.nanoTime();

        List<Configuration> configs = preflight(results);
        List<Group> groups = Plan.groups().stream()
                .filter(g -> options.groups.isEmpty() || options.groups.contains(g.name()))
                .filter(g -> !g.selected(options.workloads).isEmpty())
                .toList();
        if (options.oneJvm && groups.size() > 1) {
            groups = List.of(Plan.merged(groups));
        }
        boolean startup = (options.groups.isEmpty() || options.groups.contains("startup"))
                && (options.workloads.isEmpty() || options.workloads.contains("startup")) && options.startups > 0;
        boolean attach = (options.groups.isEmpty() || options.groups.contains("attach"))
                && (options.workloads.isEmpty() || options.workloads.contains("attach"));

        for (int round = 0; round < options.rounds; round++) {
            List<Configuration> order = roundOrder(configs, round);
            for (Group group : groups) {
                List<String> args = new ArrayList<>();
                args.add(Workloads.class.getName());
                args.addAll(group.arguments(options.scale, options.hold, options.workloads));
                for (Configuration config : order) {
                    Run run = launch(config, args, round, group.name());
                    results.javaVersion = run.env().getOrDefault("java", results.javaVersion);
                    for (Workload w : group.selected(options.workloads)) {
                        Map<String, String> r = run.results().get(w.name());
                        check(r != null, "run " + config.id() + " " + group.name() + " printed no result for "
                                + w.name() + "\n" + run.stderr());
                        if ("1".equals(r.get("capped"))) {
                            results.notes.add("round " + (round + 1) + ", " + config.id() + ", " + w.name()
                                    + ": reached the time cap; figure from the work done");
                        }
                        results.raw.add("round=" + (round + 1) + " config=" + config.id() + " workload=" + w.name()
                                + " " + String.join(" ", r.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                                .toList()));
                        results.byWorkload.computeIfAbsent(w.name(), k -> new LinkedHashMap<>())
                                .computeIfAbsent(config.id(), k -> new ArrayList<>()).add(r);
                    }
                }
            }
            if (startup) {
                Map<String, List<Map<String, Double>>> launches = new LinkedHashMap<>();
                for (int k = 0; k < options.startups; k++) {
                    for (Configuration config : order) {
                        Run run = launch(config, List.of(Hello.class.getName()), round, "startup");
                        results.javaVersion = run.hello().getOrDefault("java", results.javaVersion);
                        Map<String, Double> figures = startupFigures(run);
                        // Pinned to one CPU (a 1-CPU container): the agent's start competes with nothing else.
                        Run pinned = finish(start(PIN_ONE_CPU, config, List.of(Hello.class.getName()), round,
                                "startup, pinned to one CPU"));
                        startupFigures(pinned).forEach((key, value) -> figures.put("pinned" + capitalized(key), value));
                        figures.putAll(idleFigures(launch(config, List.of(Hello.class.getName(), "idle"), round,
                                "startup, idle after the agent's start")));
                        if (config.expect() == Expect.AGENT) {
                            figures.putAll(hooksFigures(launch(config, List.of(Hello.class.getName(), "await-hooks"),
                                    round, "startup, awaiting the hooks")));
                        }
                        results.raw.add("round=" + (round + 1) + " config=" + config.id() + " workload=startup "
                                + String.join(" ", figures.entrySet().stream().map(e -> e.getKey() + "="
                                + String.format(Locale.ROOT, "%.1f", e.getValue())).toList()));
                        launches.computeIfAbsent(config.id(), x -> new ArrayList<>()).add(figures);
                    }
                }
                launches.forEach((config, list) -> results.startup.computeIfAbsent(config, x -> new ArrayList<>())
                        .add(medians(list)));
            }
            if (attach) {
                for (Configuration config : order) {
                    if (config.expect() == Expect.AGENT) {
                        Map<String, Double> figures = attach(configs.get(0), config, round);
                        results.raw.add("round=" + (round + 1) + " config=" + config.id() + " workload=attach "
                                + String.join(" ", figures.entrySet().stream().map(e -> e.getKey() + "="
                                + String.format(Locale.ROOT, "%.1f", e.getValue())).toList()));
                        results.attach.computeIfAbsent(config.id(), x -> new ArrayList<>()).add(figures);
                    }
                }
            }
            results.completedRounds = round + 1;
            progress("round %d/%d done after %.0f s", round + 1, options.rounds, (System.nanoTime() - started) / 1e9);
        }

        String loadAfter = readFirstLine(Paths.get("/proc/loadavg"));
        Report report = new Report(options, configs, Plan.groups(), results, machine(results, loadBefore, loadAfter,
                (System.nanoTime() - started) / 1e9));
        report.write();
        return report;
    }

    /**
     * One short JVM per configuration that only reports what is on: a configuration that does not
     * come up as it claims (agent missing, option refused, JFR off) fails the benchmark, or, if it
     * has a fallback, runs as that, with a note.
     */
    private List<Configuration> preflight(Results results) throws Exception {
        List<Configuration> kept = new ArrayList<>();
        for (Configuration planned : Plan.configurations()) {
            if (!planned.baseline() && !options.configs.isEmpty() && !options.configs.contains(planned.id())) {
                continue;
            }
            Configuration config = planned;
            if (config.fallback() == null) {
                // Checked by its first real run (every run verifies what is on); only a configuration
                // with a fallback needs to be tried before the rounds start.
                kept.add(config);
                if (config.baseline()) {
                    kept.add(new Configuration(Plan.NOISE, "no agent, again (noise floor)", config.flags(),
                            config.expect()));
                }
                continue;
            }
            Run run = null;
            while (run == null) {
                try {
                    run = launch(config, List.of(Workloads.class.getName()), -1, "preflight");
                } catch (IllegalStateException e) {
                    if (config.fallback() == null) {
                        throw e;
                    }
                    results.notes.add(config.id() + " runs as '" + config.fallback().label() + "': '" + config.label()
                            + "' did not start: " + firstLine(e.getMessage()));
                    progress("%s falls back: %s", config.id(), firstLine(e.getMessage()));
                    config = config.fallback();
                }
            }
            kept.add(config);
        }
        return kept;
    }

    /** A first; the others rotated by one position per round. */
    static List<Configuration> roundOrder(List<Configuration> configs, int round) {
        List<Configuration> rest = new ArrayList<>(configs.subList(1, configs.size()));
        List<Configuration> order = new ArrayList<>();
        order.add(configs.get(0));
        if (!rest.isEmpty()) {
            int shift = Math.floorMod(round, rest.size());
            for (int i = 0; i < rest.size(); i++) {
                order.add(rest.get((i + shift) % rest.size()));
            }
        }
        return order;
    }

    /** A child JVM that has been started. */
    private record Started(Configuration config, List<String> command, Path work, Path out, Path err,
                           Process process, long launchNanos, int round, String what) {
    }

    private Run launch(Configuration config, List<String> mainAndArgs, int round, String what) throws Exception {
        return finish(start(config, mainAndArgs, round, what));
    }

    private Started start(Configuration config, List<String> mainAndArgs, int round, String what) throws Exception {
        return start(List.of(), config, mainAndArgs, round, what);
    }

    /** @param prefix a command that runs the JVM, e.g. {@code taskset -c 0}, or empty */
    private Started start(List<String> prefix, Configuration config, List<String> mainAndArgs, int round, String what)
            throws Exception {
        Path work = workRoot.resolve("run-" + (++runCounter));
        Files.createDirectories(work);
        List<String> command = new ArrayList<>(prefix);
        command.add(options.jdk.resolve("bin/java").toString());
        command.addAll(Plan.COMMON_FLAGS);
        for (String flag : config.flags()) {
            command.add(substitute(flag, work));
        }
        command.add("-cp");
        command.add(options.benchJar.toAbsolutePath().toString());
        command.addAll(mainAndArgs);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("SOCKETDOCTOR_") || k.equals("JAVA_TOOL_OPTIONS")
                || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
        Path out = work.resolve("stdout.txt");
        Path err = work.resolve("stderr.txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        long launch = System.nanoTime();
        Process process = builder.start();
        return new Started(config, command, work, out, err, process, launch, round, what);
    }

    private String substitute(String flag, Path work) throws IOException {
        if (flag.contains("{collector}")) {
            flag = flag.replace("{collector}", CollectorStandIn.url());
        }
        return flag.replace("{agent}", agentJarUnderTest.toAbsolutePath().toString())
                .replace("{work}", work.toAbsolutePath().toString())
                .replace("{port}", Integer.toString(freePort()));
    }

    private Run finish(Started s) throws Exception {
        Configuration config = s.config();
        String what = s.what();
        try {
            Process process = s.process();
            boolean finished = process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            long exit = System.nanoTime();
            if (!finished) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String stdout = Files.readString(s.out(), StandardCharsets.UTF_8);
            String stderr = Files.readString(s.err(), StandardCharsets.UTF_8);
            String describe = "command: " + String.join(" ", s.command()) + "\nstdout (end):\n" + tail(stdout)
                    + "\nstderr (end):\n" + tail(stderr);
            check(finished, config.id() + " " + what + ": no exit within " + RUN_TIMEOUT_SECONDS + " s\n" + describe);
            check(process.exitValue() == 0, config.id() + " " + what + ": exit code " + process.exitValue() + "\n"
                    + describe);
            Map<String, String> env = Map.of();
            Map<String, Map<String, String>> results = new LinkedHashMap<>();
            Map<String, String> hello = new LinkedHashMap<>();
            for (String line : stdout.split("\n")) {
                if (line.startsWith("env ")) {
                    env = keyValues(line.substring(4));
                } else if (line.startsWith("result ")) {
                    String rest = line.substring(7);
                    int space = rest.indexOf(' ');
                    results.put(rest.substring(0, space), keyValues(rest.substring(space + 1)));
                } else if (line.startsWith("hello ")) {
                    hello.putAll(keyValues(line.substring(6)));
                }
            }
            if (!env.isEmpty()) {
                verify(config, env, stderr, describe);
            } else {
                verifyStderr(config, stderr, describe);
            }
            progress("%s %-11s %-3s %5.1f s%s", s.round() < 0 ? "preflight" : "round " + (s.round() + 1), what,
                    config.id(), (exit - s.launchNanos()) / 1e9, results.isEmpty() ? "" : "  " + summary(results));
            return new Run(config.id(), env, results, hello, s.launchNanos(), exit, stderr);
        } finally {
            if (s.process().isAlive()) {
                s.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            deleteTree(s.work());
        }
    }

    /**
     * Attach: a JVM without the agent fails in a loop; the agent is loaded into it with the
     * configuration's options (the JDK's attach API, as the CLI or jcmd would); the figures are the
     * time loadAgent took and the time from the attach to the first diagnosed failure.
     */
    private Map<String, Double> attach(Configuration baseline, Configuration agentConfig, int round) throws Exception {
        Path done = workRoot.resolve("attach-done-" + ProcessHandle.current().pid());
        Files.deleteIfExists(done);
        Started target = start(baseline, List.of(Workloads.class.getName(), "--done-file", done.toString(),
                "attach-target:2000:60"), round, "attach " + agentConfig.id());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(target.out()).contains("\nready")) {
            check(target.process().isAlive() && System.nanoTime() < deadline, "the attach target never got ready: "
                    + Files.readString(target.err()));
            Thread.sleep(10);
        }
        String agentFlag = agentConfig.flags().stream().filter(f -> f.startsWith("-javaagent:{agent}")).findFirst()
                .orElseThrow();
        String agentOptions = agentFlag.contains("=") ? substitute(agentFlag.substring(agentFlag.indexOf('=') + 1),
                target.work()) : null;
        long t0 = System.nanoTime();
        com.sun.tools.attach.VirtualMachine vm =
                com.sun.tools.attach.VirtualMachine.attach(Long.toString(target.process().pid()));
        try {
            vm.loadAgent(agentJarUnderTest.toAbsolutePath().toString(), agentOptions);
        } finally {
            vm.detach();
        }
        long loaded = System.nanoTime() - t0;
        Files.createFile(done);
        Run run;
        try {
            run = finish(target);
        } finally {
            Files.deleteIfExists(done);
        }
        Map<String, String> r = run.results().get("attach-target");
        check(r != null && Long.parseLong(r.get("firstDiagnosis")) > 0, "no diagnosed failure within 60 s of the"
                + " attach\n" + run.stderr());
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("loadAgentMs", loaded / 1e6);
        figures.put("firstDiagnosisMs", (Long.parseLong(r.get("firstDiagnosis")) - t0) / 1e6);
        return figures;
    }

    private static void verify(Configuration config, Map<String, String> env, String stderr, String describe) {
        String agent = env.getOrDefault("agent", "?");
        String jfr = env.getOrDefault("jfr", "?");
        switch (config.expect()) {
            case NOTHING -> check(agent.equals("off") && jfr.equals("off"),
                    config.id() + " should run without agent and JFR but reports agent=" + agent + " jfr=" + jfr
                            + "\n" + describe);
            case AGENT -> {
                check(agent.equals("on"), config.id() + " (" + config.label() + ") should run with the agent but"
                        + " reports agent=" + agent + "\n" + describe);
                check(env.getOrDefault("hooksMissing", "0").equals("0") || env.get("hooksMissing").equals("?"),
                        config.id() + ": hooks missing: " + env.get("hooksMissing") + "\n" + describe);
            }
            case JFR -> check(jfr.equals("on"), config.id() + " should run with JFR but reports jfr=" + jfr + "\n"
                    + describe);
            default -> throw new IllegalStateException();
        }
        verifyStderr(config, stderr, describe);
    }

    /** The agent says on stderr when it refuses an option, cannot start or misses hooks. */
    private static void verifyStderr(Configuration config, String stderr, String describe) {
        if (config.expect() == Expect.AGENT) {
            for (String line : stderr.split("\n")) {
                if (line.startsWith("socket-doctor") && !line.startsWith("[socket-doctor]")) {
                    throw new IllegalStateException(config.id() + ": the agent reported a problem: " + line + "\n"
                            + describe);
                }
            }
        }
    }

    private static Map<String, Double> startupFigures(Run run) {
        check(run.hello().containsKey("main"), "the start-up run printed nothing\n" + run.stderr());
        Map<String, Double> figures = new LinkedHashMap<>();
        // System.nanoTime is CLOCK_MONOTONIC on Linux in both JVMs: the child's value minus the
        // driver's launch time is the time from the launch to main's first line.
        figures.put("toMainMs", (Long.parseLong(run.hello().get("main")) - run.launchNanos()) / 1e6);
        figures.put("toExitMs", (run.exitNanos() - run.launchNanos()) / 1e6);
        figures.put("cpuMainMs", Long.parseLong(run.hello().getOrDefault("cpuMain", "-1000000")) / 1e6);
        figures.put("cpuExitMs", Long.parseLong(run.hello().getOrDefault("cpuExit", "-1000000")) / 1e6);
        return figures;
    }

    /** {@code taskset -c 0}: the JVM and all its threads on the first CPU. */
    private static final List<String> PIN_ONE_CPU = List.of("taskset", "-c", "0");

    private static String capitalized(String key) {
        return Character.toUpperCase(key.charAt(0)) + key.substring(1);
    }

    /** An idle JVM once the agent's start is over: resident memory, and the CPU all of it took. */
    private static Map<String, Double> idleFigures(Run run) {
        check(run.hello().containsKey("rssKb"), "the idle run printed nothing\n" + run.stderr());
        return Map.of("rssMiB", Long.parseLong(run.hello().get("rssKb")) / 1024.0,
                "cpuIdleMs", Long.parseLong(run.hello().getOrDefault("cpuIdle", "-1000000")) / 1e6);
    }

    /** When the first failure was diagnosed (every hook in place), and the CPU used by then. */
    private static Map<String, Double> hooksFigures(Run run) {
        long hooks = Long.parseLong(run.hello().getOrDefault("hooks", "-1"));
        check(hooks > 0, "the agent diagnosed no failure within 10 s of main\n" + run.stderr());
        return Map.of("toHooksMs", (hooks - run.launchNanos()) / 1e6,
                "cpuHooksMs", Long.parseLong(run.hello().getOrDefault("cpuHooks", "-1000000")) / 1e6);
    }

    private static Map<String, Double> medians(List<Map<String, Double>> launches) {
        Map<String, Double> medians = new LinkedHashMap<>();
        for (String key : launches.get(0).keySet()) {
            medians.put(key, Stats.median(launches.stream().map(m -> m.get(key)).toList()));
        }
        return medians;
    }

    private static String summary(Map<String, Map<String, String>> results) {
        StringBuilder s = new StringBuilder();
        results.forEach((name, r) -> {
            double ops = Double.parseDouble(r.get("ops"));
            double nanos = Double.parseDouble(r.get("nanos"));
            s.append(name).append('=');
            if (r.containsKey("nsPerCall")) {
                s.append(r.get("nsPerCall")).append("ns ");
            } else {
                s.append(String.format(Locale.ROOT, "%.0f/s ", ops * 1e9 / nanos));
            }
        });
        return s.toString().trim();
    }

    private Map<String, String> machine(Results results, String loadBefore, String loadAfter, double seconds) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")));
        m.put("commit", options.commit);
        m.put("agent jar", agentJarDescription);
        m.put("cpu", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores (nproc)");
        m.put("memory", memTotal());
        m.put("kernel", readFirstLine(Paths.get("/proc/sys/kernel/osrelease")));
        m.put("jdk", results.javaVersion + " (" + options.jdk + ")");
        m.put("load average", "before " + loadBefore + "; after " + loadAfter);
        m.put("rounds", results.completedRounds + (options.quick ? " (--quick)" : "") + ", work x" + options.scale
                + (options.oneJvm ? ", all workloads in one JVM per run" : ", one JVM per workload group and run")
                + ", " + options.startups + " start-up(s) per configuration and round, failures with " + options.hold
                + " extra TCP sockets open");
        m.put("duration", String.format(Locale.ROOT, "%.0f s", seconds));
        return m;
    }

    private static String sha256(Path file) throws IOException {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
            StringBuilder hex = new StringBuilder();
            for (byte b : digest) {
                hex.append(String.format(Locale.ROOT, "%02x", b));
            }
            return hex.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            return "unknown-digest";
        }
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Paths.get("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String memTotal() {
        try (Stream<String> lines = Files.lines(Paths.get("/proc/meminfo"))) {
            return lines.filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> String.format(Locale.ROOT, "%.1f GiB",
                            Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
                    .findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String readFirstLine(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return lines.isEmpty() ? "?" : lines.get(0).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private void progress(String format, Object... args) {
        if (options.progress != null) {
            options.progress.println("[bench] " + String.format(Locale.ROOT, format, args));
        }
    }

    static Map<String, String> keyValues(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String word : text.trim().split(" +")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                map.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return map;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String tail(String text) {
        String[] lines = text.split("\n");
        int from = Math.max(0, lines.length - 15);
        return String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length));
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
