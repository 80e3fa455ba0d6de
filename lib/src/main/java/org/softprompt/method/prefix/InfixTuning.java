package org.softprompt.method.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;

import java.util.Map;

import org.softprompt.Tensors;
import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.ForwardOutput;
import org.softprompt.method.TunedModel;

/**
 * Li &amp; Liang's infix ablation (section 7.2, Table 5): [x; INFIX; y], P trainable activations between source and
 * target. Implemented as Table 5 describes it, as trainable input embeddings at the infix position (not per-layer
 * key/value activations): the frozen model computes their deeper activations, which, unlike a prefix, can see x.
 *
 * <p>The boundary is found in the ids: the infix goes right after the first {@code separatorId} of every row (the
 * separator that {@link org.softprompt.task.CausalLmBatch} puts between source and target). {@link #forward}
 * returns outputs realigned to the caller's T tokens: the output at t is the one that predicts token t + 1 of the
 * input (for the separator, the last infix position's), so a shifted next-token loss over y applies unchanged.
 * Decoding with a KV cache is not supported. Create with {@link Prefix#buildInfix}.
 */
public final class InfixTuning implements TunedModel {
    private final Backbone backbone;
    private final SoftTokens tokens;
    private final int separatorId;
    private final JsonObject initialization;

    InfixTuning(Backbone backbone, SoftTokens tokens, int separatorId, JsonObject initialization) {
        this.backbone = backbone;
        this.tokens = tokens;
        this.separatorId = separatorId;
        this.initialization = initialization;
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return tokens.parameters();
    }

    public int length() {
        return tokens.length();
    }

    public int separatorId() {
        return separatorId;
    }

    @Override
    public JsonObject config() {
        JsonObject json = new JsonObject();
        json.addProperty("method", "prefix-tuning-infix");
        json.addProperty("paper", "Li & Liang 2021, section 7.2 (infix ablation, input embeddings)");
        tokens.addConfig(json);
        json.addProperty("separator_id", separatorId);
        json.add("init", initialization.deepCopy());
        return json;
    }

    /**
     * Where the infix starts in each row: right after the first separator among the attended tokens (padding may use
     * any id, the separator's included).
     */
    private long[] boundaries(NDArray ids, NDArray mask) {
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        long[] flat = ids.toType(DataType.INT64, false).toLongArray();
        long[] attended = mask == null ? null : mask.broadcast(new Shape(b, t)).toType(DataType.INT64, false)
                .toLongArray();
        long[] starts = new long[(int) b];
        for (int row = 0; row < b; row++) {
            starts[row] = -1;
            for (int j = 0; j < t; j++) {
                int at = (int) (row * t + j);
                if (flat[at] == separatorId && (attended == null || attended[at] != 0)) {
                    starts[row] = j + 1;
                    break;
                }
            }
            if (starts[row] < 0) {
                throw new IllegalArgumentException("row " + row + " of inputIds has no separator token "
                        + separatorId + "; the infix goes right after it");
            }
        }
        return starts;
    }

    @Override
    public ForwardInput enter(ForwardInput input) {
        int p = tokens.length();
        if (p == 0) {
            return input;
        }
        if (input.inputIds() == null) {
            throw new IllegalArgumentException("infix tuning needs inputIds (it finds the separator in them)");
        }
        if (input.cache() != null) {
            throw new UnsupportedOperationException("infix tuning does not support a KV cache; decode without cache");
        }
        NDManager scope = input.manager();
        NDArray ids = input.inputIds();
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        long[] starts = boundaries(ids, input.attentionMask());
        // source index of every new position in [text; infix]: text j < s stays, then the infix, then text shifted
        long[] gather = new long[(int) (b * (t + p))];
        for (int row = 0; row < b; row++) {
            for (int j = 0; j < t + p; j++) {
                long s = starts[row];
                gather[(int) (row * (t + p) + j)] = j < s ? j : j < s + p ? t + (j - s) : j - p;
            }
        }
        NDArray index = Tensors.longs(scope, gather, new Shape(b, t + p));
        NDArray text = tokens.embedText(ids);
        long d = text.getShape().get(2);
        NDArray embeds = text.concat(tokens.forBatch(scope, b), 1).gather(index.expandDims(2).broadcast(new Shape(b, t + p, d)), 1);
        NDArray mask = input.attentionMask() == null ? null
                : input.attentionMask().concat(scope.ones(new Shape(b, p), input.attentionMask().getDataType()), 1)
                        .gather(index, 1);
        NDArray types = input.tokenTypeIds() == null ? null
                : input.tokenTypeIds().concat(scope.zeros(new Shape(b, p), input.tokenTypeIds().getDataType()), 1)
                        .gather(index, 1);
        NDArray positions = input.positionIds() == null ? null : infixPositions(input.positionIds(), starts, p, scope);
        return SoftTokens.withSequence(input, embeds, mask, types, positions);
    }

    /** The caller's positions with the infix at separator + 1 ... and everything after it moved up by P. */
    private static NDArray infixPositions(NDArray given, long[] starts, int p, NDManager scope) {
        long b = starts.length;
        long t = given.getShape().get(1);
        long[] pos = given.broadcast(new Shape(b, t)).toType(DataType.INT64, false).toLongArray();
        long[] out = new long[(int) (b * (t + p))];
        for (int row = 0; row < b; row++) {
            long s = starts[row];
            long last = pos[(int) (row * t + s - 1)];
            for (int j = 0; j < t + p; j++) {
                out[(int) (row * (t + p) + j)] = j < s ? pos[(int) (row * t + j)]
                        : j < s + p ? last + 1 + (j - s) : pos[(int) (row * t + j - p)] + p;
            }
        }
        return Tensors.longs(scope, out, new Shape(b, t + p));
    }

    /** The backbone's outputs realigned to the caller's tokens (see the class comment). */
    @Override
    public ForwardOutput forward(ForwardInput input) {
        int p = tokens.length();
        if (p == 0) {
            return backbone.forward(input);
        }
        ForwardOutput out = backbone.forward(enter(input));
        long b = input.inputIds().getShape().get(0);
        long t = input.inputIds().getShape().get(1);
        long[] starts = boundaries(input.inputIds(), input.attentionMask());
        long[] pick = new long[(int) (b * t)];
        for (int row = 0; row < b; row++) {
            for (int j = 0; j < t; j++) {
                long next = Math.min(j + 1, t - 1);
                long moved = next < starts[row] ? next : next + p;
                pick[(int) (row * t + j)] = j == t - 1 ? moved : moved - 1;
            }
        }
        NDArray index = Tensors.longs(out.lastHiddenState().getManager(), pick, new Shape(b, t));
        return SoftTokens.selectPositions(out, h -> take(h, index));
    }

    private static NDArray take(NDArray values, NDArray index) {
        Shape s = values.getShape();
        return values.gather(index.expandDims(2).broadcast(new Shape(s.get(0), index.getShape().get(1), s.get(2))), 1);
    }

    @Override
    public void close() {
        tokens.close();
    }
}
