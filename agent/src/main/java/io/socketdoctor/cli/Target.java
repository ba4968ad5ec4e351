package io.socketdoctor.cli;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * One JVM the CLI talks to, through the JDK's attach API ({@code jdk.attach}). The only class of
 * the CLI that names attach types: {@link Main} checks that the module exists before touching it.
 *
 * <p>What reaches the JVM: {@link #open} checks the pid through {@code /proc} first (exists, same
 * user, a JVM that accepts attach: {@link #requireEvidence}) and goes on only with positive
 * evidence, so that nothing is sent to a process that is not a JVM (the attach handshake sends
 * SIGQUIT, which kills most programs). The attach connection then reads the JVM's system
 * properties (this loads nothing into it); only {@link #load} loads the agent jar.
 */
final class Target implements AutoCloseable {

    private static final String DYNAMIC_LOADING_ON = "-XX:+EnableDynamicAgentLoading";
    private static final String DYNAMIC_LOADING_OFF = "-XX:-EnableDynamicAgentLoading";

    private final long pid;
    private final VirtualMachine vm;
    private final Properties properties;
    private final String vmArguments;

    private Target(long pid, VirtualMachine vm, Properties properties, String vmArguments) {
        this.pid = pid;
        this.vm = vm;
        this.properties = properties;
        this.vmArguments = vmArguments;
    }

    /** The JVMs this user can see (their {@code hsperfdata}), without attaching to any. */
    static List<VirtualMachineDescriptor> visible() {
        List<VirtualMachineDescriptor> vms = new ArrayList<>(VirtualMachine.list());
        vms.sort(Comparator.comparingLong(d -> parsePid(d.id())));
        return vms;
    }

    static long parsePid(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static Target open(long pid) throws CliException {
        if (pid == ProcessHandle.current().pid()) {
            throw new CliException(ExitCode.USAGE, "pid " + pid + " is this socket-doctor process itself");
        }
        if (!Procs.exists(pid)) {
            throw new CliException(ExitCode.NO_SUCH_PROCESS, "no process with pid " + pid
                    + " (socket-doctor list shows the JVMs you can attach to)");
        }
        requireEvidence(pid);
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException e) {
            throw attachFailure(pid, e);
        } catch (IOException e) {
            throw attachFailure(pid, e);
        }
        try {
            Properties properties = vm.getSystemProperties();
            Properties agent = vm.getAgentProperties();
            String arguments = agent.getProperty("sun.jvm.args", "") + " " + agent.getProperty("sun.jvm.flags", "");
            return new Target(pid, vm, properties, arguments);
        } catch (IOException | RuntimeException e) {
            closeQuietly(vm);
            throw new CliException(ExitCode.FAILED, "pid " + pid + " accepted the attach but did not answer: " + e);
        }
    }

    /**
     * Fails closed: returns only when there is positive evidence that {@code pid} is a HotSpot
     * JVM that this user may attach to and that accepts attach, because the JDK's attach starts
     * with a SIGQUIT to a JVM that has not opened its attach socket yet, and SIGQUIT kills most
     * other programs. Nothing is sent to the process here; every check reads {@code /proc} or
     * {@code /tmp}.
     *
     * <ol>
     *   <li>its effective uid and ours can be read, and its uid is a real one in our user namespace
     *       (in {@code unshare -U} every outside uid shows as 65534, the same as ours);</li>
     *   <li>it is ours, or we are root (else {@link ExitCode#OTHER_USER});</li>
     *   <li>{@code libjvm.so} is mapped into it ({@code /proc/<pid>/maps}; no libjvm: {@link
     *       ExitCode#NOT_JAVA}), or, where maps cannot be read, its {@code hsperfdata} file exists,
     *       owned by its user and no older than the process;</li>
     *   <li>it accepts attach: the JDK lists it as attachable (from hsperfdata), or, for a JVM
     *       without perf data, its command line does not disable attach.</li>
     * </ol>
     * When a fact is unknown: {@link ExitCode#NOT_JAVA} with "cannot tell".
     */
    static void requireEvidence(long pid) throws CliException {
        Integer owner = Procs.effectiveUid(pid);
        Integer me = Procs.myEffectiveUid();
        boolean listed = false;
        if (!Procs.linux()) {
            // No /proc: the JDK's own list (hsperfdata, attachable JVMs only) is the only evidence.
            for (VirtualMachineDescriptor d : VirtualMachine.list()) {
                listed |= parsePid(d.id()) == pid;
            }
            if (!listed) {
                throw cannotTell(pid, "it is not in the JDK's list of attachable JVMs (hsperfdata)");
            }
            return;
        }
        if (owner == null || me == null) {
            throw cannotTell(pid, "the owner of " + (owner == null ? "pid " + pid : "this process")
                    + " cannot be read from /proc");
        }
        if (!Procs.uidMapped(owner)) {
            throw cannotTell(pid, "its user is not mapped into this user namespace (uid " + owner + " as seen here),"
                    + " so neither its owner nor its kind can be told from here");
        }
        if (!owner.equals(me) && me != 0) {
            throw new CliException(ExitCode.OTHER_USER, "pid " + pid + " belongs to user " + Procs.user(pid)
                    + ", you are " + Procs.myUser() + ": a JVM accepts attach only from its own user (or root);"
                    + " run socket-doctor as that user, e.g. sudo -u " + Procs.user(pid) + " ...");
        }
        Boolean libjvm = Procs.mapsLibjvm(pid);
        if (Boolean.FALSE.equals(libjvm)) {
            throw new CliException(ExitCode.NOT_JAVA, "pid " + pid + " (" + shorten(Procs.commandLine(pid), 80)
                    + ") is not a Java virtual machine; nothing was sent to it");
        }
        Path perfData = Boolean.TRUE.equals(libjvm) ? null : Procs.hsperfdata(pid, owner);
        if (libjvm == null && perfData == null) {
            throw cannotTell(pid, "/proc/" + pid + "/maps cannot be read and no hsperfdata file of its user names it");
        }
        for (VirtualMachineDescriptor d : VirtualMachine.list()) {
            listed |= parsePid(d.id()) == pid;
        }
        if (!listed) {
            // A JVM not announced as attachable: attach disabled, or -XX:-UsePerfData.
            if (perfData != null || Procs.commandLine(pid).contains("-XX:+DisableAttachMechanism")) {
                throw refusedAttach(pid);
            }
        }
    }

    private static CliException cannotTell(long pid, String why) {
        return new CliException(ExitCode.NOT_JAVA, "cannot tell that " + pid + " is a JVM; nothing was sent to it ("
                + why + ")");
    }

    private static CliException refusedAttach(long pid) {
        return new CliException(ExitCode.ATTACH_REFUSED, "pid " + pid + " was started with"
                + " -XX:+DisableAttachMechanism and accepts no attach; to use Socket Doctor there, restart it with"
                + " -javaagent:socket-doctor-agent.jar");
    }

    private static CliException attachFailure(long pid, Exception e) {
        String message = String.valueOf(e.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("does not support the attach mechanism")) {
            return refusedAttach(pid);
        }
        if (lower.contains("no such process")) {
            return new CliException(ExitCode.NO_SUCH_PROCESS, "pid " + pid + " exited");
        }
        if (lower.contains("not permitted") || lower.contains("permission denied") || lower.contains("owned by")
                || lower.contains("not secure")) {
            return new CliException(ExitCode.OTHER_USER, "pid " + pid + " cannot be attached by user "
                    + Procs.myUser() + " (" + message + "): run socket-doctor as the JVM's user or as root");
        }
        if (lower.contains("respond") || lower.contains("unable to open socket file")) {
            return new CliException(ExitCode.ATTACH_REFUSED, "pid " + pid + " did not answer the attach request ("
                    + message + "): it may run with -XX:+DisableAttachMechanism, be hung, or not be a HotSpot JVM");
        }
        return new CliException(ExitCode.FAILED, "cannot attach to pid " + pid + ": " + e);
    }

    long pid() {
        return pid;
    }

    /** {@code 17}, {@code 25}: the JVM's Java version. */
    int feature() {
        String spec = properties.getProperty("java.specification.version", "0");
        try {
            return spec.startsWith("1.") ? Integer.parseInt(spec.substring(2)) : Integer.parseInt(spec);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    String javaVersion() {
        return properties.getProperty("java.runtime.version", properties.getProperty("java.version", "?"));
    }

    /** What the JVM runs: its main class or jar (with arguments). */
    String command() {
        return properties.getProperty("sun.java.command", "?");
    }

    /** The running agent's {@link PresenceMarks#PROPERTY}, or null: read without loading anything. */
    String session() {
        return properties.getProperty(PresenceMarks.PROPERTY);
    }

    /**
     * The running agent's published status ({@link PresenceMarks#STATUS_PROPERTY}), or null: read
     * without loading anything.
     */
    String status() {
        return properties.getProperty(PresenceMarks.STATUS_PROPERTY);
    }

    void requireSupportedJava() throws CliException {
        if (feature() < 17) {
            throw new CliException(ExitCode.FAILED, "pid " + pid + " runs Java " + javaVersion()
                    + "; Socket Doctor needs Java 17 or later");
        }
    }

    /** Whether loading an agent makes this JVM print the JEP 451 warning (Java 21+, not allowed explicitly). */
    boolean warnsOnDynamicLoad() {
        return feature() >= 21 && !vmArguments.contains(DYNAMIC_LOADING_ON);
    }

    /** The note the CLI prints after each agent load into a JVM that warns (see {@link #warnsOnDynamicLoad}). */
    String dynamicLoadNote() {
        return "note: Java " + feature() + " has printed \"WARNING: A Java agent has been loaded dynamically\" on the"
                + " stderr of pid " + pid + " (JEP 451).\n      It records this load and is harmless; a JVM started with "
                + DYNAMIC_LOADING_ON + " does not print it\n      (and a future JDK may refuse agents loaded at run"
                + " time without that flag).";
    }

    /**
     * Loads the agent jar with {@code command=<command>,reply=<file>[,options]} and returns the agent's answer.
     * The reply file is created here in the JVM's /tmp (owned by the JVM's user, who must write it)
     * and deleted afterwards.
     */
    Reply load(String command, String options) throws CliException {
        if (feature() >= 21 && vmArguments.contains(DYNAMIC_LOADING_OFF)) {
            throw new CliException(ExitCode.ATTACH_REFUSED, "pid " + pid + " runs with " + DYNAMIC_LOADING_OFF
                    + ": it refuses agents loaded while it runs (JEP 451); to use Socket Doctor there, restart it"
                    + " with -javaagent:socket-doctor-agent.jar");
        }
        Path jar = agentJar();
        Path reply;
        String replyInTarget;
        try {
            Path tmp = Procs.tmpOf(pid);
            reply = Files.createTempFile(tmp, "socket-doctor-reply-", ".txt");
            replyInTarget = Procs.linux() ? "/tmp/" + reply.getFileName() : reply.toString();
            Integer owner = Procs.uid(pid);
            if (owner != null && !owner.equals(Procs.myUid())) {
                // root attaching to another user's JVM: that user writes the answer
                Files.setOwner(reply, Files.getOwner(Paths.get("/proc", Long.toString(pid))));
            }
        } catch (IOException | RuntimeException e) {
            throw new CliException(ExitCode.FAILED, "cannot create the reply file for pid " + pid + ": " + e);
        }
        try {
            String arguments = AgentArguments.format(command, replyInTarget, options);
            try {
                vm.loadAgent(jar.toString(), arguments);
            } catch (AgentLoadException e) {
                String message = String.valueOf(e.getMessage());
                if (message.toLowerCase(Locale.ROOT).contains("dynamic")) {
                    throw new CliException(ExitCode.ATTACH_REFUSED, "pid " + pid + " refuses agents loaded while it"
                            + " runs (" + message + "); restart it with -javaagent:socket-doctor-agent.jar");
                }
                throw new CliException(ExitCode.FAILED, "pid " + pid + " could not load " + jar + ": " + message
                        + " (the JVM must be able to read the jar at that path)");
            } catch (AgentInitializationException e) {
                throw new CliException(ExitCode.FAILED, "the agent failed inside pid " + pid + " (see its stderr): " + e);
            } catch (IOException e) {
                throw new CliException(ExitCode.FAILED, "pid " + pid + " closed the attach connection: " + e);
            }
            return Reply.parse(Files.readString(reply, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "cannot read the answer of pid " + pid + ": " + e);
        } finally {
            try {
                Files.deleteIfExists(reply);
            } catch (IOException ignored) {
                // a leftover empty file in /tmp
            }
        }
    }

    /** This jar: the one the CLI runs from is the one loaded into the JVM. */
    static Path agentJar() throws CliException {
        try {
            Path path = Paths.get(Target.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(path) || !path.toString().endsWith(".jar")) {
                throw new CliException(ExitCode.FAILED, "socket-doctor runs from " + path + ", not from the agent jar:"
                        + " run it as java -jar socket-doctor-agent.jar");
            }
            return path.toAbsolutePath();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            throw new CliException(ExitCode.FAILED, "cannot find the agent jar: " + e);
        }
    }

    @Override
    public void close() {
        closeQuietly(vm);
    }

    private static void closeQuietly(VirtualMachine vm) {
        try {
            vm.detach();
        } catch (IOException ignored) {
            // the connection is gone either way
        }
    }

    static String shorten(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }
}
