package io.socketdoctor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigTest {

    private static final String KNOWN_KEYS = "enrich, log, log.to, log.rate, events, events.max, events.mode, closewait.after,"
            + " idle.after, prometheus, site.skip, metrics.tags, service, otlp, otlp.interval, metrics.peers, install";

    private static final String OFF = "Socket Doctor is off";

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private static Config args(String agentArgs) throws ConfigException {
        return Config.parse(agentArgs, new Properties(), Map.of());
    }

    private static String rejected(String agentArgs, Properties properties, Map<String, String> env) {
        ConfigException e = assertThrows(ConfigException.class, () -> Config.parse(agentArgs, properties, env));
        assertTrue(e.getMessage().contains(OFF), e.getMessage());
        assertTrue(e.getMessage().startsWith("socket-doctor: "), e.getMessage());
        return e.getMessage();
    }

    private static void assertContains(String message, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "'" + fragment + "' missing from: " + message);
        }
    }

    // ---- defaults ----

    @Test
    void defaults() throws ConfigException {
        for (Config c : new Config[] {Config.parse(null, new Properties(), Map.of()), args(""), args("  "),
                Config.defaults()}) {
            assertEquals(Config.Enrich.SUPPRESSED, c.enrich());
            assertEquals(Config.Log.STDERR, c.log());
            assertEquals(5, c.logRate());
            assertNull(c.events());
            assertEquals("enrich=suppressed,log=stderr,log.to=stderr,log.rate=5,closewait.after=30s,idle.after=30s,otlp.interval=10s,metrics.peers=0,install=before-main",
                    c.toString());
        }
    }

    @Test
    void unrelatedPropertiesAndVariablesAreIgnored() throws ConfigException {
        Config c = Config.parse(null, props("java.home", "/opt/jdk", "socketdoctorx.enrich", "loud", "socketdoctor", "x"),
                Map.of("PATH", "/usr/bin", "SOCKETDOCTORS", "x", "socketdoctor_enrich", "off"));
        assertEquals(Config.Enrich.SUPPRESSED, c.enrich());
        assertEquals(5, c.logRate());
    }

    @Test
    void installIsBeforeMainUnlessAskedInTheBackground() throws ConfigException {
        assertEquals(Config.Install.BEFORE_MAIN, args("").install());
        assertEquals(Config.Install.BACKGROUND, args("install=background").install());
        assertEquals(Config.Install.BEFORE_MAIN, args("install:Before-Main").install());
        assertEquals(Config.Install.BEFORE_MAIN,
                Config.parse(null, props("socketdoctor.install", "before-main"), Map.of()).install());
    }

    // ---- agent arguments ----

    @Test
    void agentArgumentsTakeEqualsAndColon() throws ConfigException {
        Config c = args("enrich=message,log:system,log.rate:42,events=/tmp/sd.jsonl");
        assertEquals(Config.Enrich.MESSAGE, c.enrich());
        assertEquals(Config.Log.SYSTEM, c.log());
        assertEquals(42, c.logRate());
        assertEquals(Paths.get("/tmp/sd.jsonl"), c.events());
        assertEquals("enrich=message,log=system,log.to=stderr,log.rate=42,events=/tmp/sd.jsonl,closewait.after=30s,idle.after=30s,"
                + "otlp.interval=10s,metrics.peers=0,install=before-main", c.toString());

        Config colon = args("enrich:off,log=off,log.rate=1000,events:/tmp/sd.jsonl");
        assertEquals(Config.Enrich.OFF, colon.enrich());
        assertEquals(Config.Log.OFF, colon.log());
        assertEquals(1000, colon.logRate());
        assertEquals(Paths.get("/tmp/sd.jsonl"), colon.events());
    }

    @Test
    void theFirstSeparatorSplitsSoValuesMayHoldColonsAndEquals() throws ConfigException {
        assertEquals(Paths.get("C:\\logs\\sd.jsonl"), args("events=C:\\logs\\sd.jsonl").events());
        assertEquals(Paths.get("C:\\logs\\sd.jsonl"), args("events:C:\\logs\\sd.jsonl").events());
        assertEquals(Paths.get("/tmp/a=b.jsonl"), args("events:/tmp/a=b.jsonl").events());
    }

    @Test
    void blanksAroundKeysValuesAndEmptyPairsAreIgnored() throws ConfigException {
        Config c = args(" enrich = message , , log.rate= 7 ,");
        assertEquals(Config.Enrich.MESSAGE, c.enrich());
        assertEquals(7, c.logRate());
    }

    @Test
    void aPairWithoutSeparatorIsRejected() {
        String m = rejected("enrich", new Properties(), Map.of());
        assertContains(m, "'enrich'", "agent arguments", "key=value", KNOWN_KEYS);
        assertContains(rejected("=off", new Properties(), Map.of()), "'=off'");
    }

    // ---- the three sources and their precedence ----

    @Test
    void systemPropertiesAndEnvironmentVariablesAreRead() throws ConfigException {
        Config fromProps = Config.parse(null, props("socketdoctor.enrich", "off", "socketdoctor.log", "system",
                "socketdoctor.log.rate", "9", "socketdoctor.events", "/tmp/p.jsonl"), Map.of());
        assertEquals(Config.Enrich.OFF, fromProps.enrich());
        assertEquals(Config.Log.SYSTEM, fromProps.log());
        assertEquals(9, fromProps.logRate());
        assertEquals(Paths.get("/tmp/p.jsonl"), fromProps.events());

        Config fromEnv = Config.parse(null, new Properties(), Map.of("SOCKETDOCTOR_ENRICH", "message",
                "SOCKETDOCTOR_LOG", "off", "SOCKETDOCTOR_LOG_RATE", "11", "SOCKETDOCTOR_EVENTS", "/tmp/e.jsonl"));
        assertEquals(Config.Enrich.MESSAGE, fromEnv.enrich());
        assertEquals(Config.Log.OFF, fromEnv.log());
        assertEquals(11, fromEnv.logRate());
        assertEquals(Paths.get("/tmp/e.jsonl"), fromEnv.events());
    }

    @Test
    void agentArgumentsBeatSystemPropertiesWhichBeatEnvironmentVariables() throws ConfigException {
        Map<String, String> env = Map.of("SOCKETDOCTOR_LOG_RATE", "7", "SOCKETDOCTOR_ENRICH", "off");
        Properties props = props("socketdoctor.log.rate", "8", "socketdoctor.enrich", "message");

        Config all = Config.parse("log.rate=9,enrich=suppressed", props, env);
        assertEquals(9, all.logRate());
        assertEquals(Config.Enrich.SUPPRESSED, all.enrich());

        Config noArgs = Config.parse(null, props, env);
        assertEquals(8, noArgs.logRate());
        assertEquals(Config.Enrich.MESSAGE, noArgs.enrich());

        Config envOnly = Config.parse(null, new Properties(), env);
        assertEquals(7, envOnly.logRate());
        assertEquals(Config.Enrich.OFF, envOnly.enrich());
    }

    @Test
    void eachKeyTakesItsValueFromTheStrongestSourceThatSetsIt() throws ConfigException {
        Config c = Config.parse("log.rate=3", props("socketdoctor.enrich", "message"),
                Map.of("SOCKETDOCTOR_LOG", "system", "SOCKETDOCTOR_LOG_RATE", "50"));
        assertEquals(3, c.logRate());
        assertEquals(Config.Enrich.MESSAGE, c.enrich());
        assertEquals(Config.Log.SYSTEM, c.log());
    }

    @Test
    void optionNamesForEachSource() {
        assertEquals("socketdoctor.log.rate", Option.LOG_RATE.systemProperty());
        assertEquals("SOCKETDOCTOR_LOG_RATE", Option.LOG_RATE.environmentVariable());
        assertEquals("SOCKETDOCTOR_ENRICH", Option.ENRICH.environmentVariable());
        assertEquals(Option.LOG_RATE, Option.byKey("log.rate"));
        assertNull(Option.byKey("log_rate"));
    }

    // ---- unknown keys: rejected in every source ----

    @Test
    void anUnknownKeyInTheAgentArgumentsIsRejected() {
        String m = rejected("enrich=off,colour=red", new Properties(), Map.of());
        assertContains(m, "'colour'", "the agent arguments", KNOWN_KEYS);
    }

    @Test
    void anUnknownSystemPropertyIsRejected() {
        String m = rejected(null, props("socketdoctor.colour", "red"), Map.of());
        assertContains(m, "'colour'", "system property socketdoctor.colour", KNOWN_KEYS);
    }

    @Test
    void anUnknownEnvironmentVariableIsRejected() {
        String m = rejected(null, new Properties(), Map.of("SOCKETDOCTOR_COLOUR", "red"));
        assertContains(m, "SOCKETDOCTOR_COLOUR", "environment variable", KNOWN_KEYS);
    }

    // ---- bad values: the message names the key and what it accepts ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "enrich=loud; enrich=loud; suppressed|message|off",
        "log=file; log=file; stderr|json|system|off",
        "log.rate=0; log.rate=0; a whole number from 1 to 1000",
        "log.rate=abc; log.rate=abc; a whole number from 1 to 1000",
        "log.rate=1001; log.rate=1001; a whole number from 1 to 1000",
        "log.rate=-5; log.rate=-5; a whole number from 1 to 1000",
        "log.rate=2.5; log.rate=2.5; a whole number from 1 to 1000",
        "events=; events=; a file path",
        "install=later; install=later; before-main|background",
    })
    void aBadValueInTheAgentArgumentsIsRejected(String agentArgs, String named, String accepted) {
        String m = rejected(agentArgs, new Properties(), Map.of());
        assertContains(m, named, "not valid", accepted, "the agent arguments");
    }

    @Test
    void aBadValueInAPropertyOrVariableIsRejectedNamingTheSource() {
        assertContains(rejected(null, props("socketdoctor.enrich", "loud"), Map.of()),
                "enrich=loud", "system property socketdoctor.enrich", "suppressed|message|off");
        assertContains(rejected(null, new Properties(), Map.of("SOCKETDOCTOR_LOG_RATE", "abc")),
                "log.rate=abc", "environment variable SOCKETDOCTOR_LOG_RATE", "a whole number from 1 to 1000");
    }

    @Test
    void anUnusablePathIsRejected() {
        assertContains(rejected("events=/tmp/a\u0000b", new Properties(), Map.of()), "events=", "not a usable path");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1000", " 17 "})
    void logRateBoundsAreAccepted(String value) throws ConfigException {
        assertEquals(Integer.parseInt(value.strip()), args("log.rate=" + value).logRate());
    }

    // ---- word values ignore case ----

    @Test
    void wordValuesIgnoreCase() throws ConfigException {
        assertEquals(Config.Enrich.MESSAGE, args("enrich=MESSAGE").enrich());
        assertEquals(Config.Enrich.OFF, args("enrich=Off").enrich());
        assertEquals(Config.Log.SYSTEM, args("log=System").log());
        assertEquals(Config.Log.OFF, Config.parse(null, props("socketdoctor.log", "OFF"), Map.of()).log());
        assertEquals(Config.Enrich.SUPPRESSED,
                Config.parse(null, new Properties(), Map.of("SOCKETDOCTOR_ENRICH", "Suppressed")).enrich());
        assertEquals("enrich=message,log=system,log.to=stderr,log.rate=5,closewait.after=30s,idle.after=30s,otlp.interval=10s,metrics.peers=0,install=before-main",
                args("enrich=MESSAGE,log=SYSTEM").toString());
    }

    // ---- the fleet's options: tags, service, OTLP ----

    @Test
    void metricTagsTakeCommasInTheAgentArguments() throws ConfigException {
        Config config = args("metrics.tags=application:checkout,env:prod,log=json,prometheus=9404");
        assertEquals(Map.of("application", "checkout", "env", "prod"), config.metricsTags());
        assertEquals(java.util.List.of("application", "env"), java.util.List.copyOf(config.metricsTags().keySet()));
        assertEquals(Config.Log.JSON, config.log());
        assertEquals(9404, config.prometheus().getPort());
        // A tag named like an option would silently become the option: refused, with what to write instead.
        assertContains(rejected("metrics.tags=team:payments,service:checkout", new Properties(), Map.of()),
                "'service:checkout' after metrics.tags", "write the option with '='");
        // The same from a system property, where no option can follow.
        assertEquals(Map.of("env", "prod"),
                Config.parse(null, props("socketdoctor.metrics.tags", "env:prod"), Map.of()).metricsTags());
    }

    @ParameterizedTest
    @ValueSource(strings = {"metrics.tags=errno:x", "metrics.tags=job:a", "metrics.tags=bad-name:x",
            "metrics.tags=a:", "metrics.tags=a:1,a:2", "metrics.tags=__a:1"})
    void metricTagsThatWouldClashAreRejected(String arguments) {
        assertContains(rejected(arguments, new Properties(), Map.of()), "metrics.tags", "is not valid");
    }

    @Test
    void otlpTakesAUrlOrEnvAndNeverTheEnvironmentUnasked() throws ConfigException {
        Map<String, String> env = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.observability:4318/");
        assertEquals(null, args("log=stderr").otlp(env), "the OpenTelemetry agent's variable is not taken implicitly");
        assertEquals("http://collector.observability:4318", args("otlp=env").otlp(env).toString());
        assertEquals(null, args("otlp=env").otlp(Map.of()));
        assertEquals("https://otel:4318/prefix", args("otlp=https://otel:4318/prefix/").otlp(Map.of()).toString());
        assertEquals(10_000, args("otlp=http://127.0.0.1:4318").otlpIntervalMillis());
        assertEquals(500, args("otlp.interval=500ms").otlpIntervalMillis());
        for (String bad : new String[] {"otlp=ftp://x:1", "otlp=127.0.0.1:4318", "otlp=http://u:p@x:4318",
                "otlp.interval=10ms"}) {
            assertContains(rejected(bad, new Properties(), Map.of()), "is not valid");
        }
    }

    @Test
    void logJsonToStdoutAndServiceName() throws ConfigException {
        Config config = args("log=json,log.to=stdout,service=checkout");
        assertEquals(Config.Log.JSON, config.log());
        assertEquals(Config.LogTo.STDOUT, config.logTo());
        assertEquals("checkout", config.service());
        assertContains(rejected("service=a b", new Properties(), Map.of()), "service=a b", "is not valid");
    }
}
