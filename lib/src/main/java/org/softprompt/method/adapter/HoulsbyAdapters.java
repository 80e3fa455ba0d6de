package org.softprompt.method.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.softprompt.backbone.Activation;
import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Hooks;
import org.softprompt.method.TunedModel;
import org.softprompt.method.prefix.TorchLayers;

/**
 * Houlsby adapters: in every layer, after the attention sublayer and after the feed-forward sublayer (before the
 * residual addition), {@code h + up(f(down(h)))} with down d -> r, up r -> d. They enter through the backbone's
 * {@link Hooks#afterAttention} and {@link Hooks#afterFeedForward}; the backbone stays frozen. Tensors are named
 * {@code adapters.<layer>.attention.down.weight} etc., weights as torch.nn.Linear's [out, in]. Create with {@link
 * Adapters#on}.
 */
public final class HoulsbyAdapters implements TunedModel, Hooks {
    private static final String[] SITES = {"attention", "feed_forward"};

    private final Backbone backbone;
    private final NDManager manager;
    private final int bottleneck;
    private final Activation activation;
    private final double downStd;
    private final long seed;
    private final Map<String, NDArray> parameters;

    HoulsbyAdapters(Backbone backbone, NDManager parent, int bottleneck, Activation activation, double downStd,
            long seed) {
        this.backbone = backbone;
        this.manager = parent.newSubManager();
        this.bottleneck = bottleneck;
        this.activation = activation;
        this.downStd = downStd;
        this.seed = seed;
        Random random = new Random(seed);
        int d = backbone.hiddenSize();
        Map<String, NDArray> p = new LinkedHashMap<>();
        for (int layer = 0; layer < backbone.numLayers(); layer++) {
            for (String site : SITES) {
                String name = name(layer, site);
                p.put(name + "down.weight", TorchLayers.normal(manager, new Shape(bottleneck, d), downStd, random));
                p.put(name + "down.bias", manager.zeros(new Shape(bottleneck)));
                p.put(name + "up.weight", manager.zeros(new Shape(d, bottleneck)));
                p.put(name + "up.bias", manager.zeros(new Shape(d)));
            }
        }
        p.values().forEach(a -> a.setRequiresGradient(true));
        this.parameters = Collections.unmodifiableMap(p);
    }

    private static String name(int layer, String site) {
        return "adapters." + layer + "." + site + ".";
    }

    public int bottleneck() {
        return bottleneck;
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return parameters;
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", "adapters");
        json.addProperty("paper", "Houlsby et al. 2019, Parameter-Efficient Transfer Learning for NLP");
        json.addProperty("placement", "after attention and after feed-forward, before the residual addition");
        json.addProperty("bottleneck", bottleneck);
        json.addProperty("activation", activation.name().toLowerCase(java.util.Locale.ROOT));
        json.addProperty("down_init_std", downStd);
        json.addProperty("seed", seed);
        json.addProperty("backbone", backbone.architecture());
        json.addProperty("fraction_of_backbone",
                (double) trainedParameterCount() / backbone.weights().parameterCount());
        return json;
    }

    @Override
    public ForwardInput enter(ForwardInput input) {
        return input.withHooks(input.hooks() == Hooks.NONE ? this : Hooks.chain(input.hooks(), this));
    }

    @Override
    public NDArray afterAttention(int layer, NDArray attentionOutput) {
        return adapt(name(layer, "attention"), attentionOutput);
    }

    @Override
    public NDArray afterFeedForward(int layer, NDArray feedForwardOutput) {
        return adapt(name(layer, "feed_forward"), feedForwardOutput);
    }

    /** h + up(f(down(h))); computed from h first, so the result lives in the forward pass's scope. */
    private NDArray adapt(String name, NDArray h) {
        NDArray down = TorchLayers.linear(h, parameters.get(name + "down.weight"), parameters.get(name + "down.bias"));
        NDArray up = TorchLayers.linear(activation.apply(down), parameters.get(name + "up.weight"),
                parameters.get(name + "up.bias"));
        return h.add(up);
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "HoulsbyAdapters[r=" + bottleneck + ", " + trainedParameterCount() + " trained]";
    }
}
