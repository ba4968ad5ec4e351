package io.socketdoctor.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.classify.Api;
import io.socketdoctor.classify.Op;
import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The installer's check that every hook point took: sites over a small class of this test (the
 * real transformer rewrites it, nothing is loaded), and classes the JVM refused to retransform.
 */
class InstallerCheckTest {

    /** Stands in for a hooked JDK class. */
    static final class Fixture {
        private int reads;

        void read() throws IOException {
            if (++reads > 3) {
                throw new IOException("enough");
            }
        }

        int read(int n) {
            return n + reads;
        }
    }

    private static final String FIXTURE = Fixture.class.getName();
    private static final String REFUSED = "com.example.Refused";
    private static final String NOT_LOADED = "com.example.NotLoaded";

    private static final HookSite READ = site(0, FIXTURE, "read", List.of(), HookSite.Shape.INSTANCE);
    private static final HookSite READ_INT = site(1, FIXTURE, "read", List.of("int"), HookSite.Shape.INT_RESULT);
    private static final HookSite ABSENT = site(2, FIXTURE, "write", List.of("byte[]"), HookSite.Shape.INSTANCE);
    /** A stream shape reads the field {@code parent}, which the fixture lacks. */
    private static final HookSite NO_PARENT = site(3, FIXTURE, "read", List.of(), HookSite.Shape.STREAM_READ);
    private static final HookSite REFUSED_A = site(4, REFUSED, "read", List.of(), HookSite.Shape.INSTANCE);
    private static final HookSite REFUSED_B = site(5, REFUSED, "write", List.of(), HookSite.Shape.INSTANCE);
    private static final HookSite LATER = site(6, NOT_LOADED, "read", List.of(), HookSite.Shape.INSTANCE);
    private static final List<HookSite> SITES = List.of(READ, READ_INT, ABSENT, NO_PARENT, REFUSED_A, REFUSED_B, LATER);

    private static HookSite site(int id, String type, String method, List<String> parameters, HookSite.Shape shape) {
        return new HookSite(id, type, method, parameters, Op.READ, Api.SOCKET, shape, 0);
    }

    /** ClassBytes.of finds top-level classes only (by simple name): a nested one is read by its binary name. */
    private static byte[] fixtureBytes() throws IOException {
        try (java.io.InputStream in = Fixture.class.getResourceAsStream(
                FIXTURE.substring(FIXTURE.lastIndexOf('.') + 1) + ".class")) {
            return in.readAllBytes();
        }
    }

    /** The installation as {@code Installer.install} builds it, with the fixture loaded and {@link #REFUSED} refused. */
    private static Installer.Installation installed() throws IOException {
        HookTransformer transformer = new HookTransformer(SITES, BridgeInjector.BRIDGE_INTERNAL_NAME);
        byte[] hooked = transformer.transform(null, FIXTURE.replace('.', '/'), null, null, fixtureBytes());
        assertNotNull(hooked, "the fixture was not transformed");
        Map<String, String> refusedWhy = Map.of(REFUSED, "class redefinition failed: attempted to change the schema");
        return new Installer.Installation(SITES, transformer, Installer.refusals(SITES, refusedWhy), Set.of(REFUSED));
    }

    @Test
    void everySiteNotInPlaceIsNamedWithItsReason() throws IOException {
        assertEquals(List.of(
                REFUSED + " (2 hook points): the JVM refused to retransform it (class redefinition failed:"
                        + " attempted to change the schema)",
                FIXTURE + ".write(byte[]): matched 0 methods, expected 1",
                FIXTURE + ".read(): no field 'parent' in " + FIXTURE.replace('.', '/')),
                installed().problems());
    }

    @Test
    void missingPointsCountARefusedClassOncePerSiteAndSkipClassesNotLoaded() throws IOException {
        // ABSENT, NO_PARENT, and both sites of the refused class; READ, READ_INT in place; LATER not loaded yet
        assertEquals(4, installed().missingHookPoints());
    }

    @Test
    void aClassThatFailedToTransformNamesTheError() {
        List<HookSite> sites = List.of(site(0, NOT_LOADED, "read", List.of(), HookSite.Shape.INSTANCE));
        HookTransformer transformer = new HookTransformer(sites, BridgeInjector.BRIDGE_INTERNAL_NAME);
        Installer.Installation installation = new Installer.Installation(sites, transformer, List.of(), Set.of());
        assertEquals(List.of(), installation.problems(), "not loaded yet: nothing to say");
        transformer.transform(null, NOT_LOADED.replace('.', '/'), null, null, new byte[] {1, 2, 3});
        List<String> problems = installation.problems();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(NOT_LOADED + ".read(): java.lang."), problems.get(0));
    }

    @Test
    void eachProblemIsHandedOutOnce() throws IOException {
        Installer.Installation installation = installed();
        assertEquals(installation.problems(), installation.newProblems());
        assertEquals(List.of(), installation.newProblems());
    }

    @Test
    void allInPlaceIsNoProblem() throws IOException {
        List<HookSite> sites = List.of(READ, READ_INT);
        HookTransformer transformer = new HookTransformer(sites, BridgeInjector.BRIDGE_INTERNAL_NAME);
        transformer.transform(null, FIXTURE.replace('.', '/'), null, null, fixtureBytes());
        Installer.Installation installation = new Installer.Installation(sites, transformer, List.of(), Set.of());
        assertEquals(List.of(), installation.problems());
        assertEquals(0, installation.missingHookPoints());
        assertEquals(1, installation.classesHooked());
    }

    @Test
    void aRefusedClassIsRetriedAloneAndLosesOnlyItsOwnSites() {
        List<List<Class<?>>> retransformed = new ArrayList<>();
        List<Object> removed = new ArrayList<>();
        Instrumentation inst = (Instrumentation) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Instrumentation.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getAllLoadedClasses":
                            return new Class<?>[] {java.net.Socket.class, String.class, java.net.ServerSocket.class};
                        case "retransformClasses":
                            List<Class<?>> batch = List.of((Class<?>[]) args[0]);
                            retransformed.add(batch);
                            if (batch.contains(java.net.Socket.class)) {
                                throw new UnmodifiableClassException("another agent changed its shape");
                            }
                            return null;
                        case "removeTransformer":
                            removed.add(args[0]);
                            return true;
                        default:
                            return null;
                    }
                });
        Installer.Installation installation = Installer.install(inst);
        assertEquals(List.of(List.of(java.net.Socket.class, java.net.ServerSocket.class),
                List.of(java.net.Socket.class), List.of(java.net.ServerSocket.class)), retransformed,
                "one batch of the hooked classes only, then class by class");
        long socketSites = HookSites.ALL.stream().filter(s -> s.type().equals("java.net.Socket")).count();
        assertEquals(List.of("java.net.Socket (" + socketSites + " hook points): the JVM refused to retransform it"
                + " (another agent changed its shape)"), installation.problems());
        assertEquals(socketSites, installation.missingHookPoints());
        installation.uninstall(inst);
        assertEquals(1, removed.size(), "the transformer is removed");
    }
}
