package io.socketdoctor.install;

import io.socketdoctor.hook.HookSite;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.FieldVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Rewrites one hooked JDK class: each method that is a {@link HookSite} (same name, same parameter
 * descriptor, not a compiler bridge) gets its {@link ExitHook} or {@link AsyncDelivery} rewrite, or both;
 * every other method is copied as it is. Fields are visited before methods, so the shapes that read
 * a field ({@code parent}, {@code server}, {@code this$0}) find its descriptor here.
 */
final class JdkClassHooks extends ClassHooks {

    private final List<HookSite> sites;
    private final HookTransformer.Tally tally;
    private final Map<String, String> fields = new HashMap<>();
    private final int[] matched;

    JdkClassHooks(ClassVisitor writer, List<HookSite> sites, HookTransformer.Tally tally) {
        super(writer);
        this.sites = sites;
        this.tally = tally;
        this.matched = new int[sites.size()];
    }

    @Override
    public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
        fields.put(name, descriptor);
        return super.visitField(access, name, descriptor, signature, value);
    }

    @Override
    public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                     String[] exceptions) {
        MethodVisitor code = super.visitMethod(access, name, descriptor, signature, exceptions);
        if ((access & (Opcodes.ACC_BRIDGE | Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
            return code;
        }
        // A method may be two sites (an async method's delivery rewrite and its own throws): each
        // wraps the code so far.
        for (int i = 0; i < sites.size(); i++) {
            HookSite site = sites.get(i);
            if (!site.method().equals(name) || !descriptor.startsWith(site.parameterDescriptor())) {
                continue;
            }
            matched[i]++;
            if (site.shape().rewritesDeliveries()) {
                code = tally.asyncDelivery(site).wrap(code, owner, fields);
                continue;
            }
            String[] problem = new String[1];
            SiteCode hook = SiteCode.of(site, tally.bridge(), owner, access, descriptor, fields, problem);
            if (hook == null) {
                tally.problem(site, problem[0]);
            } else {
                code = new ExitHook(code, owner, access, name, descriptor, hook);
            }
        }
        return code;
    }

    @Override
    public void visitEnd() {
        for (int i = 0; i < sites.size(); i++) {
            tally.matched(sites.get(i), matched[i]);
        }
        super.visitEnd();
    }
}
