package ldm4j.torch;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Owns the native memory of one training or sampling step. Every tensor created inside is freed
 * when the scope closes, unless {@link #keep} moved it out. Without a scope per step the native
 * heap grows by hundreds of MB per step (the Java GC does not see tensor sizes).
 *
 * <pre>{@code
 * try (StepScope step = StepScope.open()) {
 *     Tensor loss = ...;
 *     float value = loss.item_float();
 * }
 * }</pre>
 */
public final class StepScope implements AutoCloseable {
    private final PointerScope scope;

    private StepScope() {
        this.scope = new PointerScope();
    }

    public static StepScope open() {
        return new StepScope();
    }

    /**
     * Detaches a pointer (tensor) from this scope so that it outlives the step; the caller (or an
     * enclosing scope) becomes its owner.
     */
    public <P extends Pointer> P keep(P pointer) {
        scope.detach(pointer);
        return pointer;
    }

    @Override
    public void close() {
        scope.close();
    }
}
