package org.softprompt.method.adapter;

import ai.djl.ndarray.NDManager;

import java.util.Objects;

import org.softprompt.backbone.Activation;
import org.softprompt.backbone.Backbone;

/**
 * Builds Houlsby-style bottleneck adapters (Houlsby et al. 2019), the adapter baseline of Li &amp; Liang 2021:
 * <pre>{@code
 * HoulsbyAdapters small = Adapters.on(gpt2).bottleneck(Adapters.bottleneckFor(gpt2, 0.001)).build(manager);
 * HoulsbyAdapters large = Adapters.on(gpt2).targetFraction(0.03).build(manager);
 * }</pre>
 * Defaults: bottleneck 16, SiLU (adapter-transformers' HoulsbyConfig uses swish), seed 42.
 */
public final class Adapters {
    private final Backbone backbone;
    private int bottleneck = 16;
    private Activation activation = Activation.SILU;
    private double downStd = 1e-2;
    private long seed = 42;

    private Adapters(Backbone backbone) {
        this.backbone = backbone;
    }

    public static Adapters on(Backbone backbone) {
        return new Adapters(Objects.requireNonNull(backbone, "backbone"));
    }

    /** The bottleneck width r (down-projection d -> r, up-projection r -> d). */
    public Adapters bottleneck(int r) {
        if (r <= 0) {
            throw new IllegalArgumentException("the adapter bottleneck must be positive, got " + r);
        }
        this.bottleneck = r;
        return this;
    }

    /** The bottleneck whose adapters come closest to {@code fraction} of the backbone's parameters. */
    public Adapters targetFraction(double fraction) {
        return bottleneck(bottleneckFor(backbone, fraction));
    }

    public Adapters activation(Activation nonlinearity) {
        this.activation = Objects.requireNonNull(nonlinearity, "activation");
        return this;
    }

    /**
     * The standard deviation of the down-projection's N(0, std^2) initialization (Houlsby: 1e-2). The
     * up-projection and both biases start at zero, so a fresh adapter is the identity and the model is the frozen
     * one.
     */
    public Adapters downStd(double std) {
        if (!(std >= 0)) {
            throw new IllegalArgumentException("downStd must be >= 0, got " + std);
        }
        this.downStd = std;
        return this;
    }

    public Adapters seed(long randomSeed) {
        this.seed = randomSeed;
        return this;
    }

    public HoulsbyAdapters build(NDManager manager) {
        return new HoulsbyAdapters(backbone, manager, bottleneck, activation, downStd, seed);
    }

    /** Trained scalars of adapters of width r: two per layer, each 2dr + r + d. */
    public static long parameterCount(Backbone backbone, int r) {
        long d = backbone.hiddenSize();
        return 2L * backbone.numLayers() * (2 * d * r + r + d);
    }

    /**
     * The bottleneck r (at least 1) whose adapters are closest to {@code fraction} of the backbone's parameter
     * count; Li &amp; Liang compare with adapters of 0.1% and 3%.
     */
    public static int bottleneckFor(Backbone backbone, double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1), got " + fraction);
        }
        double target = fraction * backbone.weights().parameterCount();
        long d = backbone.hiddenSize();
        double perAdapter = target / (2.0 * backbone.numLayers());
        int r = (int) Math.max(1, Math.round((perAdapter - d) / (2.0 * d + 1)));
        return r;
    }
}
