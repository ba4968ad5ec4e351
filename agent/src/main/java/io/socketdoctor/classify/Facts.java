package io.socketdoctor.classify;

/**
 * What the runtime could learn about the connection at the moment of the failure.
 *
 * @param local          local address as {@code ip:port}, or null
 * @param remote         remote address as {@code ip:port}, or null
 * @param outputShutdown this side had called {@code shutdownOutput}
 * @param closed         this side had already closed the socket or channel
 */
public record Facts(String local, String remote, boolean outputShutdown, boolean closed) {

    public static final Facts NONE = new Facts(null, null, false, false);

    /** A condition a rule may require, named in the table's last column. */
    public enum Condition {
        OUTPUT_SHUTDOWN, CLOSED;

        boolean holds(Facts facts) {
            return switch (this) {
                // Once closed, "closed" is the better explanation than an earlier shutdown.
                case OUTPUT_SHUTDOWN -> facts.outputShutdown() && !facts.closed();
                case CLOSED -> facts.closed();
            };
        }
    }
}
