package io.socketdoctor.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.bootstrap.Bridge;
import io.socketdoctor.bootstrap.LibraryBridge;
import io.socketdoctor.config.Config;
import io.socketdoctor.install.BridgeInjector;
import io.socketdoctor.runtime.Diagnostics;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session started and stopped in this JVM, with a bridge and an {@link Instrumentation} of the
 * test's own (no java.base change, no class is transformed): what its stop undoes, in which order,
 * and that a start that fails leaves no thread and no handler behind.
 */
class SessionLifecycleTest {

    /** Everything the fakes saw, in order. */
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private Session session;

    /** The bridge's {@code control}, as the real one is called; the warm-up's calls are left out. */
    public void control(int what, Object value) {
        if (what == Bridge.SET_ON_ERROR || what == Bridge.SET_ON_EVENT) {
            log.add("bridge " + what + (value == null ? " off" : " on"));
        }
    }

    private BridgeInjector.Handles bridge() throws ReflectiveOperationException {
        return new BridgeInjector.Handles(MethodHandles.lookup().findVirtual(SessionLifecycleTest.class, "control",
                MethodType.methodType(void.class, int.class, Object.class)).bindTo(this), null);
    }

    /** An Instrumentation with no class loaded; {@code refuse} makes adding the transformer fail. */
    private Instrumentation instrumentation(RuntimeException refuse) {
        return (Instrumentation) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Instrumentation.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "addTransformer":
                            if (refuse != null) {
                                throw refuse;
                            }
                            log.add("transformer added");
                            return null;
                        case "removeTransformer":
                            log.add("transformer removed");
                            return true;
                        case "getAllLoadedClasses":
                            return new Class<?>[0];
                        default:
                            return null;
                    }
                });
    }

    private final class Resource implements AutoCloseable {
        private final String name;
        private final boolean fails;

        Resource(String name, boolean fails) {
            this.name = name;
            this.fails = fails;
        }

        @Override
        public void close() {
            log.add("closed " + name);
            if (fails) {
                throw new IllegalStateException(name + " would not close");
            }
        }
    }

    @AfterEach
    void stopWhatIsLeft() throws Exception {
        if (session != null) {
            session.stop();
        }
    }

    @Test
    void stopSwitchesOffThenRestoresTheClassesThenClosesNewestFirstOnce() throws Throwable {
        Set<Thread> before = agentThreads();
        session = Session.start(Config.load("log=off"), instrumentation(null), bridge(), null);
        assertEquals(List.of("bridge 1 on", "bridge 2 on", "transformer added"), log);
        assertTrue(agentThreads().size() > before.size(), "the sink's and the tracker's threads run");
        session.onStop(new Resource("first", false));
        session.onStop(new Resource("second", false));
        session.onStop(new Resource("third", false));
        log.clear();

        session.stop();
        assertEquals(List.of("bridge 1 off", "bridge 2 off", "transformer removed", "closed third", "closed second",
                "closed first"), log);
        assertNoHandlerAndNoThreadLeft(before);

        log.clear();
        session.stop();
        assertEquals(List.of(), log, "a second stop does nothing");
    }

    @Test
    void aResourceThatFailsToCloseDoesNotKeepTheOthersOpen() throws Throwable {
        Set<Thread> before = agentThreads();
        session = Session.start(Config.load("log=off"), instrumentation(null), bridge(), null);
        session.onStop(new Resource("first", false));
        session.onStop(new Resource("second", true));
        session.onStop(new Resource("third", false));
        log.clear();

        Exception failure = assertThrows(Exception.class, session::stop);
        assertTrue(failure.getMessage().startsWith("stopping " + Resource.class.getName() + " failed"),
                failure.getMessage());
        assertTrue(String.valueOf(failure.getCause()).contains("second would not close"), String.valueOf(failure));
        assertEquals(List.of("bridge 1 off", "bridge 2 off", "transformer removed", "closed third", "closed second",
                "closed first"), log);
        assertNoHandlerAndNoThreadLeft(before);
        session.stop(); // once stopped, even after a failure: nothing is thrown again
    }

    @Test
    void aFailedStartLeavesNoThreadAndNoHandlerBehind() throws Throwable {
        Set<Thread> before = agentThreads();
        IllegalStateException refused = new IllegalStateException("no transformer for you");
        Throwable failure = assertThrows(Throwable.class,
                () -> Session.start(Config.load("log=off"), instrumentation(refused), bridge(), null));
        assertSame(refused, failure, "the start fails with the install's own exception");
        assertEquals(List.of("bridge 1 on", "bridge 2 on", "bridge 1 off", "bridge 2 off"), log,
                "the handlers were set before the install, and are unset again");
        assertNoHandlerAndNoThreadLeft(before);
    }

    private static void assertNoHandlerAndNoThreadLeft(Set<Thread> before) throws ReflectiveOperationException {
        assertNull(staticField(io.socketdoctor.runtime.BridgeHandlers.class, "active"), "the bridge's handles still reach a Diagnostics");
        assertNull(staticField(LibraryBridge.class, "onNettyError"), "Netty's handler is still set");
        Set<Thread> left = agentThreads();
        left.removeAll(before);
        assertEquals(Set.of(), left.stream().map(Thread::getName).collect(Collectors.toSet()), "threads left running");
    }

    private static Object staticField(Class<?> type, String name) throws ReflectiveOperationException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field.get(null);
    }

    /** The agent's threads alive now, the warm-up's aside (it ends by itself within 100 ms). */
    private static Set<Thread> agentThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("socket-doctor-")
                        && !t.getName().equals("socket-doctor-warm-up"))
                .collect(Collectors.toSet());
    }
}
