package io.socketdoctor.install;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.socketdoctor.bootstrap.LibraryBridge;
import io.socketdoctor.install.advice.Flags;
import io.socketdoctor.install.advice.NettyCreateAdvice;
import io.socketdoctor.install.advice.NettyThrowAdvice;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Netty's native transports (epoll, io_uring, kqueue), which never touch the JDK's socket classes.
 *
 * <p>All of them report a failed native call through one class, {@code io.netty.channel.unix.Errors}
 * (same methods in Netty 4.1 and 4.2), with the call's name and its errno (negated) as arguments:
 * {@code ioResult(String,int)} throws a new {@code NativeIoException} (or, for EBADF, ENOTCONN,
 * ENOENT, the JDK's closed/not-connected exceptions), {@code newIOException(String,int)} makes one
 * that its caller throws or delivers, and {@code throwConnectException}/{@code handleConnectErrno}
 * throw a {@code java.net.ConnectException} (or {@code NoRouteToHostException}) for connect and
 * finishConnect. Hooking these, rather than the exception's constructor, reports a failure when it
 * happens (older 4.1 releases pre-build exceptions in statics and throw them through the 4-argument
 * {@code ioResult}) and takes the errno from the argument, never from the message.
 *
 * <p>Nothing here names a Netty class: the class is matched by name as it loads, in whatever class
 * loader (shaded copies such as {@code io.grpc.netty.shaded.io.netty.channel.unix.Errors} too), so
 * a host without Netty loads no Netty class and sees no problem. The advice calls
 * {@link LibraryBridge}; a loader that does not resolve that name to the agent's own class (an
 * isolated plug-in loader) is left alone and named once on stderr.
 */
public final class NettyHooks {

    /** Binary name of the class every native transport reports its failures through. */
    public static final String ERRORS = "io.netty.channel.unix.Errors";

    /** One method of {@code Errors}: which advice, which flags, and whether every known Netty has it. */
    record Site(String name, ElementMatcher.Junction<MethodDescription> method, Class<?> advice, int flags,
                boolean required) {
    }

    static final List<Site> SITES = List.of(
            new Site("ioResult(String,int)", errnoMethod("ioResult", 2), NettyThrowAdvice.class, 0, true),
            new Site("newIOException(String,int)", errnoMethod("newIOException", 2), NettyCreateAdvice.class,
                    LibraryBridge.CREATED, true),
            new Site("throwConnectException(String,int)", errnoMethod("throwConnectException", 2),
                    NettyThrowAdvice.class, 0, true),
            new Site("handleConnectErrno(String,int)", errnoMethod("handleConnectErrno", 2),
                    NettyThrowAdvice.class, 0, true),
            // Deprecated; called by releases that throw pre-built exceptions (it may also call
            // newIOException, whose report the runtime then recognises as the same failure).
            new Site("ioResult(String,int,NativeIoException,ClosedChannelException)", errnoMethod("ioResult", 4),
                    NettyThrowAdvice.class, LibraryBridge.CACHED, false));

    private static final CopyOnWriteArrayList<String> PROBLEMS = new CopyOnWriteArrayList<>();

    private NettyHooks() {
    }

    /** {@code Errors} itself, or a shaded copy of it. */
    static ElementMatcher.Junction<TypeDescription> types() {
        return named(ERRORS).or(nameEndsWith("." + ERRORS));
    }

    private static ElementMatcher.Junction<MethodDescription> errnoMethod(String name, int arguments) {
        return isStatic().and(named(name)).and(takesArguments(arguments))
                .and(takesArgument(0, String.class)).and(takesArgument(1, int.class));
    }

    /** Adds the Netty transformation to the installer's builder (one transformer, reset together at detach). */
    static AgentBuilder addTo(AgentBuilder builder) {
        ClassFileLocator adviceCode = ClassFileLocator.ForClassLoader.of(NettyHooks.class.getClassLoader());
        return builder.type(types()).transform((dynamicType, type, loader, module, domain) -> {
            if (!seesAgent(loader)) {
                problem(type.getName() + " in " + loader + ": that class loader cannot see the agent's classes");
                return dynamicType;
            }
            List<String> missing = new ArrayList<>();
            for (Site site : SITES) {
                int matched = type.getDeclaredMethods().filter(site.method()).size();
                if (matched != 1) {
                    if (site.required()) {
                        missing.add(site.name() + " matched " + matched);
                    }
                    continue;
                }
                Advice advice = Advice.withCustomMapping().bind(Flags.class, site.flags())
                        .to(TypeDescription.ForLoadedType.of(site.advice()), adviceCode);
                dynamicType = dynamicType.visit(advice.on(site.method()));
            }
            if (!missing.isEmpty()) {
                problem(type.getName() + " in " + loader + ": " + String.join(", ", missing));
            }
            return dynamicType;
        });
    }

    /** Whether advice in a class of {@code loader} would link {@link LibraryBridge} to the agent's own. */
    static boolean seesAgent(ClassLoader loader) {
        if (loader == null) {
            return false;
        }
        try {
            return Class.forName(LibraryBridge.class.getName(), false, loader) == LibraryBridge.class;
        } catch (Throwable t) {
            return false;
        }
    }

    private static void problem(String problem) {
        if (PROBLEMS.size() < 16 && PROBLEMS.addIfAbsent(problem)) {
            System.err.println("socket-doctor: Netty's native-transport failures will not be diagnosed for " + problem);
        }
    }

    /** What could not be instrumented in the Netty classes loaded so far (empty when all is well or no Netty). */
    public static List<String> problems() {
        return List.copyOf(PROBLEMS);
    }
}
