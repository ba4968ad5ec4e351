package io.socketdoctor.agent;

import io.socketdoctor.classify.Api;
import io.socketdoctor.cli.PresenceMarks;
import io.socketdoctor.cli.StatusText;
import io.socketdoctor.config.AgentVersion;
import io.socketdoctor.event.ErrorCounts;
import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import io.socketdoctor.track.ConnectionStats;
import io.socketdoctor.track.KernelTcp;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What {@code socket-doctor status} shows of a running session: one {@code key: value} line per fact. */
final class StatusReport {

    private StatusReport() {
    }

    /** The whole report, stable for scripts. */
    static String report(Session session, Instant now) {
        Presence presence = Presence.current();
        String headline = presence == null ? StatusText.headline(null, null, now)
                : StatusText.headline(presence.via(), presence.since(), now);
        return headline + "\n" + body(session);
    }

    /**
     * The status after its first line, as the agent publishes it for the CLI (see {@link
     * PresenceMarks#STATUS_PROPERTY}): everything it has counted, nothing that depends on the moment asked.
     */
    static String body(Session session) {
        ErrorCounts counts = session.counts();
        StringBuilder out = new StringBuilder();
        out.append("agent: Socket Doctor ").append(AgentVersion.of()).append(" on Java ")
                // the property, not Runtime.version(): its toString runs streams and lambdas
                .append(System.getProperty("java.runtime.version")).append(", pid ")
                .append(ProcessHandle.current().pid());
        out.append("\noptions: ").append(session.config());
        out.append('\n').append(hooks(session));
        out.append("\nfailures: ").append(counts.failures());
        out.append("\n  by errno: ").append(ErrorCounts.format(counts.byErrno()));
        out.append("\n  by cause: ").append(ErrorCounts.format(counts.byCause()));
        out.append("\nwarnings: ").append(ErrorCounts.format(counts.otherEvents()));
        out.append("\nevents: ").append(session.sink().written()).append(" written, ")
                .append(session.sink().dropped()).append(" dropped (queue full)");
        if (session.otlpSent() >= 0) {
            out.append("\notlp: ").append(session.otlpSent()).append(" log records accepted by the collector, ")
                    .append(session.otlpDropped()).append(" events dropped (queue full, refused, or left at exit)");
        }
        out.append("\nconnections: ").append(connections(session.stats()));
        out.append("\nkernel state: ").append(kernel(session.kernel()));
        return out.toString();
    }

    static String hooks(Session session) {
        // Each hooked class is transformed when it loads: the others are not in use yet.
        List<String> missing = session.missingHooks();
        String where = HookSites.ALL.size() + " hook points in " + hookedClasses().size() + " JDK classes ("
                + session.hookedClasses() + " loaded so far)";
        return missing.isEmpty() ? "hooks: " + where + ", all in place"
                : "hooks: " + where + "; not in place: " + String.join("; ", missing);
    }

    /** The JDK classes the hook points are in. */
    static Set<String> hookedClasses() {
        Set<String> types = new LinkedHashSet<>();
        for (HookSite site : HookSites.ALL) {
            types.add(site.type());
        }
        return types;
    }

    private static String connections(ConnectionStats stats) {
        long client = 0;
        long server = 0;
        long closed = 0;
        long eofs = 0;
        for (Api api : Api.values()) {
            client += stats.openedCount(api, ConnectionStats.Direction.CLIENT);
            server += stats.openedCount(api, ConnectionStats.Direction.SERVER);
            closed += stats.closedCount(api);
            eofs += stats.peerEofCount(api);
        }
        return (client + server) + " opened (" + client + " client, " + server + " server), " + closed + " closed, "
                + eofs + " peer EOFs, " + stats.closeWaitLeakCount() + " CLOSE_WAIT leaks, "
                + stats.untrackedCount() + " untracked";
    }

    /** Whether events get the kernel's TCP state (tcp_state), and if not, why. */
    private static String kernel(KernelTcp kernel) {
        if (kernel.available()) {
            return "from /proc/net/tcp";
        }
        return kernel.problem() == null ? "none (no /proc)" : "none: " + kernel.problem();
    }
}
