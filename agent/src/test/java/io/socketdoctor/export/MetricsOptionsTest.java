package io.socketdoctor.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.config.Config;
import io.socketdoctor.config.ConfigException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code prometheus=[host:]port} and {@code metrics.peers=N}, as the agent arguments give them. */
class MetricsOptionsTest {

    private static Config args(String agentArgs) throws ConfigException {
        return Config.parse(agentArgs, new Properties(), Map.of());
    }

    @Test
    void metricsAreOffByDefault() throws ConfigException {
        assertNull(args(null).prometheus());
        assertEquals(0, args(null).metricsPeers());
        assertNull(args("prometheus=off").prometheus());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "prometheus=9404; 127.0.0.1; 9404; prometheus=127.0.0.1:9404",
        "prometheus:9404; 127.0.0.1; 9404; prometheus=127.0.0.1:9404",
        "prometheus=localhost:9404; 127.0.0.1; 9404; prometheus=127.0.0.1:9404",
        "prometheus=0.0.0.0:80; 0.0.0.0; 80; prometheus=0.0.0.0:80",
        "prometheus=10.1.2.3:65535; 10.1.2.3; 65535; prometheus=10.1.2.3:65535",
        "prometheus=[::1]:9404; 0:0:0:0:0:0:0:1; 9404; prometheus=[0:0:0:0:0:0:0:1]:9404",
        "prometheus=[::]:1; 0:0:0:0:0:0:0:0; 1; prometheus=[0:0:0:0:0:0:0:0]:1",
    })
    void theAddressDefaultsToLoopbackAndTakesIpLiterals(String agentArgs, String host, int port, String shown)
            throws ConfigException {
        Config config = args(agentArgs);
        InetSocketAddress address = config.prometheus();
        assertEquals(host, address.getAddress().getHostAddress());
        assertEquals(port, address.getPort());
        assertTrue(config.toString().contains(shown), config.toString());
    }

    @Test
    void theSystemPropertyAndEnvironmentVariableWorkToo() throws ConfigException {
        Properties props = new Properties();
        props.setProperty("socketdoctor.prometheus", "9500");
        assertEquals(9500, Config.parse(null, props, Map.of()).prometheus().getPort());
        assertEquals(9600, Config.parse(null, new Properties(),
                Map.of("SOCKETDOCTOR_PROMETHEUS", "127.0.0.1:9600", "SOCKETDOCTOR_METRICS_PEERS", "5")).prometheus().getPort());
        assertEquals(5, Config.parse(null, new Properties(), Map.of("SOCKETDOCTOR_METRICS_PEERS", "5")).metricsPeers());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65536", "-1", "abc", "", "db.example:9404", "1.2.3:9404", "256.0.0.1:9404",
        "01.2.3.4:9404", "::1:9404", "[::1]", "[zz::1]:9404", "127.0.0.1:", "127.0.0.1:9404:1"})
    void anythingElseIsRejectedWithoutALookup(String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> args("prometheus=" + value));
        assertTrue(e.getMessage().contains("prometheus takes [host:]port"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 1", "100, 100", " 7 , 7"})
    void metricsPeersFromZeroToOneHundred(String value, int peers) throws ConfigException {
        assertEquals(peers, args("metrics.peers=" + value).metricsPeers());
    }

    @ParameterizedTest
    @ValueSource(strings = {"101", "-1", "x", "2.5"})
    void metricsPeersOutOfRangeIsRejected(String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> args("metrics.peers=" + value));
        assertTrue(e.getMessage().contains("metrics.peers takes a whole number from 0 to 100"), e.getMessage());
    }
}
