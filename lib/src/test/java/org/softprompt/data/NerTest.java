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
import org.softprompt.data.Ner.Part;
import org.softprompt.data.Ner.Span;

class NerTest {

    private static int[] counts(List<Ner.Sentence> sentences) {
        int tokens = sentences.stream().mapToInt(s -> s.tokens().size()).sum();
        int entities = sentences.stream().mapToInt(s -> s.spans().size()).sum();
        return new int[] {sentences.size(), tokens, entities};
    }

    @Test
    void conll2003StandardCounts() {
        TestData.dataset("conll2003");
        Ner ner = Ner.open(TestData.root());
        assertEquals(List.of(14041, 203621, 23499), List.of(box(counts(ner.conll2003(Part.TRAIN)))));
        assertEquals(List.of(3250, 51362, 5942), List.of(box(counts(ner.conll2003(Part.DEV)))));
        assertEquals(List.of(3453, 46435, 5648), List.of(box(counts(ner.conll2003(Part.TEST)))));
        assertEquals(List.of("O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"),
                Ner.tagSet(ner.conll2003(Part.TRAIN)));
        // This copy is IOB2 already: the IOB1 -> IOB2 conversion leaves every tag as read.
        List<Ner.Sentence> raw = Ner.readColumns(TestData.dataset("conll2003").resolve("train.txt"), " ", 4, "", false);
        assertEquals(raw, ner.conll2003(Part.TRAIN));
        Ner.Sentence first = ner.conll2003(Part.TRAIN).get(0);
        assertEquals(List.of("EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."), first.tokens());
        assertEquals(List.of(new Span(0, 1, "ORG"), new Span(2, 3, "MISC"), new Span(6, 7, "MISC")), first.spans());
    }

    @Test
    void wnutAndWikiannCounts() {
        TestData.dataset("wnut17");
        Ner ner = Ner.open(TestData.root());
        assertEquals(List.of(3394, 62730, 1975), List.of(box(counts(ner.wnut17(Part.TRAIN)))));
        assertEquals(List.of(1009, 15733, 836), List.of(box(counts(ner.wnut17(Part.DEV)))));
        assertEquals(List.of(1287, 23394, 1079), List.of(box(counts(ner.wnut17(Part.TEST)))));
        assertEquals(13, Ner.tagSet(ner.wnut17(Part.TRAIN)).size());
        TestData.dataset("wikiann-en");
        assertEquals(List.of(20000, 160394, 27931), List.of(box(counts(ner.wikiannEn(Part.TRAIN)))));
        assertEquals(List.of(10000, 80536, 14146), List.of(box(counts(ner.wikiannEn(Part.DEV)))));
        assertEquals(List.of(10000, 80326, 13958), List.of(box(counts(ner.wikiannEn(Part.TEST)))));
        assertEquals("R.H.", ner.wikiannEn(Part.TRAIN).get(0).tokens().get(0));
    }

    @Test
    void conll04SpansTagsAndTypedRelations() {
        TestData.dataset("conll04");
        Ner ner = Ner.open(TestData.root());
        List<Ner.RelationSentence> train = ner.conll04(Part.TRAIN);
        assertEquals(922, train.size());
        assertEquals(231, ner.conll04(Part.DEV).size());
        assertEquals(288, ner.conll04(Part.TEST).size());
        assertEquals(1283, train.stream().mapToInt(s -> s.relations().size()).sum());
        Map<String, List<String>> argumentTypes = Map.of("Work_For", List.of("Peop", "Org"), "Kill",
                List.of("Peop", "Peop"), "OrgBased_In", List.of("Org", "Loc"), "Live_In", List.of("Peop", "Loc"),
                "Located_In", List.of("Loc", "Loc"));
        for (Part part : Part.values()) {
            for (Ner.RelationSentence s : ner.conll04(part)) {
                assertEquals(s.entities(), Ner.spans(s.tags()));
                for (Ner.Relation r : s.relations()) {
                    // Entities numbered in sentence order give every relation its documented argument types.
                    assertEquals(argumentTypes.get(r.type()),
                            List.of(s.entities().get(r.head()).type(), s.entities().get(r.tail()).type()), s.toString());
                }
            }
        }
        Ner.RelationSentence first = train.get(0);
        assertEquals(new Span(10, 13, "Org"), first.entities().get(2));
        assertEquals(List.of("B-Org", "I-Org", "I-Org"), first.tags().subList(10, 13));
    }

    @Test
    void tagConversions() {
        assertEquals(List.of("B-PER", "I-PER", "O", "B-LOC", "B-ORG", "I-ORG", "B-ORG"),
                Ner.toIob2(List.of("I-PER", "I-PER", "O", "I-LOC", "I-ORG", "I-ORG", "B-ORG")));
        List<String> iob2 = List.of("B-A", "I-A", "B-A", "O", "B-B");
        assertEquals(iob2, Ner.toIob2(iob2));
        assertEquals(List.of(new Span(0, 2, "A"), new Span(2, 3, "A"), new Span(4, 5, "B")), Ner.spans(iob2));
        assertEquals(List.of(new Span(0, 1, "X"), new Span(2, 5, "Y")),
                Ner.bilouSpans(List.of("U-X", "O", "B-Y", "I-Y", "L-Y")));
        assertThrows(IllegalArgumentException.class, () -> Ner.bilouSpans(List.of("B-Y", "O")));
        assertThrows(IllegalArgumentException.class, () -> Ner.bilouSpans(List.of("I-Y")));
    }

    @Test
    void badFilesAreNamed(@TempDir Path dir) throws IOException {
        Ner ner = Ner.open(dir);
        String m = assertThrows(DataException.class, () -> ner.conll2003(Part.TEST)).getMessage();
        assertTrue(m.contains("test.txt"), m);
        Files.createDirectories(dir.resolve("conll2003"));
        Files.writeString(dir.resolve("conll2003/test.txt"), "-DOCSTART- -X- -X- O\n\nEU NNP B-ORG\n");
        m = assertThrows(DataException.class, () -> ner.conll2003(Part.TEST)).getMessage();
        assertTrue(m.contains("test.txt:3") && m.contains("4 space-separated columns"), m);
        Files.writeString(dir.resolve("conll2003/test.txt"), "-DOCSTART- -X- -X- O\n\n");
        m = assertThrows(DataException.class, () -> ner.conll2003(Part.TEST)).getMessage();
        assertTrue(m.startsWith("Empty data set"), m);
        Files.createDirectories(dir.resolve("conll04"));
        Files.writeString(dir.resolve("conll04/conll04_dev.json"), "[{\"tokens\":[\"a\"],\"relations\":[]}]");
        m = assertThrows(DataException.class, () -> ner.conll04(Part.DEV)).getMessage();
        assertTrue(m.contains("conll04_dev.json") && m.contains("'tags'"), m);
    }

    private static Integer[] box(int[] values) {
        return java.util.Arrays.stream(values).boxed().toArray(Integer[]::new);
    }
}
