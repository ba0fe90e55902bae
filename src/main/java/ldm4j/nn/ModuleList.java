package ldm4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

import org.bytedeco.pytorch.Module;

/**
 * Children registered as {@code 0, 1, 2, ...}, like PyTorch's {@code nn.ModuleList}, so state-dict names
 * come out dotted ({@code down.0.res.1.conv1.weight}).
 *
 * <p>It keeps a Java reference to every child. This matters: a Module subclass created from Java is a
 * JavaCPP virtual adapter whose C++ virtual calls ({@code zero_grad}, {@code train}, ...) call back
 * into the Java object. If only libtorch holds the child, the GC may collect its Java side and the
 * next such call fails with a NullPointerException from native code. Every Java module must
 * therefore stay reachable from its parent's fields.
 */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    /** Registers {@code module} under the next index and keeps it reachable; returns it. */
    public M add(M module) {
        items.add(register_module(Integer.toString(items.size()), module));
        return module;
    }

    public M get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    @Override
    public Iterator<M> iterator() {
        return Collections.unmodifiableList(items).iterator();
    }
}
