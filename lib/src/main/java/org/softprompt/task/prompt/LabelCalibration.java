package org.softprompt.task.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained affine map over a verbalizer's label scores, {@code q = W s + b}, the smallest thing one can train on top
 * of a frozen prompted LM: Zhao et al.'s (2021) contextual calibration has this form (there W is diagonal and set from
 * a content-free input); Logan IV et al. (2022) learn W and b on the few-shot examples instead and call it
 * "calibration" in their parameter-efficiency comparison. With L labels it trains L&sup2; + L numbers. It starts as
 * the identity ({@code W = I, b = 0}), so before training the predictions are the frozen prompt's.
 */
public final class LabelCalibration implements AutoCloseable {
    public static final String WEIGHT = "calibration.weight";
    public static final String BIAS = "calibration.bias";

    private final NDManager manager;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();

    private LabelCalibration(int labels, NDManager parent) {
        if (labels < 2) {
            throw new IllegalArgumentException("calibration needs at least 2 labels, got " + labels);
        }
        this.manager = parent.newSubManager();
        NDArray weight = manager.eye(labels);
        NDArray bias = manager.zeros(new Shape(labels));
        weight.setRequiresGradient(true);
        bias.setRequiresGradient(true);
        parameters.put(WEIGHT, weight);
        parameters.put(BIAS, bias);
    }

    /** The identity calibration for {@code labels} labels; its tensors live in a sub-manager of {@code parent}. */
    public static LabelCalibration identity(int labels, NDManager parent) {
        return new LabelCalibration(labels, parent);
    }

    /** Calibrated scores [B, L] from label scores [B, L] (e.g. {@link Verbalizer#scores}). */
    public NDArray apply(NDArray labelScores) {
        return labelScores.matMul(parameters.get(WEIGHT).transpose()).add(parameters.get(BIAS));
    }

    /** The trained tensors, by name. */
    public Map<String, NDArray> trainable() {
        return java.util.Collections.unmodifiableMap(parameters);
    }

    public long parameterCount() {
        return parameters.values().stream().mapToLong(NDArray::size).sum();
    }

    @Override
    public void close() {
        manager.close();
    }
}
