package org.softprompt.method.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.softprompt.backbone.Bart;
import org.softprompt.backbone.BartConfig;
import org.softprompt.backbone.DecoderInput;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.LayerPrefixes;
import org.softprompt.generate.Seq2SeqDecoder;
import org.softprompt.method.Reparam;
import org.softprompt.method.TunedModel;

/**
 * Prefix-Tuning for an encoder-decoder (Li &amp; Liang 2021, section 4.1, their BART summarization setting): three
 * independent prefixes of the same length P, one in front of the encoder's self-attention, one in front of the
 * decoder's self-attention and one in front of the encoder positions that the decoder's cross-attention reads
 * ({@code z = [PREFIX; x; PREFIX'; y]}).
 *
 * <p>Each is a table [P, 2 * layers * d] in PEFT's layout (see {@link PrefixTuning}), computed directly or through
 * its own MLP, as Li &amp; Liang's seq2seq code keeps one embedding and MLP per attention kind. Trained tensors are
 * named {@code encoder.*}, {@code decoder.*} and {@code cross.*}, each with PEFT's PrefixEncoder names
 * ({@code embedding.weight}, {@code transform.0.weight}, ...). Positions are left as they are: BART's learned
 * positions keep counting the text only. Create with {@link Prefix#buildEncoderDecoder}.
 */
public final class EncoderDecoderPrefix implements TunedModel {

    /** The three attention kinds a prefix enters. */
    public enum Attention {
        ENCODER("encoder."), DECODER("decoder."), CROSS("cross.");

        private final String tensorPrefix;

        Attention(String tensorPrefix) {
            this.tensorPrefix = tensorPrefix;
        }

        /** The tensor names of this attention kind's prefix. */
        public Reparam.Names names() {
            return Reparam.Names.of(tensorPrefix, "transform");
        }
    }

    private final Bart bart;
    private final NDManager parent;
    private final NDManager manager;
    private final int length;
    private final Reparam reparam;
    private final JsonObject initialization;
    private final Map<String, NDArray> parameters;

    EncoderDecoderPrefix(Bart bart, NDManager parent, int length, Reparam reparam, JsonObject initialization,
            long seed) {
        this.bart = bart;
        this.parent = parent;
        this.manager = parent.newSubManager();
        this.length = length;
        this.reparam = reparam;
        this.initialization = initialization;
        Map<String, NDArray> all = new LinkedHashMap<>();
        if (length > 0) {
            Random random = new Random(seed);
            for (Attention kind : Attention.values()) {
                PrefixTuning.peftInit(reparam, manager, length, bart.hiddenSize(), tableWidth(kind), random)
                        .forEach((name, array) -> all.put(kind.tensorPrefix + name, array));
            }
        }
        this.parameters = Collections.unmodifiableMap(all);
        parameters.values().forEach(p -> p.setRequiresGradient(true));
    }

    /** 2 * layers * d of one attention kind (encoder layers for the encoder, decoder layers otherwise). */
    public int tableWidth(Attention kind) {
        BartConfig c = bart.config();
        int layers = kind == Attention.ENCODER ? c.encoderLayers() : c.decoderLayers();
        return 2 * layers * c.hiddenSize();
    }

    public int length() {
        return length;
    }

    public Reparam reparam() {
        return reparam;
    }

    @Override
    public Bart backbone() {
        return bart;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return parameters;
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", "prefix-tuning");
        json.addProperty("paper", "Li & Liang 2021, Prefix-Tuning: Optimizing Continuous Prompts for Generation");
        json.addProperty("attention", "encoder, decoder, cross");
        json.addProperty("length", length);
        json.addProperty("reparam", reparam.isMlp() ? "mlp" : "none");
        if (reparam.isMlp()) {
            json.addProperty("encoder_hidden_size", reparam.hiddenSize());
        }
        json.addProperty("encoder_layers", bart.config().encoderLayers());
        json.addProperty("decoder_layers", bart.config().decoderLayers());
        json.addProperty("token_dim", bart.hiddenSize());
        json.addProperty("backbone", bart.architecture());
        json.add("init", initialization.deepCopy());
        return json;
    }

    /** One attention kind's table [P, 2 * layers * d], computed in {@code scope}. */
    public NDArray table(Attention kind, NDManager scope) {
        if (length == 0) {
            throw new IllegalStateException("a prefix of length 0 has no table");
        }
        return reparam.table(scope, parameters, kind.names());
    }

    /** One attention kind's per-layer prefixes (batch 1, shared by every row); none when P = 0. */
    public LayerPrefixes layerPrefixes(Attention kind, NDManager scope) {
        if (length == 0) {
            return null;
        }
        BartConfig c = bart.config();
        return kind == Attention.ENCODER
                ? PrefixTuning.split(table(kind, scope), c.encoderLayers(), c.encoderHeads(), c.encoderHeadDim())
                : PrefixTuning.split(table(kind, scope), c.decoderLayers(), c.decoderHeads(), c.decoderHeadDim());
    }

    /**
     * The input with the encoder prefix and a decoder input carrying the decoder and cross-attention prefixes (the
     * encoder's ids shifted right when the caller gave no decoder input, as {@link Bart} does).
     */
    @Override
    public ForwardInput enter(ForwardInput input) {
        if (length == 0) {
            return input;
        }
        DecoderInput decoder = input.decoder() != null ? input.decoder() : DecoderInput.shiftedFromEncoderIds();
        if (input.prefixes() != null || decoder.prefixes() != null || decoder.crossPrefixes() != null) {
            throw new IllegalArgumentException("the input already has prefixes; encoder-decoder prefix-tuning adds "
                    + "its own to the encoder, decoder and cross-attention");
        }
        NDManager scope = input.manager();
        return input.withPrefixes(layerPrefixes(Attention.ENCODER, scope))
                .withDecoder(decoder.withPrefixes(layerPrefixes(Attention.DECODER, scope))
                        .withCrossPrefixes(layerPrefixes(Attention.CROSS, scope)));
    }

    /** A beam-search / greedy decoder with the three prefixes computed in {@code manager}. */
    public Seq2SeqDecoder decoder(NDManager manager, boolean useCache) {
        return new Seq2SeqDecoder(bart, manager, layerPrefixes(Attention.ENCODER, manager),
                layerPrefixes(Attention.DECODER, manager), layerPrefixes(Attention.CROSS, manager), useCache);
    }

    /** Only the three tables, as stored for deployment: a new model computing identical outputs. */
    public EncoderDecoderPrefix collapse() {
        EncoderDecoderPrefix collapsed = new EncoderDecoderPrefix(bart, parent, length, Reparam.none(),
                initialization.deepCopy(), 0);
        if (length > 0) {
            try (NDManager scope = manager.newSubManager()) {
                for (Attention kind : Attention.values()) {
                    PrefixTuning.overwrite(collapsed.parameters.get(kind.names().embedding()),
                            table(kind, scope).toFloatArray());
                }
            }
        }
        collapsed.initialization.addProperty("collapsed_from", reparam.toString());
        return collapsed;
    }

    /**
     * Copies tensors into this model by name (every parameter with its exact shape; extra names are an error), e.g.
     * a {@link org.softprompt.train.TrainingCheckpoint}'s parameters.
     */
    public void load(Map<String, NDArray> tensors, String source) {
        for (String name : tensors.keySet()) {
            if (!parameters.containsKey(name)) {
                throw new IllegalArgumentException(source + ": unexpected tensor '" + name + "'; this prefix has "
                        + parameters.keySet());
            }
        }
        parameters.forEach((name, parameter) -> {
            NDArray given = tensors.get(name);
            if (given == null) {
                throw new IllegalArgumentException(source + ": missing tensor '" + name + "' " + parameter.getShape());
            }
            if (!given.getShape().equals(parameter.getShape())) {
                throw new IllegalArgumentException(source + ": tensor '" + name + "' is " + given.getShape()
                        + ", expected " + parameter.getShape());
            }
            PrefixTuning.overwrite(parameter, given.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                    .toFloatArray());
        });
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "EncoderDecoderPrefix[P=" + length + " x 3, reparam " + reparam + ", " + trainedParameterCount()
                + " trained of " + bart.weights().parameterCount() + " backbone parameters]";
    }
}
