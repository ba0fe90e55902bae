package ldm4j.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class BlockScopeTest {
    @Test
    void intermediatesAreFreedAtTheBlocksEndAndTheOutputAtTheStepsEnd() {
        Tensor[] temp = new Tensor[1];
        Tensor out;
        try (StepScope step = StepScope.open()) {
            Tensor x = torch.ones(4, 4);
            out = BlockScope.call(() -> {
                temp[0] = x.mul(new Scalar(3.0)); // an intermediate
                return temp[0].add(x);                                  // the output
            });
            assertTrue(temp[0].isNull(), "the intermediate's handle is released when the block ends");
            assertFalse(out.isNull());
            assertEquals(64.0, out.sum().item_double(), 0.0, "the output is intact: 16 x (3 + 1)");
            assertFalse(x.isNull(), "the input belongs to the step, not to the block");
        }
        assertTrue(out.isNull(), "the output is released with the step");
    }

    @Test
    void gradientsFlowThroughBlocks() {
        try (StepScope step = StepScope.open()) {
            Tensor w = torch.ones(3).set_requires_grad(true);
            Tensor y = BlockScope.call(() -> w.mul(w).mul(new Scalar(2.0)));
            y.sum().backward();
            assertEquals(12.0, w.grad().sum().item_double(), 1e-6, "d(2 w^2)/dw = 4 w = 4, three entries");
        }
    }

    @Test
    void sequenceFreesEachOutputOnceTheNextExistsAndLeavesItsInputAlone() {
        try (StepScope step = StepScope.open()) {
            Tensor x = torch.ones(2, 2).mul(new Scalar(2.0));
            List<Tensor> outputs = new ArrayList<>();
            UnaryOperator<Tensor> twice = v -> {
                Tensor o = v.add(v);
                outputs.add(o);
                return o;
            };
            Tensor out = BlockScope.sequence(x, twice, v -> v, twice, twice);
            assertFalse(x.isNull(), "the caller's input is left alone");
            assertEquals(3, outputs.size());
            assertTrue(outputs.get(0).isNull() && outputs.get(1).isNull(),
                    "each of the sequence's own outputs is released once the next exists, not when the step ends");
            assertSame(out, outputs.get(2));
            assertFalse(out.isNull());
            assertEquals(64.0, out.sum().item_double(), 0.0, "4 x 2 x 2^3");
            Tensor same = BlockScope.sequence(x, v -> v);
            assertSame(x, same);
            assertFalse(x.isNull(), "a block returning the input does not lose it");
            Tensor input = torch.ones(2, 2); // the outer scope's, seen by no sequence yet
            try (StepScope inner = StepScope.open()) {
                BlockScope.sequence(input, v -> v, twice);
            }
            assertFalse(input.isNull(), "nor does a block after it, once the sequence's scope has closed");
        }
    }

    @Test
    void freeingEarlyKeepsWhatAutogradNeeds() {
        try (StepScope step = StepScope.open()) {
            Tensor w = torch.ones(3).set_requires_grad(true);
            Tensor a = w.mul(new Scalar(3.0));
            Tensor b = a.mul(a); // backward needs a
            BlockScope.free(a);
            assertTrue(a.isNull());
            b.sum().backward();
            assertEquals(54.0, w.grad().sum().item_double(), 1e-6, "d(9 w^2)/dw = 18 w = 18, three entries");
            BlockScope.free(null); // a no-op
            BlockScope.free(a);    // freeing twice is a no-op
        }
    }

    @Test
    void withoutAnEnclosingScopeTheOutputSurvivesAndIntermediatesAreFreed() {
        Tensor[] temp = new Tensor[1];
        Tensor out = BlockScope.call(() -> {
            temp[0] = torch.ones(3).mul(new Scalar(5.0));
            return temp[0].add(new Scalar(1.0));
        });
        assertTrue(temp[0].isNull(), "intermediates are freed even when no step scope is open");
        assertEquals(18.0, out.sum().item_double(), 0.0);
        out.releaseReference();
    }
}
