package org.softprompt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.data.SuperGlue.FewGlueSplit;
import org.softprompt.data.SuperGlue.FullSplit;

class SuperGlueTest {

    @Test
    void fewGlueCountsAndLabels() {
        SuperGlue sg = SuperGlue.open(TestData.dataset("superglue"));
        for (FewGlueSplit split : List.of(FewGlueSplit.TRAIN_32, FewGlueSplit.DEV_32)) {
            assertEquals(32, sg.boolq(split).size());
            assertEquals(32, sg.cb(split).size());
            assertEquals(32, sg.copa(split).size());
            assertEquals(32, sg.rte(split).size());
            assertEquals(32, sg.wic(split).size());
            assertEquals(32, sg.wsc(split).size());
        }
        assertEquals(3270, sg.boolq(FewGlueSplit.VALIDATION).size());
        assertEquals(56, sg.cb(FewGlueSplit.VALIDATION).size());
        assertEquals(100, sg.copa(FewGlueSplit.VALIDATION).size());
        assertEquals(277, sg.rte(FewGlueSplit.VALIDATION).size());
        assertEquals(638, sg.wic(FewGlueSplit.VALIDATION).size());
        assertEquals(104, sg.wsc(FewGlueSplit.VALIDATION).size());
        List<SuperGlue.MultiRc> multirc = sg.multirc(FewGlueSplit.VALIDATION);
        assertEquals(83, multirc.stream().map(SuperGlue.MultiRc::passageIdx).distinct().count());
        assertEquals(953, multirc.stream().map(SuperGlue.MultiRc::questionId).distinct().count());
        assertEquals(4848, multirc.size());

        assertEquals(Map.of("False", 1237, "True", 2033), FewShot.counts(sg.boolq(FewGlueSplit.VALIDATION), SuperGlue.BoolQ::label));
        assertEquals(Map.of("contradiction", 28, "entailment", 23, "neutral", 5), FewShot.counts(sg.cb(FewGlueSplit.VALIDATION), SuperGlue.Cb::label));
        assertTrue(SuperGlue.COPA_LABELS.containsAll(FewShot.counts(sg.copa(FewGlueSplit.VALIDATION), SuperGlue.Copa::label).keySet()));
        assertTrue(SuperGlue.MULTIRC_LABELS.containsAll(FewShot.counts(multirc, SuperGlue.MultiRc::label).keySet()));
        // FewGLUE's WSC training examples are the positive ones only (as in PET).
        assertEquals(Map.of("True", 32), FewShot.counts(sg.wsc(FewGlueSplit.TRAIN_32), SuperGlue.Wsc::label));

        for (SuperGlue.Wic w : sg.wic(FewGlueSplit.VALIDATION)) {
            assertTrue(0 <= w.start1() && w.start1() < w.end1() && w.end1() <= w.sentence1().length());
            assertTrue(0 <= w.start2() && w.start2() < w.end2() && w.end2() <= w.sentence2().length());
        }
        // Span indices are word positions; a few SuperGLUE items are off by the unsplit punctuation (PET
        // re-aligns them), but both span texts always occur in the text.
        for (SuperGlue.Wsc w : sg.wsc(FewGlueSplit.VALIDATION)) {
            String text = w.text().toLowerCase();
            assertTrue(text.contains(w.span1Text().toLowerCase()) && text.contains(w.span2Text().toLowerCase()),
                    w.toString());
            assertTrue(w.span2Index() < w.text().split(" ").length, w.toString());
        }
    }

    @Test
    void fullRteAndWscAndTheValidationSubstitute() {
        SuperGlue sg = SuperGlue.open(TestData.dataset("superglue"));
        assertEquals(2490, sg.rteFull(FullSplit.TRAIN).size());
        assertEquals(sg.rte(FewGlueSplit.VALIDATION), sg.rteFull(FullSplit.VALIDATION));
        assertEquals(554, sg.wscFull(FullSplit.TRAIN).size());
        Split<SuperGlue.BoolQ> boolq = SuperGlue.validationAsTrainAndTest("BoolQ", sg.boolq(FewGlueSplit.VALIDATION), 1000, 1);
        assertEquals(2270, boolq.train().size());
        assertEquals(1000, boolq.test().size());
        BbcNewsTest.assertDisjoint(boolq);
        assertTrue(boolq.splitNote().contains("2270 train / 1000 test (seed 1)"), boolq.splitNote());
    }

    @Test
    void missingFieldsAreNamed(@TempDir Path dir) throws IOException {
        SuperGlue sg = SuperGlue.open(dir);
        String m = assertThrows(DataException.class, () -> sg.cb(FewGlueSplit.TRAIN_32)).getMessage();
        assertTrue(m.contains("CB") && m.contains("train.jsonl"), m);
        Path file = Files.createDirectories(dir.resolve("fewglue/CB")).resolve("train.jsonl");
        Files.writeString(file, "{\"premise\":\"p\",\"hypothesis\":\"h\",\"label\":\"neutral\",\"idx\":0}\n"
                + "{\"premise\":\"p\",\"label\":\"neutral\",\"idx\":1}\n");
        m = assertThrows(DataException.class, () -> sg.cb(FewGlueSplit.TRAIN_32)).getMessage();
        assertTrue(m.contains("train.jsonl:2") && m.contains("'hypothesis'"), m);
    }
}
