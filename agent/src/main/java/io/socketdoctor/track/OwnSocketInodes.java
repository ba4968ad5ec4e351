package io.socketdoctor.track;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Which rows of the kernel's tables are this process's: the inodes of the sockets its descriptors
 * point to ({@code /proc/self/fd/N -> socket:[inode]}). A link read per descriptor, far dearer than
 * the tables for a process holding 10 000 sockets: callers list them only when they must.
 */
final class OwnSocketInodes {

    private OwnSocketInodes() {
    }

    /** The inodes of this process's sockets (from the links under {@code selfFd}), sorted; null if unknown. */
    static long[] read(Path selfFd) {
        long[] inodes = new long[64];
        int count = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(selfFd)) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        if (count == inodes.length) {
                            inodes = Arrays.copyOf(inodes, count * 2);
                        }
                        inodes[count++] = Long.parseLong(target.substring(8, target.length() - 1));
                    }
                } catch (IOException | RuntimeException closedMeanwhile) {
                    // the descriptor went away while we listed them
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        long[] ours = Arrays.copyOf(inodes, count);
        Arrays.sort(ours);
        return ours;
    }
}
