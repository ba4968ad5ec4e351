package io.socketdoctor.event;

import java.util.HashSet;
import java.util.Set;

/**
 * The {@code peer} tag of {@code metrics.peers=N}: the remote IP (never the port) of the first N
 * distinct hosts seen, {@code other} for every host after them, {@code none} for an event without
 * a remote address. First come, first kept: a host never changes series once it has one, so a
 * counter stays monotonic; the cap bounds the series whatever the traffic.
 */
final class PeerFolder {

    private final int limit;
    private final Set<String> hosts = new HashSet<>();

    PeerFolder(int limit) {
        this.limit = limit;
    }

    synchronized String fold(String remote) {
        if (remote == null) {
            return TagValues.NONE;
        }
        String host = hostOf(remote);
        if (host == null) {
            return TagValues.OTHER; // an unresolved name: not an IP, so not a tag value
        }
        if (hosts.contains(host)) {
            return host;
        }
        if (hosts.size() < limit) {
            hosts.add(host);
            return host;
        }
        return TagValues.OTHER;
    }

    /** {@code 10.0.0.7:5432} → {@code 10.0.0.7}, {@code [::1]:80} → {@code ::1}; null if the host is not an IP literal. */
    static String hostOf(String remote) {
        int colon = remote.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = remote.substring(0, colon);
        boolean v6 = host.startsWith("[") && host.endsWith("]");
        if (v6) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || host.length() > 45) {
            return null;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = v6 ? Character.digit(c, 16) >= 0 || c == ':' || c == '.' : (c >= '0' && c <= '9') || c == '.';
            if (!ok) {
                return null;
            }
        }
        return host;
    }
}
