package ldm4j.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
                temp[0] = x.mul(new org.bytedeco.pytorch.Scalar(3.0)); // an intermediate
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
            Tensor y = BlockScope.call(() -> w.mul(w).mul(new org.bytedeco.pytorch.Scalar(2.0)));
            y.sum().backward();
            assertEquals(12.0, w.grad().sum().item_double(), 1e-6, "d(2 w^2)/dw = 4 w = 4, three entries");
        }
    }
}
