package org.softprompt.method.prefix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.SharedFixtures;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.generate.CausalLmDecoder;
import org.softprompt.generate.GenerationConfig;
import org.softprompt.generate.Generator;
import org.softprompt.method.Reparam;

/**
 * One frozen tiny GPT-2 serving three tasks in one batch (PEFT's trained prefix of 6 positions, a 3-position MLP
 * prefix and a 10-position direct prefix): every row must get exactly what it gets when run alone through its own
 * {@link PrefixTuning}, for classification (verbalizer logits at the last token) and for beam search.
 */
public class PrefixRegistryTest {
    private static NDManager manager;
    private static Gpt2 gpt2;
    private static Map<String, PrefixTuning> tasks;
    private static PrefixRegistry registry;
    /** Each task's label words (token ids), as a verbalizer would give them. */
    private static final Map<String, long[]> LABELS = Map.of("peft", new long[] {5, 17}, "short",
            new long[] {100, 200, 300}, "long", new long[] {42, 43});
    private static final List<String> ROW_TASKS = List.of("peft", "short", "long", "long", "peft", "short",
            "short", "long", "peft");
    private static final long[][] TEXTS = {{3, 14, 15, 92}, {65, 35}, {89, 79, 32, 38, 46, 26}, {43}, {38, 32, 79},
        {50, 28, 84, 19, 71}, {69, 39, 9}, {37, 51, 5, 82}, {97, 49, 44, 59, 23, 7}};

    @BeforeAll
    static void load() {
        manager = Engines.newManager();
        gpt2 = Gpt2.load(SharedFixtures.hfFixture("tiny-gpt2"), manager);
        tasks = Map.of(
                "peft", PrefixTuning.fromPeft(gpt2, SharedFixtures.hfFixture("peft-prefix"), manager),
                "short", Prefix.on(gpt2).length(3).reparam(Reparam.mlp(32)).seed(1).build(manager),
                "long", Prefix.on(gpt2).length(10).reparam(Reparam.none()).seed(2).build(manager));
        registry = new PrefixRegistry(gpt2, manager);
        for (String name : List.of("peft", "short", "long")) {
            registry.register(name, tasks.get(name));
        }
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            registry.close();
            tasks.values().forEach(PrefixTuning::close);
            gpt2.close();
            manager.close();
        }
    }

    /** Right-padded ids [B, Tmax] and mask. */
    private static NDArray[] rightPadded(NDManager m) {
        int longest = 0;
        for (long[] text : TEXTS) {
            longest = Math.max(longest, text.length);
        }
        long[] ids = new long[TEXTS.length * longest];
        long[] mask = new long[TEXTS.length * longest];
        for (int b = 0; b < TEXTS.length; b++) {
            for (int t = 0; t < TEXTS[b].length; t++) {
                ids[b * longest + t] = TEXTS[b][t];
                mask[b * longest + t] = 1;
            }
        }
        Shape shape = new Shape(TEXTS.length, longest);
        return new NDArray[] {m.create(ids, shape), m.create(mask, shape)};
    }

    /** Left-padded ids and mask, as generation takes prompts. */
    private static NDArray[] leftPadded(NDManager m) {
        int longest = 0;
        for (long[] text : TEXTS) {
            longest = Math.max(longest, text.length);
        }
        long[] ids = new long[TEXTS.length * longest];
        long[] mask = new long[TEXTS.length * longest];
        for (int b = 0; b < TEXTS.length; b++) {
            int pad = longest - TEXTS[b].length;
            for (int t = 0; t < TEXTS[b].length; t++) {
                ids[b * longest + pad + t] = TEXTS[b][t];
                mask[b * longest + pad + t] = 1;
            }
        }
        Shape shape = new Shape(TEXTS.length, longest);
        return new NDArray[] {m.create(ids, shape), m.create(mask, shape)};
    }

    /** The label-word logits of one row's last real token. */
    private static float[] labelLogits(NDArray logits, int row, int last, String task, NDManager m) {
        return logits.get(new NDIndex(row + ", " + last)).get(m.create(LABELS.get(task))).toFloatArray();
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void aMixedClassificationBatchGivesEveryRowItsOutputAlone() {
        try (NDManager m = manager.newSubManager()) {
            NDArray[] batch = rightPadded(m);
            NDArray mixed = gpt2.forward(registry.enter(ForwardInput.ofIds(batch[0]).withAttentionMask(batch[1]),
                    ROW_TASKS)).logits();
            for (int b = 0; b < TEXTS.length; b++) {
                String task = ROW_TASKS.get(b);
                NDArray alone = tasks.get(task).forward(ForwardInput.ofIds(m.create(TEXTS[b],
                        new Shape(1, TEXTS[b].length)))).logits();
                int last = TEXTS[b].length - 1;
                float[] expected = labelLogits(alone, 0, last, task, m);
                float[] got = labelLogits(mixed, b, last, task, m);
                assertArrayEquals(expected, got, 1e-5f, "row " + b + " (" + task + ")");
                assertEquals(argmax(expected), argmax(got), "row " + b + "'s predicted label");
                // the full next-token distribution too, not only the label words
                float worst = mixed.get(new NDIndex(b + ", " + last)).sub(alone.get(new NDIndex("0, " + last)))
                        .abs().max().getFloat();
                assertTrue(worst < 1e-5, "row " + b + " (" + task + ") differs from alone by " + worst);
            }
        }
    }

    @Test
    void eachRowReallyUsesItsOwnPrefix() {
        try (NDManager m = manager.newSubManager()) {
            NDArray ids = m.create(TEXTS[0], new Shape(1, TEXTS[0].length));
            NDArray[] logits = new NDArray[3];
            List<String> names = List.of("peft", "short", "long");
            for (int i = 0; i < 3; i++) {
                logits[i] = gpt2.forward(registry.enter(ForwardInput.ofIds(ids), List.of(names.get(i)))).logits();
            }
            // a wrong prefix would not be noticed if the tasks computed the same: they do not
            assertTrue(logits[0].sub(logits[1]).abs().max().getFloat() > 1e-2);
            assertTrue(logits[1].sub(logits[2]).abs().max().getFloat() > 1e-2);
        }
    }

    @Test
    void aMixedBeamSearchBatchGivesEveryPromptItsGenerationAlone() {
        GenerationConfig config = GenerationConfig.greedy(8, 0).beams(3).earlyStopping(false);
        try (NDManager m = manager.newSubManager()) {
            NDArray[] batch = leftPadded(m);
            List<Generator.Generation> mixed;
            try (CausalLmDecoder decoder = registry.decoder(ROW_TASKS, m)) {
                mixed = Generator.generate(decoder, batch[0], batch[1], config);
            }
            List<Generator.Generation> alone = new ArrayList<>();
            for (int b = 0; b < TEXTS.length; b++) {
                PrefixTuning prefix = tasks.get(ROW_TASKS.get(b));
                NDArray ids = m.create(TEXTS[b], new Shape(1, TEXTS[b].length));
                try (CausalLmDecoder decoder = new CausalLmDecoder(gpt2, m, prefix.layerPrefixes(m),
                        prefix.positionOffset(), true)) {
                    alone.add(Generator.generate(decoder, ids, ids.onesLike(), config).get(0));
                }
            }
            for (int b = 0; b < TEXTS.length; b++) {
                assertArrayEquals(alone.get(b).tokens(), mixed.get(b).tokens(), "prompt " + b + " ("
                        + ROW_TASKS.get(b) + "): " + alone.get(b) + " alone, " + mixed.get(b) + " mixed");
                assertEquals(alone.get(b).logProbability(), mixed.get(b).logProbability(), 1e-4, "prompt " + b);
                assertEquals(alone.get(b).endedWithEos(), mixed.get(b).endedWithEos(), "prompt " + b);
            }
            // the three tasks continue the same text differently, so the per-row prefixes matter here too
            assertTrue(mixed.stream().map(g -> java.util.Arrays.toString(g.tokens())).distinct().count() > 3);
        }
    }

    @Test
    void uncachedMixedDecodingEqualsCachedWithEveryRowsOwnOffset() {
        // without the cache, positions are recomputed each step from the per-row offsets that follow the beams
        GenerationConfig config = GenerationConfig.greedy(6, 0).beams(2).earlyStopping(false);
        try (NDManager m = manager.newSubManager()) {
            NDArray[] batch = leftPadded(m);
            PrefixRegistry.Selection selection = registry.select(ROW_TASKS, m);
            List<Generator.Generation> cached;
            List<Generator.Generation> uncached;
            try (CausalLmDecoder decoder = registry.decoder(ROW_TASKS, m)) {
                cached = Generator.generate(decoder, batch[0], batch[1], config);
            }
            try (CausalLmDecoder decoder = new CausalLmDecoder(gpt2, m, selection.prefixes(),
                    selection.positionOffsets(), false)) {
                uncached = Generator.generate(decoder, batch[0], batch[1], config);
            }
            for (int b = 0; b < TEXTS.length; b++) {
                assertArrayEquals(cached.get(b).tokens(), uncached.get(b).tokens(), "prompt " + b);
                assertEquals(cached.get(b).logProbability(), uncached.get(b).logProbability(), 1e-4);
            }
        }
    }

    @Test
    void aMixedBatchOnAMaskedLmGivesEveryRowItsOutputAlone() {
        // BERT: prefixes keep the text's positions (P-tuning v2 style), rows padded on the right with a mask
        try (NDManager m = manager.newSubManager();
                org.softprompt.backbone.Backbone bert = org.softprompt.backbone.Backbones.load(
                        SharedFixtures.hfFixture("tiny-bert"), m);
                PrefixTuning a = Prefix.on(bert).length(4).reparam(Reparam.mlp(16)).seed(1).build(m);
                PrefixTuning b = Prefix.on(bert).length(7).reparam(Reparam.none()).seed(2).build(m);
                PrefixRegistry bertTasks = new PrefixRegistry(bert, m).register("a", a).register("b", b)) {
            List<String> rowTasks = List.of("a", "b", "b", "a", "b");
            long[][] texts = {{2, 40, 41, 42, 3}, {2, 50, 3}, {2, 60, 61, 62, 63, 64, 3}, {2, 70, 71, 3}, {2, 3}};
            int longest = 7;
            long[] ids = new long[texts.length * longest];
            long[] mask = new long[texts.length * longest];
            for (int r = 0; r < texts.length; r++) {
                for (int t = 0; t < texts[r].length; t++) {
                    ids[r * longest + t] = texts[r][t];
                    mask[r * longest + t] = 1;
                }
            }
            Shape shape = new Shape(texts.length, longest);
            NDArray mixed = bert.forward(bertTasks.enter(ForwardInput.ofIds(m.create(ids, shape))
                    .withAttentionMask(m.create(mask, shape)), rowTasks)).logits();
            for (int r = 0; r < texts.length; r++) {
                PrefixTuning own = rowTasks.get(r).equals("a") ? a : b;
                NDArray alone = own.forward(ForwardInput.ofIds(m.create(texts[r], new Shape(1, texts[r].length))))
                        .logits().get(0);
                NDArray rowMixed = mixed.get(r).get(new NDIndex("0:" + texts[r].length));
                float worst = rowMixed.sub(alone).abs().max().getFloat();
                assertTrue(worst < 1e-5, "row " + r + " (" + rowTasks.get(r) + ") differs from alone by " + worst);
            }
        }
    }

    @Test
    void aPeftAdapterFolderRegistersAsItsPrefix() {
        try (NDManager m = manager.newSubManager();
                PrefixRegistry fromFolder = new PrefixRegistry(gpt2, m)
                        .register("peft", SharedFixtures.hfFixture("peft-prefix"))) {
            NDArray ids = m.create(TEXTS[2], new Shape(1, TEXTS[2].length));
            NDArray viaFolder = gpt2.forward(fromFolder.enter(ForwardInput.ofIds(ids), List.of("peft"))).logits();
            NDArray viaPrefix = tasks.get("peft").forward(ForwardInput.ofIds(ids)).logits();
            assertArrayEquals(viaPrefix.toFloatArray(), viaFolder.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void anUnknownTaskOrAMismatchedBatchIsNamed() {
        try (NDManager m = manager.newSubManager()) {
            NDArray ids = m.create(TEXTS[0], new Shape(1, TEXTS[0].length));
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> registry.enter(ForwardInput.ofIds(ids), List.of("summarize")));
            assertTrue(unknown.getMessage().contains("'summarize'") && unknown.getMessage().contains("peft"),
                    unknown.getMessage());
            IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                    () -> registry.enter(ForwardInput.ofIds(ids), List.of("peft", "long")));
            assertTrue(rows.getMessage().contains("1 rows but 2"), rows.getMessage());
        }
    }
}
