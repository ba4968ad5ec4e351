package io.socketdoctor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.it.probe.Probe;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client pool holding connections its server closed never reads their EOF: the kernel's census
 * finds them in CLOSE_WAIT and the agent names each one (ends, age, idle time, the thread and the
 * place that opened it), instead of only counting them.
 */
class CloseWaitLeakIT {

    private static final int CONNECTIONS = 5;

    static Stream<Jvm> jdks() {
        return Jvm.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void eachPooledConnectionInCloseWaitIsReportedOnceByName(Jvm jvm) throws Exception {
        Path events = Jvm.workDir("close-wait-leak-jdk" + jvm.feature()).resolve("events.jsonl");
        // closewait.after=1s: the census runs every second, so each leak is due within about 2 s.
        Jvm.Result run = jvm.run(List.of(Jvm.agent("events=" + events + ",closewait.after=1s"), "-cp",
                Jvm.testClasspath(), Probe.class.getName(), "pooled-close-wait", Integer.toString(CONNECTIONS), "4000"));
        String context = "\n" + run.describe();
        assertEquals(0, run.exitCode(), context);
        Set<String> pooled = run.stdoutLines().stream().filter(l -> l.startsWith("pooled local="))
                .map(l -> l.substring("pooled local=".length(), l.indexOf(' ', "pooled local=".length())))
                .collect(Collectors.toSet());
        assertEquals(CONNECTIONS, pooled.size(), context);
        String remote = run.stdoutLines().stream().filter(l -> l.startsWith("pooled local=")).findFirst().orElseThrow()
                .replaceAll(".* remote=", "");
        Events all = Events.read(events);
        List<Map<String, Object>> leaks = all.where(e -> "close_wait_leak".equals(e.get("event")));
        assertEquals(pooled, leaks.stream().map(e -> e.get("local")).collect(Collectors.toSet()),
                "one leak per pooled connection" + context + "\nevents: " + all.all());
        assertEquals(CONNECTIONS, leaks.size(), "each reported once" + context + "\nevents: " + all.all());
        for (Map<String, Object> leak : leaks) {
            String where = "\nleak: " + leak + context;
            assertEquals("close_wait_leak_unread", leak.get("cause"), where);
            assertEquals(remote, leak.get("remote"), where);
            assertEquals("CLOSE_WAIT", leak.get("tcp_state"), "the kernel's view, at the report" + where);
            long age = (Long) leak.get("age_ms");
            long idle = (Long) leak.get("idle_ms");
            assertTrue(age >= 1000 && age < 30_000, "age_ms=" + age + where);
            assertTrue(idle >= 1000 && idle <= age, "never read or written: idle_ms=" + idle + where);
            assertEquals("pool-opener", leak.get("open_thread"), where);
            assertTrue(String.valueOf(leak.get("open_site")).contains("Probe.openPooled("), "open_site" + where);
            assertTrue(String.valueOf(leak.get("diagnosis")).contains("never read the EOF"), where);
            assertEquals(null, leak.get("eof_site"), where);
        }
        assertEquals(List.of(), all.where(e -> "close_wait_census".equals(e.get("event"))),
                "every CLOSE_WAIT socket is explained by a named connection: no bare count" + context);
    }
}
