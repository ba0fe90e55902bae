package ldm4j.sample;

import java.util.List;

import ldm4j.distributed.Collective;
import org.bytedeco.pytorch.Tensor;

/** Rank {@code rank} of {@code world} for code that only asks who it is (no collective is ever run). */
final class FakeRanks {
    private FakeRanks() {
    }

    static Collective of(int rank, int world) {
        return new Collective() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int worldSize() {
                return world;
            }

            @Override
            public void averageInPlace(List<Tensor> tensors) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void broadcastInPlace(List<Tensor> tensors) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void sumInPlace(Tensor t, String doing) {
                throw new UnsupportedOperationException();
            }

            @Override
            public double average(double value) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void requireSame(String what, String value) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {
            }
        };
    }
}
