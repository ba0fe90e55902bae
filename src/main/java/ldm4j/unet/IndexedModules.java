package ldm4j.unet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.bytedeco.pytorch.Module;

/** Children registered as {@code 0, 1, 2, ...}, like PyTorch's {@code nn.ModuleList}. */
final class IndexedModules<M extends Module> extends Module {
    private final List<M> items = new ArrayList<>();

    M add(M module) {
        items.add(register_module(Integer.toString(items.size()), module));
        return module;
    }

    M get(int i) {
        return items.get(i);
    }

    int size() {
        return items.size();
    }

    List<M> items() {
        return Collections.unmodifiableList(items);
    }
}
