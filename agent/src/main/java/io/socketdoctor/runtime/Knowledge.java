package io.socketdoctor.runtime;

import io.socketdoctor.classify.Classifier;
import io.socketdoctor.classify.Errno;
import io.socketdoctor.classify.ErrorTable;
import io.socketdoctor.track.Histories;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The error table and what is built from it: its classifier, its errnos by number, the client
 * libraries every stack is read against, and what is learnt at run time (which failures follow
 * from which, the peers' idle timeouts). Made at the first use (see {@link Lazy}).
 */
final class Knowledge {

    final ErrorTable table;
    final Classifier classifier;
    /** The catalogue by this platform's errno numbers: Netty hands over numbers, not messages. */
    final Map<Integer, Errno> errnoByCode = new HashMap<>();
    /** The client libraries and site.skip, which every stack is read against. */
    final Origin.Libraries libraries;
    /** What failures follow from, and the peers' idle timeouts seen: made here, off the start-up path. */
    final Consequences consequences = new Consequences();
    final PeerIdle peerIdle = new PeerIdle();

    Knowledge(ErrorTable table, Errno.Platform platform, List<String> siteSkip) {
        this.table = table;
        this.classifier = new Classifier(table);
        this.libraries = new Origin.Libraries(table.libraries(), siteSkip);
        for (Errno errno : table.errnos().values()) {
            Integer code = errno.code(platform);
            if (code != null) {
                errnoByCode.putIfAbsent(code, errno);
            }
        }
    }

    /**
     * Fills {@code {knob}}: the library's setting and the peer's shortest idle time seen before it
     * closed a connection, in the table's sentences; nothing where neither is known.
     */
    String withKnob(String hint, Origin origin, String remote) {
        if (hint.indexOf("{knob}") < 0) {
            return hint;
        }
        long shortest = peerIdle.shortest(remote);
        String sentence;
        if (shortest > 0) {
            sentence = table.knobText(origin.knob() != null ? "with-idle" : "idle-only")
                    .replace("{peer_idle}", Histories.seconds(shortest))
                    .replace("{below}", Histories.seconds(PeerIdle.below(shortest)));
        } else if (origin.knob() != null) {
            sentence = table.knobText("knob-only");
        } else {
            return hint.replace("{knob}", "");
        }
        String peer = remote == null ? "The peer" : "The peer " + remote;
        return hint.replace("{knob}", " " + sentence.replace("{peer}", peer)
                .replace("{knob}", origin.knob() == null ? "" : origin.knob()));
    }

    /**
     * The knowledge, loaded once. Parsing the table is most of what a first failure costs, so it is
     * not done while the JVM starts: the warm-up loads it on the agent's own thread right after the
     * install, and a failure that comes first loads it itself.
     */
    static final class Lazy {
        private final Errno.Platform platform;
        private final List<String> siteSkip;
        private volatile Knowledge knowledge;

        Lazy(Errno.Platform platform, List<String> siteSkip) {
            this.platform = platform;
            this.siteSkip = siteSkip;
        }

        Knowledge get() {
            Knowledge k = knowledge;
            if (k == null) {
                synchronized (this) {
                    k = knowledge;
                    if (k == null) {
                        k = new Knowledge(ErrorTable.load(), platform, siteSkip);
                        knowledge = k;
                    }
                }
            }
            return k;
        }
    }
}
