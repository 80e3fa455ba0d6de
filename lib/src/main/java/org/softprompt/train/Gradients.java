package org.softprompt.train;

import ai.djl.ndarray.NDArray;

import java.util.Collection;

/** Operations on the gradients accumulated on trainable parameters, between backward and the optimizer step. */
public final class Gradients {
    private Gradients() {}

    /**
     * Scales all gradients together so that their global L2 norm is at most {@code maxNorm}, as
     * torch.nn.utils.clip_grad_norm_ does, and returns the norm before clipping (NaN or infinite when a gradient
     * is: the caller decides to stop).
     */
    public static double clipGlobalNorm(Collection<NDArray> parameters, double maxNorm) {
        double norm = globalNorm(parameters);
        if (Double.isFinite(norm) && norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            for (NDArray parameter : parameters) {
                if (parameter.hasGradient()) {
                    try (NDArray gradient = parameter.getGradient()) {
                        gradient.muli(scale);
                    }
                }
            }
        }
        return norm;
    }

    /** The L2 norm of all gradients taken together. */
    public static double globalNorm(Collection<NDArray> parameters) {
        double sumOfSquares = 0;
        for (NDArray parameter : parameters) {
            if (!parameter.hasGradient()) {
                continue;
            }
            try (NDArray gradient = parameter.getGradient(); NDArray squares = gradient.square();
                    NDArray sum = squares.sum()) {
                sumOfSquares += sum.getFloat();
            }
        }
        return Math.sqrt(sumOfSquares);
    }

    /** Multiplies every gradient by {@code factor}, e.g. 1/k after accumulating k micro-batches. */
    public static void scale(Collection<NDArray> parameters, double factor) {
        for (NDArray parameter : parameters) {
            if (parameter.hasGradient()) {
                try (NDArray gradient = parameter.getGradient()) {
                    gradient.muli((float) factor);
                }
            }
        }
    }
}
