package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** A JDK to run child JVMs with, and the way to run them: bounded in time, output captured. */
public final class Jvm {

    private static final long TIMEOUT_SECONDS = 90;

    private final Path home;
    private final int feature;

    private Jvm(Path home) {
        this.home = home;
        this.feature = featureOf(home);
    }

    /** The JDKs named by the {@code it.jdks} system property (set by the pom: JDK 17 and JDK 25). */
    public static List<Jvm> all() {
        String list = System.getProperty("it.jdks");
        if (list == null || list.isBlank()) {
            fail("system property it.jdks is not set: run the tests through Maven");
        }
        List<Jvm> jvms = new ArrayList<>();
        for (String home : list.split(",")) {
            Path path = Paths.get(home.strip());
            if (!Files.isExecutable(path.resolve("bin/java"))) {
                fail("no JDK at " + path + " (it.jdks=" + list + "); install it or set JDK25_HOME");
            }
            jvms.add(new Jvm(path));
        }
        return jvms;
    }

    public static Path agentJar() {
        return existing("it.agentJar");
    }

    public static Path demoJar() {
        return existing("it.demoJar");
    }

    /** A fresh directory for one test's files. */
    public static Path workDir(String name) throws IOException {
        Path dir = Paths.get(System.getProperty("it.workDir", "target/it-work")).resolve(name);
        Files.createDirectories(dir);
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
        }
        return dir;
    }

    /** This module's compiled test classes: the probe programs. */
    public static String testClasspath() {
        return existingDirectory("it.testClasses").toString();
    }

    private static Path existingDirectory(String property) {
        Path path = Paths.get(System.getProperty(property, "missing-" + property));
        if (!Files.isDirectory(path)) {
            fail(property + " not found at " + path);
        }
        return path;
    }

    private static Path existing(String property) {
        Path path = Paths.get(System.getProperty(property, "missing-" + property));
        if (!Files.isRegularFile(path)) {
            fail(property + " not found at " + path + ": build it first (mvn verify builds everything)");
        }
        return path;
    }

    public int feature() {
        return feature;
    }

    /** The JDK's directory: for its tools ({@code bin/jcmd}) and for child JVMs that outlive one call (AttachIT). */
    public Path home() {
        return home;
    }

    @Override
    public String toString() {
        return "JDK " + feature;
    }

    /**
     * A JVM with the agent verifies every class, the JDK's too ({@code -Xverify:all}): the agent
     * writes the hooked JDK code's frames and exception tables itself, and the JVM does not verify
     * boot classes by default. A test that gives its own {@code -Xverify:} keeps it (StartupIT
     * keeps the default, so the JDK's CDS archive, which -Xverify:all turns off, is used there).
     */
    static List<String> withVerifier(List<String> arguments) {
        boolean agent = arguments.stream().anyMatch(a -> a.startsWith("-javaagent:"));
        boolean chosen = arguments.stream().anyMatch(a -> a.startsWith("-Xverify:"));
        if (!agent || chosen) {
            return arguments;
        }
        List<String> verified = new ArrayList<>();
        verified.add("-Xverify:all");
        verified.addAll(arguments);
        return verified;
    }

    /** Runs {@code java <arguments>}. */
    public Result run(List<String> arguments) throws Exception {
        return run(arguments, null);
    }

    /** Runs {@code java <arguments>}, under {@code ulimit -n openFiles} when that is not null. */
    public Result run(List<String> arguments, Integer openFiles) throws Exception {
        return runUnder(openFiles == null ? List.of()
                : List.of("bash", "-c", "ulimit -n " + openFiles + " && exec \"$@\"", "bash"), arguments);
    }

    /** Runs {@code <prefix> java <arguments>}, e.g. with {@code ip netns exec <ns>} as the prefix. */
    public Result runUnder(List<String> prefix, List<String> arguments) throws Exception {
        return runUnder(prefix, Map.of(), arguments);
    }

    /** Runs {@code java <arguments>} with these environment variables set over the test's own. */
    public Result runWith(Map<String, String> environment, List<String> arguments) throws Exception {
        return runUnder(List.of(), environment, arguments);
    }

    private Result runUnder(List<String> prefix, Map<String, String> environment, List<String> arguments)
            throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.add(home.resolve("bin/java").toString());
        command.addAll(withVerifier(arguments));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("SOCKETDOCTOR_") || k.equals("JAVA_TOOL_OPTIONS")
                || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS") || k.startsWith("OTEL_"));
        env.putAll(environment);
        Path out = Files.createTempFile("it-stdout", ".txt");
        Path err = Files.createTempFile("it-stderr", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("timed out after " + TIMEOUT_SECONDS + " s: " + String.join(" ", command)
                        + "\nstdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), String.join(" ", command), process.pid());
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * {@code -javaagent:<jar>[=options]}: the default options put every hook in place before main,
     * which the tests' programs need, as they fail sockets from their first line.
     */
    public static String agent(String options) {
        return agentAsDefault(options);
    }

    /** {@code -javaagent:<jar>[=options]}, nothing added. */
    public static String agentAsDefault(String options) {
        return "-javaagent:" + agentJar() + (options == null || options.isEmpty() ? "" : "=" + options);
    }

    private static int featureOf(Path home) {
        Properties release = new Properties();
        try (var in = Files.newInputStream(home.resolve("release"))) {
            release.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + home.resolve("release"), e);
        }
        String version = release.getProperty("JAVA_VERSION", "\"0\"").replace("\"", "");
        return Integer.parseInt(version.split("[.+-]")[0]);
    }

    /** What a child JVM did. */
    public record Result(int exitCode, String stdout, String stderr, String command, long pid) {

        /** A run whose pid was not kept (-1). */
        public Result(int exitCode, String stdout, String stderr, String command) {
            this(exitCode, stdout, stderr, command, -1);
        }

        public List<String> stdoutLines() {
            return stdout.lines().collect(Collectors.toList());
        }

        public List<String> stderrLines() {
            return stderr.lines().collect(Collectors.toList());
        }

        /** For assertion messages. */
        public String describe() {
            return "command: " + command + "\nexit: " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }

        static List<String> lines(String text) {
            return Arrays.asList(text.split("\n"));
        }
    }
}
