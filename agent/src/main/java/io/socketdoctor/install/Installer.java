package io.socketdoctor.install;

import io.socketdoctor.hook.HookSite;
import io.socketdoctor.hook.HookSites;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts every {@link HookSites hook site} in place, and says which did not take.
 *
 * <p>Registering the transformer is the install: a hooked JDK class that is not loaded yet is
 * transformed as it loads (most are, before {@code main}), in the same chain as any other agent's
 * transformer, and a class that never loads costs nothing. Only the classes loaded already (on JDK
 * 25 some come from the CDS archive before {@code premain}; after an attach, most) are
 * retransformed, in one batch. A class the JVM refuses to retransform (another agent changed its
 * shape at load, as the OpenTelemetry agent does) fails the whole batch, so the batch is then
 * retried class by class and only the refused ones are lost, each named once.
 *
 * <p>So each class's hooks are checked when that class is transformed: {@link
 * Installation#problems()} covers the classes loaded so far, and {@link Installation#newProblems()}
 * hands each problem out once, for the agent's thread to print.
 */
public final class Installer {

    private static final int MAX_REASON = 120;

    private Installer() {
    }

    /** What the install did, and what it has found wrong so far. */
    public static final class Installation {
        /** The sites the transformer was built for ({@link HookSites#ALL}, or a test's own). */
        private final List<HookSite> sites;
        private final HookTransformer transformer;
        /** Set once at install: classes missing or refused. */
        private final List<String> fixedProblems;
        private final Set<String> refused;
        private final Set<String> reported = new HashSet<>();

        Installation(List<HookSite> sites, HookTransformer transformer, List<String> fixedProblems,
                     Set<String> refused) {
            this.sites = sites;
            this.transformer = transformer;
            this.fixedProblems = fixedProblems;
            this.refused = refused;
        }

        /** Hook points not in place, among the classes loaded so far (empty when all is well). */
        public List<String> problems() {
            List<String> problems = new ArrayList<>(fixedProblems);
            for (HookSite site : sites) {
                if (refused.contains(site.type()) || !transformer.tally().seen(site.type())) {
                    continue;
                }
                String problem = transformer.tally().check(site);
                if (problem != null) {
                    problems.add(site.describe() + ": " + problem);
                }
            }
            return problems;
        }

        /** How many hook points are not in place, among the classes loaded so far (for the metric). */
        public int missingHookPoints() {
            int missing = 0;
            for (HookSite site : sites) {
                if (refused.contains(site.type())
                        || transformer.tally().seen(site.type()) && transformer.tally().check(site) != null) {
                    missing++;
                }
            }
            return missing;
        }

        /** The problems not handed out before (each once). */
        public synchronized List<String> newProblems() {
            List<String> fresh = new ArrayList<>();
            for (String problem : problems()) {
                if (reported.add(problem)) {
                    fresh.add(problem);
                }
            }
            return fresh;
        }

        /** How many of the hooked JDK classes have been transformed so far (the rest are not loaded). */
        public int classesHooked() {
            return transformer.tally().transformedCount();
        }

        /**
         * Gives the JDK (and Netty) classes their original code back: the transformer goes, and
         * retransforming what it hooked re-reads the classes from their original bytes. Must be
         * called with the {@link Instrumentation} the install used (each attach has its own).
         */
        public void uninstall(Instrumentation inst) {
            inst.removeTransformer(transformer);
            List<Class<?>> hooked = new ArrayList<>();
            for (Class<?> loaded : inst.getAllLoadedClasses()) {
                String internal = loaded.getName().replace('.', '/');
                if (transformer.tally().wasTransformed(internal) || NettyHooks.isErrorsClass(internal)) {
                    hooked.add(loaded);
                }
            }
            // As at install: one batch, then class by class, so one refused class keeps only its own hooks.
            Map<String, String> refusedNow = new LinkedHashMap<>();
            retransform(inst, hooked, refusedNow);
            if (!refusedNow.isEmpty()) {
                throw new IllegalStateException("the JVM refused to restore " + refusedNow.keySet()
                        + "; their hooks stay in place, switched off (" + refusedNow.values().iterator().next() + ")");
            }
        }
    }

    public static Installation install(Instrumentation inst) {
        HookTransformer transformer = new HookTransformer(HookSites.ALL, BridgeInjector.BRIDGE_INTERNAL_NAME);
        // Every class of the name check is loaded before the transformer sees any class: a class that
        // the check itself loads would otherwise reach the check while it is being loaded (LinkageError).
        transformer.transform(null, "java/lang/Object", null, null, null);
        inst.addTransformer(transformer, true);
        // Registered first, then the look for loaded classes: a class that loads in between is
        // transformed as it loads, and then retransformed once more (harmless).
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> type : inst.getAllLoadedClasses()) {
            String internal = type.getName().replace('.', '/');
            if (transformer.hooksJdkClass(type.getClassLoader(), internal) || NettyHooks.isErrorsClass(internal)) {
                loaded.add(type);
            }
        }
        Map<String, String> refusedWhy = new LinkedHashMap<>();
        retransform(inst, loaded, refusedWhy);
        for (String name : refusedWhy.keySet()) {
            // Our transformer ran for it, but the JVM kept the class as it was: it holds no hook.
            transformer.tally().forget(name.replace('.', '/'));
        }

        return new Installation(HookSites.ALL, transformer, refusals(HookSites.ALL, refusedWhy),
                new HashSet<>(refusedWhy.keySet()));
    }

    /** One problem line per class the JVM refused to retransform, with how many of the sites it held. */
    static List<String> refusals(List<HookSite> sites, Map<String, String> refusedWhy) {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> lostSites = new LinkedHashMap<>();
        for (HookSite site : sites) {
            if (refusedWhy.containsKey(site.type())) {
                Integer count = lostSites.get(site.type());
                lostSites.put(site.type(), count == null ? 1 : count + 1);
            }
        }
        for (Map.Entry<String, Integer> lost : lostSites.entrySet()) {
            problems.add(lost.getKey() + " (" + lost.getValue() + " hook points): the JVM refused to retransform it ("
                    + refusedWhy.get(lost.getKey()) + ")");
        }
        return problems;
    }

    /** One batch; if the JVM refuses it, class by class, collecting the refused ones with a short reason. */
    private static void retransform(Instrumentation inst, List<Class<?>> classes, Map<String, String> refused) {
        if (classes.isEmpty()) {
            return;
        }
        try {
            inst.retransformClasses(classes.toArray(new Class<?>[0]));
            return;
        } catch (Throwable batchFailed) {
            // retried one by one below
        }
        for (Class<?> type : classes) {
            try {
                inst.retransformClasses(type);
            } catch (Throwable t) {
                refused.put(type.getName(), shortReason(t));
            }
        }
    }

    /** The exception's message, not its stack, cut to one short line. */
    static String shortReason(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getName() : t.getMessage();
        message = message.replace('\n', ' ');
        return message.length() <= MAX_REASON ? message : message.substring(0, MAX_REASON) + "...";
    }
}
