package io.socketdoctor.install;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.not;

import io.socketdoctor.install.advice.Kind;
import io.socketdoctor.install.advice.Site;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.Nexus;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

/**
 * Instruments the {@link HookSites} with Byte Buddy and checks that every one of them took.
 *
 * <p>Settings that matter on {@code java.base} (each one fails silently when missed):
 * {@code ignore} must not exclude the boot loader; already-loaded classes need
 * {@code RETRANSFORMATION} with no class-format changes (inlined advice only); Byte Buddy's Nexus
 * must stay off (it would touch {@code sun.misc.Unsafe}, which JDK 24+ warns about); and a
 * transformer's exceptions are swallowed by the JVM, so errors are collected by listeners and
 * each site's match count is checked afterwards.
 */
public final class Installer {

    private Installer() {
    }

    /** What the install did; {@link #problems()} is empty when every site is in place. */
    public record Installation(ResettableClassFileTransformer transformer, List<String> problems) {
    }

    public static Installation install(Instrumentation inst) {
        Map<String, List<HookSite>> byType = new LinkedHashMap<>();
        for (HookSite site : HookSites.ALL) {
            byType.computeIfAbsent(site.type(), t -> new ArrayList<>()).add(site);
        }
        List<String> problems = new ArrayList<>();
        // Load (not initialise) every target now, so that all of them are transformed and checked
        // by the retransformation below rather than at some later first use.
        for (String type : byType.keySet()) {
            try {
                Class.forName(type, false, null);
            } catch (ClassNotFoundException | LinkageError e) {
                problems.add(type + " not found (" + e + ")");
            }
        }

        AtomicIntegerArray matches = new AtomicIntegerArray(HookSites.ALL.size());
        AtomicIntegerArray deliveries = new AtomicIntegerArray(HookSites.ALL.size());
        AtomicIntegerArray stamps = new AtomicIntegerArray(HookSites.ALL.size());
        String bridge = BridgeInjector.BRIDGE_NAME.replace('.', '/');
        Map<String, Boolean> transformed = new ConcurrentHashMap<>();
        Map<String, String> errors = new ConcurrentHashMap<>();
        Map<Class<?>, ClassFileLocator> adviceCode = adviceCode();

        AgentBuilder builder = newAgentBuilder()
                .disableClassFormatChanges()
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(new AgentBuilder.RedefinitionStrategy.Listener.Adapter() {
                    @Override
                    public Iterable<? extends List<Class<?>>> onError(int index, List<Class<?>> batch,
                                                                      Throwable throwable, List<Class<?>> types) {
                        for (Class<?> type : batch) {
                            errors.put(type.getName(), String.valueOf(throwable));
                        }
                        return List.of();
                    }
                })
                .with(new AgentBuilder.Listener.Adapter() {
                    @Override
                    public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module,
                                                 boolean loaded, DynamicType dynamicType) {
                        transformed.put(type.getName(), Boolean.TRUE);
                    }

                    @Override
                    public void onError(String typeName, ClassLoader loader, JavaModule module,
                                        boolean loaded, Throwable throwable) {
                        errors.put(typeName, String.valueOf(throwable));
                    }
                })
                // The default ignores the boot loader, which is exactly where our targets live.
                .ignore(nameStartsWith("io.socketdoctor."));

        for (Map.Entry<String, List<HookSite>> entry : byType.entrySet()) {
            List<HookSite> sites = entry.getValue();
            builder = builder.type(named(entry.getKey())).transform(
                    (dynamicType, type, loader, module, domain) -> {
                        for (HookSite site : sites) {
                            ElementMatcher.Junction<MethodDescription> method = matcherFor(site);
                            matches.set(site.id(), type.getDeclaredMethods().filter(method).size());
                            if (site.advice().rewritesDeliveries()) {
                                dynamicType = dynamicType.visit(new AsmVisitorWrapper.ForDeclaredMethods()
                                        .method(method, new AsyncDelivery(site, bridge, deliveries, stamps)));
                                continue;
                            }
                            Advice advice = Advice.withCustomMapping()
                                    .bind(Site.class, site.id())
                                    .bind(Kind.class, site.kind())
                                    .to(TypeDescription.ForLoadedType.of(site.advice().adviceClass()),
                                            adviceCode.get(site.advice().adviceClass()));
                            dynamicType = dynamicType.visit(advice.on(method));
                        }
                        return dynamicType;
                    });
        }
        // Library classes (Netty's native transports), matched by name as they load: never a problem when absent.
        builder = NettyHooks.addTo(builder);
        ResettableClassFileTransformer transformer = builder.installOn(inst);

        for (HookSite site : HookSites.ALL) {
            String error = errors.get(site.type());
            if (error != null) {
                problems.add(site.describe() + ": " + error);
            } else if (!transformed.containsKey(site.type())) {
                problems.add(site.describe() + ": class not transformed");
            } else if (matches.get(site.id()) != 1) {
                problems.add(site.describe() + ": matched " + matches.get(site.id()) + " methods, expected 1");
            } else if (site.advice().rewritesDeliveries() && deliveries.get(site.id()) == 0) {
                problems.add(site.describe() + ": no delivery call (Invoker, PendingFuture, CompletedFuture) found");
            } else if (site.advice().rewritesDeliveries() && site.kind() != 0 && stamps.get(site.id()) == 0) {
                problems.add(site.describe() + ": no IOUtil read/write call found");
            }
        }
        return new Installation(transformer, problems);
    }

    /** The exact overload: name, parameter types, and never the compiler's bridge methods. */
    static ElementMatcher.Junction<MethodDescription> matcherFor(HookSite site) {
        ElementMatcher.Junction<MethodDescription> kind = "<init>".equals(site.method())
                ? isConstructor() : isMethod().and(named(site.method()));
        return kind.and(not(isBridge())).and(
                new ElementMatcher.Junction.AbstractBase<MethodDescription>() {
                    @Override
                    public boolean matches(MethodDescription target) {
                        List<String> names = new ArrayList<>();
                        for (TypeDescription type : target.getParameters().asTypeList().asErasures()) {
                            names.add(type.getActualName());
                        }
                        return names.equals(site.parameters());
                    }
                });
    }

    /** The advice classes' code with their {@code Bridge} references renamed to the injected bridge. */
    private static Map<Class<?>, ClassFileLocator> adviceCode() {
        Map<Class<?>, ClassFileLocator> code = new LinkedHashMap<>();
        for (HookSite.Shape shape : HookSite.Shape.values()) {
            Class<?> advice = shape.adviceClass();
            if (advice == null) {
                continue; // a call-site rewrite, not advice
            }
            try {
                byte[] renamed = ClassBytes.rename(ClassBytes.of(advice), BridgeInjector.renaming());
                code.put(advice, ClassFileLocator.Simple.of(advice.getName(), renamed));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot read advice " + advice.getName(), e);
            }
        }
        return code;
    }

    /**
     * Byte Buddy's Nexus (needed only for class-format changes, which we never make) reaches for
     * {@code sun.misc.Unsafe} when the builder is created; its switch is a system property, which
     * is restored at once so the host never sees it.
     */
    private static AgentBuilder newAgentBuilder() {
        String previous = System.getProperty(Nexus.PROPERTY);
        System.setProperty(Nexus.PROPERTY, "true");
        try {
            return new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED));
        } finally {
            if (previous == null) {
                System.clearProperty(Nexus.PROPERTY);
            } else {
                System.setProperty(Nexus.PROPERTY, previous);
            }
        }
    }
}
