package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Hugging Face's initialization of one tensor (each model's _init_weights): normal or truncated normal weights,
 * zero biases, LayerNorm weights of one, optionally a zero padding row. Values come from a Java generator seeded by
 * the model seed and the tensor's name, so a tensor's initial values do not depend on the other tensors or on the
 * engine's global random state.
 */
record Init(Kind kind, double std, long zeroRow) {
    enum Kind { NORMAL, TRUNCATED_NORMAL, ZEROS, ONES }

    static Init normal(double std) {
        return new Init(Kind.NORMAL, std, -1);
    }

    /** torch.nn.init.trunc_normal_(std=std) with its default cut-offs at -2 and 2 (absolute, as PyTorch's). */
    static Init truncatedNormal(double std) {
        return new Init(Kind.TRUNCATED_NORMAL, std, -1);
    }

    static Init zeros() {
        return new Init(Kind.ZEROS, 0, -1);
    }

    static Init ones() {
        return new Init(Kind.ONES, 0, -1);
    }

    /** An embedding table whose padding row is zero (nn.Embedding's padding_idx). */
    Init withZeroRow(long row) {
        return new Init(kind, std, row);
    }

    NDArray create(NDManager manager, String name, Shape shape, long seed) {
        NDArray array = switch (kind) {
            case ZEROS -> manager.zeros(shape);
            case ONES -> manager.ones(shape);
            case NORMAL, TRUNCATED_NORMAL -> {
                float[] values = new float[Math.toIntExact(shape.size())];
                SplittableRandom random = new SplittableRandom(mix(seed, name));
                for (int i = 0; i < values.length; i++) {
                    double value = std * random.nextGaussian();
                    while (kind == Kind.TRUNCATED_NORMAL && (value < -2 || value > 2)) {
                        value = std * random.nextGaussian();
                    }
                    values[i] = (float) value;
                }
                if (zeroRow >= 0) {
                    long rowLength = shape.size() / shape.get(0);
                    java.util.Arrays.fill(values, (int) (zeroRow * rowLength), (int) ((zeroRow + 1) * rowLength), 0f);
                }
                // manager.create shares a Java direct buffer; the copy moves the values into PyTorch's memory
                try (NDArray shared = manager.create(values, shape)) {
                    yield shared.duplicate();
                }
            }
        };
        array.setName(name);
        return array;
    }

    private static long mix(long seed, String name) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ b) * 0x100000001B3L;
        }
        return h ^ (h >>> 29);
    }
}
