package ldm4j.nn;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.pytorch.Module;

/**
 * A module that only groups named children, like {@code torch.nn.ModuleList} or a plain
 * {@code nn.Module} holding attributes, so state-dict names come out dotted
 * ({@code down.0.res.1.conv1.weight}).
 *
 * <p>It keeps a Java reference to every child. This matters: a Module subclass created from Java is a
 * JavaCPP virtual adapter whose C++ virtual calls ({@code zero_grad}, {@code train}, ...) call back
 * into the Java object. If only libtorch holds the child, the GC may collect its Java side and the
 * next such call fails with a NullPointerException from native code. Every Java module must
 * therefore stay reachable from its parent's fields.
 */
public final class Container extends Module {
    private final List<Module> children = new ArrayList<>();

    /** Registers {@code module} under {@code name} and keeps it reachable; returns it. */
    public <M extends Module> M add(String name, M module) {
        children.add(module);
        return register_module(name, module);
    }

    /** Registers under the decimal index {@code i}, as {@code nn.ModuleList} names its entries. */
    public <M extends Module> M add(int i, M module) {
        return add(Integer.toString(i), module);
    }
}
