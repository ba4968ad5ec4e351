package io.socketdoctor.classify;

/**
 * One errno of the catalogue in {@code socket-errors.txt}: its symbol, its number on Linux,
 * macOS and Windows (WSA code; 0 where the platform has none) and the Linux strerror text.
 */
public record Errno(String symbol, int linux, int macos, int windows, String description) {

    /** The number on the platform this JVM runs on, or null where that platform has none. */
    public Integer code(Platform platform) {
        int code = switch (platform) {
            case LINUX -> linux;
            case MACOS -> macos;
            case WINDOWS -> windows;
        };
        return code == 0 ? null : code;
    }

    /** The operating systems whose errno numbers the catalogue knows. */
    public enum Platform {
        LINUX, MACOS, WINDOWS;

        public static Platform current() {
            String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
            if (os.startsWith("windows")) {
                return WINDOWS;
            }
            if (os.startsWith("mac")) {
                return MACOS;
            }
            return LINUX;
        }
    }
}
