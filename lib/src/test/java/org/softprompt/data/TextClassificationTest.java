package org.softprompt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.data.TextClassification.LabeledText;
import org.softprompt.data.TextClassification.TextPair;

class TextClassificationTest {

    private static TextClassification data() {
        return TextClassification.open(TestData.root());
    }

    @Test
    void sst2AndMrpcCounts() {
        TestData.dataset("sst2");
        TextClassification tc = data();
        assertEquals(60614, tc.sst2(TextClassification.Sst2Split.TRAIN).size());
        assertEquals(6735, tc.sst2(TextClassification.Sst2Split.DEV).size());
        assertEquals(Map.of("negative", 428, "positive", 444),
                FewShot.counts(tc.sst2(TextClassification.Sst2Split.TEST), LabeledText::label));
        TestData.dataset("mrpc");
        assertEquals(4076, tc.mrpc(TextClassification.MrpcSplit.TRAIN).size());
        assertEquals(1725, tc.mrpc(TextClassification.MrpcSplit.TEST).size());
        TextPair first = tc.mrpc(TextClassification.MrpcSplit.TRAIN).get(0);
        assertEquals("equivalent", first.label());
        assertTrue(first.first().startsWith("Amrozi accused his brother"));
    }

    @Test
    void nltkSetsCountsAndSubstituteSplits() {
        TestData.dataset("nltk");
        TextClassification tc = data();
        assertEquals(Map.of("negative", 5331, "positive", 5331), FewShot.counts(tc.mr(), LabeledText::label));
        assertEquals(Map.of("objective", 5000, "subjective", 5000), FewShot.counts(tc.subj(), LabeledText::label));
        assertEquals(5452, tc.trec(TextClassification.TrecSplit.TRAIN).size());
        assertEquals(500, tc.trec(TextClassification.TrecSplit.TEST).size());
        assertEquals(TextClassification.TREC_LABELS,
                FewShot.counts(tc.trec(TextClassification.TrecSplit.TRAIN), LabeledText::label).keySet().stream().toList());
        assertEquals("How far is it from Denver to Aspen ?", tc.trec(TextClassification.TrecSplit.TEST).get(0).text());
        assertEquals(Map.of("negative", 1371, "positive", 2415), FewShot.counts(tc.cr(), LabeledText::label));

        Split<LabeledText> mr = tc.mrSplit(13);
        assertEquals(8662, mr.train().size());
        assertEquals(2000, mr.test().size());
        assertEquals(mr, tc.mrSplit(13));
        assertFalse(mr.test().equals(tc.mrSplit(21).test()));
        assertEquals(1786, tc.crSplit(13).train().size());
        assertEquals(8000, tc.subjSplit(13).train().size());
        assertTrue(mr.splitNote().contains("seed 13"));
    }

    @Test
    void rteXmlCounts() {
        TestData.dataset("nltk");
        TextClassification tc = data();
        int[][] sizes = {{567, 800}, {400, 800}, {800, 800}};
        for (int k = 1; k <= 3; k++) {
            assertEquals(sizes[k - 1][0], tc.rte(k, false).size());
            assertEquals(sizes[k - 1][1], tc.rte(k, true).size());
        }
        assertEquals(Map.of("entailment", 283, "not_entailment", 284), FewShot.counts(tc.rte(1, false), TextPair::label));
        assertEquals(Map.of("entailment", 410, "not_entailment", 390), FewShot.counts(tc.rte(3, true), TextPair::label));
        assertThrows(IllegalArgumentException.class, () -> tc.rte(4, false));

        // The overlap with SuperGLUE RTE stated in the javadoc.
        TestData.dataset("superglue");
        SuperGlue sg = SuperGlue.open(TestData.root().resolve("superglue"));
        java.util.Set<String> sgTrain = new java.util.HashSet<>();
        sg.rteFull(SuperGlue.FullSplit.TRAIN).forEach(r -> sgTrain.add(r.premise().strip() + "\t" + r.hypothesis().strip()));
        java.util.Set<String> sgVal = new java.util.HashSet<>();
        sg.rteFull(SuperGlue.FullSplit.VALIDATION).forEach(r -> sgVal.add(r.premise().strip() + "\t" + r.hypothesis().strip()));
        int devInTrain = 0;
        int devInVal = 0;
        int testInEither = 0;
        for (int k = 1; k <= 3; k++) {
            for (TextPair p : tc.rte(k, false)) {
                devInTrain += sgTrain.contains(p.first() + "\t" + p.second()) ? 1 : 0;
                devInVal += sgVal.contains(p.first() + "\t" + p.second()) ? 1 : 0;
            }
            for (TextPair p : tc.rte(k, true)) {
                String key = p.first() + "\t" + p.second();
                testInEither += sgTrain.contains(key) || sgVal.contains(key) ? 1 : 0;
            }
        }
        assertEquals(1545, devInTrain);
        assertEquals(172, devInVal);
        assertEquals(0, testInEither);
    }

    @Test
    void badInputIsNamed(@TempDir Path dir) throws IOException {
        TextClassification tc = TextClassification.open(dir);
        String m = assertThrows(DataException.class, () -> tc.sst2(TextClassification.Sst2Split.TEST)).getMessage();
        assertTrue(m.contains("test.tsv") && m.contains("sentence<TAB>label"), m);
        Files.createDirectories(dir.resolve("sst2"));
        Files.writeString(dir.resolve("sst2/test.tsv"), "sentence\tlabel\ngood film\t2\n");
        m = assertThrows(DataException.class, () -> tc.sst2(TextClassification.Sst2Split.TEST)).getMessage();
        assertTrue(m.contains("test.tsv:2"), m);
        Files.writeString(dir.resolve("sst2/test.tsv"), "sentence\tlabel\n");
        m = assertThrows(DataException.class, () -> tc.sst2(TextClassification.Sst2Split.TEST)).getMessage();
        assertTrue(m.startsWith("Empty data set"), m);
        Files.createDirectories(dir.resolve("nltk/qc"));
        Files.writeString(dir.resolve("nltk/qc/test.txt"), "What is an atom ?\n");
        m = assertThrows(DataException.class, () -> tc.trec(TextClassification.TrecSplit.TEST)).getMessage();
        assertTrue(m.contains("test.txt:1") && m.contains("COARSE"), m);
    }
}
