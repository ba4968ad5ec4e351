package io.socketdoctor.classify;

/**
 * What the runtime could learn about the connection at the moment of the failure: from the
 * socket itself, and from the connection's history where Socket Doctor tracked it.
 *
 * @param local          local address as {@code ip:port}, or null
 * @param remote         remote address as {@code ip:port}, or null
 * @param outputShutdown this side had called {@code shutdownOutput}
 * @param closed         this side had already closed the socket or channel
 * @param eofSeen        an earlier read on this connection returned EOF (the peer closed)
 * @param resetSeen      an earlier operation on this connection already failed with a reset
 * @param idle           the connection had no I/O for at least {@code idle.after} before this
 * @param freshAccept    accepted by this side moments ago, and nothing read from it yet
 * @param tls            {@link #TLS_HANDSHAKE} or {@link #TLS_ESTABLISHED} when the failing socket I/O was
 *                       done by the JDK's TLS layer ({@code SSLSocket}), else null
 */
public record Facts(String local, String remote, boolean outputShutdown, boolean closed,
                    boolean eofSeen, boolean resetSeen, boolean idle, boolean freshAccept, String tls) {

    /** The TLS layer was still handshaking (its own records, or the application's first I/O waiting for it). */
    public static final String TLS_HANDSHAKE = "handshake";
    /** The handshake was done: the I/O carried the application's data. */
    public static final String TLS_ESTABLISHED = "established";

    public static final Facts NONE = new Facts(null, null, false, false);

    /** Facts without any connection history. */
    public Facts(String local, String remote, boolean outputShutdown, boolean closed) {
        this(local, remote, outputShutdown, closed, false, false, false, false, null);
    }

    /** Facts of a plain (not TLS) connection. */
    public Facts(String local, String remote, boolean outputShutdown, boolean closed,
                 boolean eofSeen, boolean resetSeen, boolean idle, boolean freshAccept) {
        this(local, remote, outputShutdown, closed, eofSeen, resetSeen, idle, freshAccept, null);
    }

    /** A condition a rule may require, named in the table's last column. */
    public enum Condition {
        OUTPUT_SHUTDOWN, CLOSED, AFTER_EOF, AFTER_RESET, IDLE, FRESH_ACCEPT, TLS_HANDSHAKE;

        boolean holds(Facts facts) {
            return switch (this) {
                // Once closed, "closed" is the better explanation than an earlier shutdown.
                case OUTPUT_SHUTDOWN -> facts.outputShutdown() && !facts.closed();
                case CLOSED -> facts.closed();
                case AFTER_EOF -> facts.eofSeen();
                case AFTER_RESET -> facts.resetSeen();
                case IDLE -> facts.idle();
                case FRESH_ACCEPT -> facts.freshAccept();
                case TLS_HANDSHAKE -> Facts.TLS_HANDSHAKE.equals(facts.tls());
            };
        }
    }
}
