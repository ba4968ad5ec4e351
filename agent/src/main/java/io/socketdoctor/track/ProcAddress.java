package io.socketdoctor.track;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address and port as the agent writes them ({@code 10.0.0.7:5432}, {@code [::1]:80}), in the
 * hex forms {@code /proc/net/tcp} and {@code tcp6} write them: IPv4 rows, IPv6 rows and
 * v4-mapped IPv6 rows. Only IP literals: a name is never looked up from here.
 */
final class ProcAddress {
    /** {@code 0100007F:1F90}: an IPv4 address as one little-endian word, and the port; null for IPv6. */
    final String text4;
    /** 32 hex digits (IPv6, or IPv4 v4-mapped: four such words) and the port. */
    final String text6;

    private ProcAddress(byte[] ip4, byte[] ip6, int port) {
        String port16 = hex(port >> 8) + hex(port);
        this.text4 = ip4 == null ? null : encode(ip4) + ":" + port16;
        this.text6 = encode(ip6) + ":" + port16;
    }

    /** {@code host:port} with an IP literal as the host, or null (a name, an unknown end, not an address). */
    static ProcAddress parse(String text) {
        try {
            int colon = text.lastIndexOf(':');
            String host = text.substring(0, colon);
            if (host.startsWith("[")) {
                host = host.substring(1, host.length() - 1);
            }
            if (!isLiteral(host)) {
                return null; // an unresolved name: never look it up from here
            }
            byte[] ip = InetAddress.getByName(host).getAddress(); // a literal: no lookup
            int port = Integer.parseInt(text.substring(colon + 1));
            if (ip.length == 4) {
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xff;
                mapped[11] = (byte) 0xff;
                System.arraycopy(ip, 0, mapped, 12, 4);
                return new ProcAddress(ip, mapped, port);
            }
            return new ProcAddress(null, ip, port);
        } catch (UnknownHostException | RuntimeException e) {
            return null;
        }
    }

    private static boolean isLiteral(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c == '.' || c == ':' || Character.digit(c, 16) >= 0)) {
                return false;
            }
        }
        return !host.isEmpty();
    }

    /** The address in /proc's form: each 4-byte word little-endian, upper-case hex. */
    static String encode(byte[] ip) {
        StringBuilder out = new StringBuilder(ip.length * 2);
        for (int word = 0; word < ip.length / 4; word++) {
            for (int b = 3; b >= 0; b--) {
                out.append(hex(ip[word * 4 + b]));
            }
        }
        return out.toString();
    }

    /** Two upper-case hex digits of the low byte (no String.format: it loads a lot on first use). */
    private static String hex(int b) {
        String digits = "0123456789ABCDEF";
        return "" + digits.charAt((b >> 4) & 0xf) + digits.charAt(b & 0xf);
    }
}
