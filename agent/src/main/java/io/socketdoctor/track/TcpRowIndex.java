package io.socketdoctor.track;

import java.nio.charset.StandardCharsets;

/**
 * One table's rows by the hash of their local and remote address columns (open addressing,
 * linear probing; slot = key offset + 1, 0 = empty), built in one pass as the table is taken:
 * then a look-up is a probe or two. Scanning the table per look-up cost a millisecond per event
 * on a host with 10 000 sockets, where one read serves hundreds of events. Hex digits are hashed
 * and compared upper-cased, as the kernel writes them.
 */
final class TcpRowIndex {
    private final byte[] content;
    private final int[] slots;

    TcpRowIndex(byte[] content) {
        this.content = content;
        int rows = 0;
        for (byte b : content) {
            if (b == '\n') {
                rows++;
            }
        }
        this.slots = new int[Integer.highestOneBit(Math.max(rows, 1) * 2) * 2];
        int at = TcpRows.indexOfByte(content, 0, (byte) '\n') + 1; // skip the header
        while (at > 0 && at < content.length) {
            int end = TcpRows.indexOfByte(content, at, (byte) '\n');
            if (end < 0) {
                end = content.length;
            }
            int keyStart = skipField(content, at, end); // past "sl:"
            int keyEnd = skipField(content, skipField(content, keyStart, end), end); // past local and remote
            if (keyEnd > keyStart) {
                int slot = hash(content, keyStart, keyEnd) & (slots.length - 1);
                while (slots[slot] != 0) {
                    slot = (slot + 1) & (slots.length - 1);
                }
                slots[slot] = keyStart + 1;
            }
            at = end + 1;
        }
    }

    /** The row whose "local remote" columns are {@code key} (upper-case), or null. */
    String line(byte[] key) {
        int slot = hash(key, 0, key.length) & (slots.length - 1);
        for (int probes = 0; probes < slots.length && slots[slot] != 0; probes++) {
            int at = slots[slot] - 1;
            if (matches(at, key)) {
                int lineStart = at;
                while (lineStart > 0 && content[lineStart - 1] != '\n') {
                    lineStart--;
                }
                int lineEnd = TcpRows.indexOfByte(content, at, (byte) '\n');
                return new String(content, lineStart, (lineEnd < 0 ? content.length : lineEnd) - lineStart,
                        StandardCharsets.US_ASCII);
            }
            slot = (slot + 1) & (slots.length - 1);
        }
        return null;
    }

    private boolean matches(int at, byte[] key) {
        if (at + key.length >= content.length || content[at + key.length] != ' ') {
            return false;
        }
        for (int j = 0; j < key.length; j++) {
            if (upper(content[at + j]) != key[j]) {
                return false;
            }
        }
        return true;
    }

    /** The start of the field after the one at (or after the spaces before) {@code from}. */
    private static int skipField(byte[] content, int from, int end) {
        int i = from;
        while (i < end && content[i] == ' ') {
            i++;
        }
        while (i < end && content[i] != ' ') {
            i++;
        }
        int fieldEnd = i;
        while (i < end && content[i] == ' ') {
            i++;
        }
        return i < end ? i : fieldEnd;
    }

    private static int hash(byte[] bytes, int from, int to) {
        int h = 0;
        int last = to;
        while (last > from && bytes[last - 1] == ' ') {
            last--;
        }
        for (int i = from; i < last; i++) {
            h = 31 * h + upper(bytes[i]);
        }
        return h ^ (h >>> 16);
    }

    private static byte upper(byte c) {
        return c >= 'a' && c <= 'f' ? (byte) (c - ('a' - 'A')) : c;
    }
}
