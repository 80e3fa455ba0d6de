package org.softprompt.method.prefix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Bart;
import org.softprompt.backbone.BartConfig;
import org.softprompt.backbone.DecoderInput;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.generate.GenerationConfig;
import org.softprompt.generate.Generator;
import org.softprompt.generate.Seq2SeqDecoder;
import org.softprompt.method.Reparam;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;

/** Li &amp; Liang's three prefixes on a tiny random BART whose encoder and decoder differ in depth and heads. */
class EncoderDecoderPrefixTest {
    /** Encoder: 2 layers of 4 heads; decoder: 3 layers of 2 heads, so the three tables have different layouts. */
    private static final BartConfig TINY = BartConfig.of(61, 24, 16, 2, 4, 32).withDecoder(3, 2, 24).withDropout(0);
    private static NDManager manager;
    private static Bart bart;

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        bart = Bart.random(TINY, manager, 3);
        // every tensor random (LayerNorms and biases too), so a wrong layout cannot hide behind zeros or ones
        Random random = new Random(3);
        for (String name : bart.weights().names()) {
            Shape shape = bart.weight(name).getShape();
            float[] values = new float[(int) shape.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (name.contains("norm") && name.endsWith(".weight") ? 1 + 0.2 * random.nextGaussian()
                        : 0.3 * random.nextGaussian());
            }
            bart.weights().put(name, bart.weights().manager().create(values, shape).duplicate());
        }
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            bart.close();
            manager.close();
        }
    }

    private static NDArray ids(NDManager m, long... ids) {
        return m.create(ids, new Shape(1, ids.length));
    }

    private static float maxAbsDiff(NDArray a, NDArray b) {
        assertEquals(a.getShape(), b.getShape());
        return a.sub(b).abs().max().getFloat();
    }

    private static ForwardInput sourceAndTarget(NDManager m) {
        return ForwardInput.ofIds(ids(m, 5, 17, 9, 40, 2)).withDecoder(DecoderInput.ofIds(ids(m, 2, 0, 33, 12, 7)));
    }

    @Test
    void lengthZeroIsTheFrozenModel() {
        try (NDManager m = manager.newSubManager();
                EncoderDecoderPrefix empty = Prefix.on(bart).length(0).buildEncoderDecoder(m)) {
            assertTrue(empty.trainable().isEmpty());
            assertNull(empty.layerPrefixes(EncoderDecoderPrefix.Attention.CROSS, m));
            NDArray frozen = bart.forward(sourceAndTarget(m)).logits();
            assertEquals(0f, maxAbsDiff(frozen, empty.forward(sourceAndTarget(m)).logits()));
        }
    }

    @Test
    void tablesHaveEachStacksLayoutAndPeftNames() {
        try (NDManager m = manager.newSubManager();
                EncoderDecoderPrefix prefix = Prefix.on(bart).length(3).reparam(Reparam.mlp(8)).buildEncoderDecoder(m)) {
            assertEquals(2 * 2 * 16, prefix.tableWidth(EncoderDecoderPrefix.Attention.ENCODER));
            assertEquals(2 * 3 * 16, prefix.tableWidth(EncoderDecoderPrefix.Attention.DECODER));
            assertEquals(new Shape(96, 8), prefix.trainable().get("cross.transform.2.weight").getShape());
            assertEquals(new Shape(3, 16), prefix.trainable().get("encoder.embedding.weight").getShape());
            var encoder = prefix.layerPrefixes(EncoderDecoderPrefix.Attention.ENCODER, m);
            var cross = prefix.layerPrefixes(EncoderDecoderPrefix.Attention.CROSS, m);
            assertEquals(2, encoder.numLayers());
            assertEquals(new Shape(1, 4, 3, 4), encoder.get(0).key().getShape());
            assertEquals(3, cross.numLayers());
            assertEquals(new Shape(1, 2, 3, 8), cross.get(2).value().getShape());
        }
    }

    /**
     * The cross-attention prefix is read as P extra encoder positions: a table holding every decoder layer's key and
     * value projections of P vectors gives exactly the logits of the frozen model whose encoder output has those P
     * vectors in front (with the same decoder prefix given explicitly).
     */
    @Test
    void crossPrefixOfProjectedStatesEqualsExtraEncoderPositions() {
        int p = 3;
        try (NDManager m = manager.newSubManager();
                EncoderDecoderPrefix prefix = Prefix.on(bart).length(p).reparam(Reparam.none()).seed(5)
                        .buildEncoderDecoder(m)) {
            NDArray encoderOutput = bart.encode(ForwardInput.ofIds(ids(m, 5, 17, 9, 40, 2))).lastHiddenState();
            NDArray extra = m.randomNormal(0, 1, new Shape(1, p, 16), DataType.FLOAT32);
            NDList blocks = new NDList();
            for (int layer = 0; layer < 3; layer++) {
                String attention = "model.decoder.layers." + layer + ".encoder_attn.";
                for (String projection : List.of("k_proj", "v_proj")) {
                    NDArray w = bart.weight(attention + projection + ".weight");
                    NDArray b = bart.weight(attention + projection + ".bias");
                    blocks.add(extra.get(0).matMul(w.transpose()).add(b));
                }
            }
            NDArray crossTable = NDArrays.concat(blocks, 1);
            prefix.load(Map.of(
                    "encoder.embedding.weight", prefix.trainable().get("encoder.embedding.weight"),
                    "decoder.embedding.weight", prefix.trainable().get("decoder.embedding.weight"),
                    "cross.embedding.weight", crossTable), "projected states");

            NDArray target = ids(m, 2, 0, 33, 12, 7);
            NDArray tuned = prefix.forward(ForwardInput.ofEncoderOutput(encoderOutput)
                    .withDecoder(DecoderInput.ofIds(target))).logits();
            NDArray reference = bart.forward(ForwardInput.ofEncoderOutput(extra.concat(encoderOutput, 1))
                    .withDecoder(DecoderInput.ofIds(target)
                            .withPrefixes(prefix.layerPrefixes(EncoderDecoderPrefix.Attention.DECODER, m)))).logits();
            assertEquals(0f, maxAbsDiff(reference, tuned), 1e-4f);
        }
    }

    @Test
    void everyPrefixChangesTheOutputAndCollapseKeepsIt() {
        try (NDManager m = manager.newSubManager();
                EncoderDecoderPrefix prefix = Prefix.on(bart).length(4).reparam(Reparam.mlp(8)).buildEncoderDecoder(m);
                EncoderDecoderPrefix collapsed = prefix.collapse()) {
            NDArray frozen = bart.forward(sourceAndTarget(m)).logits();
            NDArray tuned = prefix.forward(sourceAndTarget(m)).logits();
            assertTrue(maxAbsDiff(frozen, tuned) > 1e-3f);
            for (EncoderDecoderPrefix.Attention kind : EncoderDecoderPrefix.Attention.values()) {
                DecoderInput decoder = DecoderInput.ofIds(ids(m, 2, 0, 33, 12, 7));
                ForwardInput only = ForwardInput.ofIds(ids(m, 5, 17, 9, 40, 2));
                var layers = prefix.layerPrefixes(kind, m);
                ForwardInput input = kind == EncoderDecoderPrefix.Attention.ENCODER
                        ? only.withPrefixes(layers).withDecoder(decoder)
                        : only.withDecoder(kind == EncoderDecoderPrefix.Attention.DECODER ? decoder.withPrefixes(layers)
                                : decoder.withCrossPrefixes(layers));
                assertTrue(maxAbsDiff(frozen, bart.forward(input).logits()) > 1e-3f, kind + " prefix has no effect");
            }
            assertEquals(0f, maxAbsDiff(tuned, collapsed.forward(sourceAndTarget(m)).logits()), 1e-5f);
            // only the three tables [4, 2 * layers * 16] are left
            assertEquals(4L * (2 * 2 * 16 + 2 * 3 * 16 + 2 * 3 * 16), collapsed.trainedParameterCount());
            assertThrows(IllegalArgumentException.class, () -> prefix.forward(sourceAndTarget(m)
                    .withPrefixes(prefix.layerPrefixes(EncoderDecoderPrefix.Attention.ENCODER, m))));
        }
    }

    @Test
    void trainingMovesOnlyThePrefixAndLowersTheLoss() {
        try (NDManager m = manager.newSubManager();
                EncoderDecoderPrefix prefix = Prefix.on(bart).length(4).reparam(Reparam.mlp(8)).buildEncoderDecoder(m);
                AdamW adam = new AdamW(List.of(ParameterGroup.all(1e-2, 0)), LearningRateSchedule.constant(), m)) {
            float[] before = bart.weight("model.decoder.layers.0.encoder_attn.k_proj.weight").toFloatArray();
            long[] labels = {0, 33, 12, 7, 2};
            List<Float> losses = new ArrayList<>();
            for (int step = 0; step < 30; step++) {
                try (NDManager scope = m.newSubManager();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = prefix.forward(sourceAndTarget(scope).withTraining(true)).logits();
                    NDArray loss = logits.logSoftmax(2).get(0)
                            .gather(scope.create(labels, new Shape(5, 1)), 1).mean().neg();
                    collector.backward(loss);
                    losses.add(loss.getFloat());
                }
                adam.step(prefix.trainable());
            }
            assertTrue(losses.get(29) < losses.get(0) - 0.5, "loss " + losses.get(0) + " -> " + losses.get(29));
            assertArrayEquals(before, bart.weight("model.decoder.layers.0.encoder_attn.k_proj.weight").toFloatArray());
            assertFalse(bart.weight("model.decoder.layers.0.encoder_attn.k_proj.weight").hasGradient());
        }
    }

    @Test
    void cachedGenerationWithThePrefixesEqualsUncachedAndDiffersFromFrozen() {
        try (NDManager m = manager.newSubManager();
                EncoderDecoderPrefix prefix = Prefix.on(bart).length(4).reparam(Reparam.mlp(8)).seed(11)
                        .buildEncoderDecoder(m)) {
            NDArray source = ids(m, 5, 17, 9, 40, 2);
            NDArray mask = m.ones(new Shape(1, 5), DataType.INT64);
            GenerationConfig greedy = GenerationConfig.greedy(8, -1);
            Generator.Generation cached;
            Generator.Generation uncached;
            Generator.Generation frozen;
            try (Seq2SeqDecoder decoder = prefix.decoder(m, true)) {
                cached = Generator.generate(decoder, source, mask, greedy).get(0);
            }
            try (Seq2SeqDecoder decoder = prefix.decoder(m, false)) {
                uncached = Generator.generate(decoder, source, mask, greedy).get(0);
            }
            try (Seq2SeqDecoder decoder = Seq2SeqDecoder.of(bart, m)) {
                frozen = Generator.generate(decoder, source, mask, greedy).get(0);
            }
            assertArrayEquals(uncached.tokens(), cached.tokens());
            assertEquals(uncached.logProbability(), cached.logProbability(), 1e-4);
            assertTrue(!java.util.Arrays.equals(frozen.tokens(), cached.tokens())
                    || Math.abs(frozen.logProbability() - cached.logProbability()) > 1e-3,
                    "the prefixes should change the generation");
        }
    }

    @Test
    void needsAnEncoderDecoderAndRandomInitialization() {
        try (NDManager m = manager.newSubManager()) {
            assertThrows(UnsupportedOperationException.class,
                    () -> Prefix.on(bart).initFromWords(new int[] {5, 6}, "words").buildEncoderDecoder(m));
        }
    }
}
