package org.softprompt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LamaTrexTest {

    @Test
    void relationsFactsVocabularyAndParaphrases() {
        LamaTrex lama = LamaTrex.load(TestData.dataset("lama-trex"));
        assertEquals(41, lama.relations().size());
        assertEquals(29411, lama.allFacts().size());
        assertEquals(21018, lama.commonVocab().size());
        assertEquals(0, lama.droppedByVocab());
        assertTrue(lama.allFacts().stream().allMatch(f -> lama.inCommonVocab(f.object())));
        assertEquals(29411, lama.allFacts().stream().map(LamaTrex.Fact::uuid).distinct().count());

        LamaTrex.Relation capital = lama.relation("P36");
        assertEquals("The capital of [X] is [Y] .", capital.template());
        assertEquals("1-1", capital.type());
        assertEquals("The capital of France is [MASK] .", capital.fill("France", "[MASK]"));
        assertTrue(lama.relation("P31").template().equals("[X] is a [Y] ."));
        assertTrue(lama.relation("P527").template().equals("[X] consists of [Y] ."));

        assertTrue(lama.paraphrases("P31").isEmpty());
        assertTrue(lama.paraphrases("P527").isEmpty());
        int withParaphrases = 0;
        for (LamaTrex.Relation r : lama.relations()) {
            if (!lama.paraphrases(r.id()).isEmpty()) {
                withParaphrases++;
                // ParaRel's first pattern is LAMA's template up to the space before the final period.
                assertEquals(r.template().replace(" .", "."), lama.paraphrases(r.id()).get(0).pattern().replace(" .", "."));
            }
            lama.paraphrases(r.id()).forEach(p -> assertTrue(p.pattern().contains("[X]") && p.pattern().contains("[Y]")));
        }
        assertEquals(39, withParaphrases);
        assertThrows(IllegalArgumentException.class, () -> lama.facts("P166"));
    }

    @Test
    void perRelationSplitIsSeededDisjointAndCovering() {
        LamaTrex lama = LamaTrex.load(TestData.dataset("lama-trex"));
        Map<String, Split<LamaTrex.Fact>> split = lama.split(3, 0.5, 0.1);
        assertEquals(41, split.size());
        int total = 0;
        for (var entry : split.entrySet()) {
            Split<LamaTrex.Fact> s = entry.getValue();
            int n = lama.facts(entry.getKey()).size();
            assertEquals(n, s.train().size() + s.dev().size() + s.test().size());
            assertEquals(Math.round(n * 0.5), s.train().size());
            assertEquals(Math.round(n * 0.1), s.dev().size());
            BbcNewsTest.assertDisjoint(s);
            total += n;
        }
        assertEquals(29411, total);
        assertEquals(split, lama.split(3, 0.5, 0.1));
        assertFalse(split.get("P36").train().equals(lama.split(4, 0.5, 0.1).get("P36").train()));
        assertTrue(LamaTrex.splitNote(3, 0.5, 0.1).contains("50/10/40"));
    }

    @Test
    void missingFilesAndFieldsAreNamed(@TempDir Path dir) throws IOException {
        String m = assertThrows(DataException.class, () -> LamaTrex.load(dir)).getMessage();
        assertTrue(m.contains("LAMA_relations.jsonl"), m);
        Files.writeString(dir.resolve("LAMA_relations.jsonl"),
                "{\"relation\":\"P1\",\"template\":\"[X] is [Y] .\",\"label\":\"l\",\"type\":\"N-1\"}\n");
        Files.writeString(dir.resolve("common_vocab_cased.txt"), "Paris\nLondon\n");
        Files.createDirectories(dir.resolve("trex_lms_vocab"));
        Files.writeString(dir.resolve("trex_lms_vocab/P1.jsonl"), "{\"sub_label\":\"France\",\"uuid\":\"u\"}\n");
        m = assertThrows(DataException.class, () -> LamaTrex.load(dir)).getMessage();
        assertTrue(m.contains("P1.jsonl:1") && m.contains("'obj_label'"), m);
        Files.writeString(dir.resolve("trex_lms_vocab/P1.jsonl"),
                "{\"sub_label\":\"France\",\"obj_label\":\"Berlin\",\"uuid\":\"u\"}\n");
        m = assertThrows(DataException.class, () -> LamaTrex.load(dir)).getMessage();
        assertTrue(m.startsWith("Empty data set") && m.contains("P1.jsonl"), m);
        Files.writeString(dir.resolve("trex_lms_vocab/P1.jsonl"),
                "{\"sub_label\":\"France\",\"obj_label\":\"Berlin\",\"uuid\":\"u\"}\n"
                        + "{\"sub_label\":\"France\",\"obj_label\":\"Paris\",\"uuid\":\"v\"}\n");
        LamaTrex lama = LamaTrex.load(dir);
        assertEquals(1, lama.droppedByVocab());
        assertEquals(Set.of("Paris"), new HashSet<>(lama.facts("P1").stream().map(LamaTrex.Fact::object).toList()));
    }
}
