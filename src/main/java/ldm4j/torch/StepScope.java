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
     * Keeps a pointer (tensor) alive past this scope: adds a reference, so closing the scope leaves
     * it allocated. The caller owns it and frees it with {@code releaseReference()} (or leaves it
     * to the garbage collector). ({@code PointerScope.detach} is not enough: it releases the
     * scope's reference, which frees the tensor at once.)
     */
    public <P extends Pointer> P keep(P pointer) {
        pointer.retainReference();
        return pointer;
    }

    @Override
    public void close() {
        scope.close();
    }
}
