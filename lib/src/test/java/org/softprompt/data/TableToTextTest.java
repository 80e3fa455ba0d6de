package org.softprompt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableToTextTest {

    @Test
    void e2eCountsMatchTheRelease() {
        Split<E2e.Example> e2e = E2e.load(TestData.dataset("e2e"));
        assertEquals(4672, e2e.train().size());
        assertEquals(547, e2e.train().stream().map(E2e.Example::mr).distinct().count());
        assertEquals(630, e2e.test().size());
        assertEquals(4693, e2e.test().stream().mapToInt(e -> e.references().size()).sum());
        assertTrue(e2e.dev().isEmpty());
        assertTrue(e2e.splitNote().contains("4,672"));
        for (E2e.Example e : e2e.train()) {
            assertEquals(1, e.references().size());
        }
        Set<String> names = Set.of("name", "eatType", "food", "priceRange", "customer rating", "area",
                "familyFriendly", "near");
        for (E2e.Example e : e2e.test()) {
            assertFalse(e.attributes().isEmpty());
            assertEquals("name", e.attributes().get(0).name());
            e.attributes().forEach(a -> assertTrue(names.contains(a.name()), a.name()));
            e.references().forEach(r -> assertFalse(r.isBlank()));
        }
        // No test MR occurs in the data used for training.
        Set<String> trainMrs = new HashSet<>();
        e2e.train().forEach(e -> trainMrs.add(e.mr()));
        assertTrue(e2e.test().stream().noneMatch(e -> trainMrs.contains(e.mr())));
    }

    @Test
    void e2eMrParsesAndLinearizes() {
        List<E2e.Attribute> attributes = E2e.parseMr("name[The Eagle], eatType[coffee shop], customer rating[5 out of 5]");
        assertEquals(List.of(new E2e.Attribute("name", "The Eagle"), new E2e.Attribute("eatType", "coffee shop"),
                new E2e.Attribute("customer rating", "5 out of 5")), attributes);
        assertEquals("name : The Eagle | eatType : coffee shop | customer rating : 5 out of 5",
                E2e.linearize(attributes));
        assertThrows(IllegalArgumentException.class, () -> E2e.parseMr("name[The Eagle] eatType"));
        assertThrows(IllegalArgumentException.class, () -> E2e.parseMr(""));
    }

    @Test
    void e2eErrorsNameTheFileAndWhatWasExpected(@TempDir Path dir) throws IOException {
        Path original = Files.createDirectories(dir.resolve("original"));
        DataException missing = assertThrows(DataException.class, () -> E2e.load(dir));
        assertTrue(missing.getMessage().contains("devset.csv"), missing.getMessage());

        Files.writeString(original.resolve("devset.csv"), "meaning,ref\n\"name[A]\",A is here.\n");
        DataException column = assertThrows(DataException.class, () -> E2e.load(dir));
        assertTrue(column.getMessage().contains("devset.csv") && column.getMessage().contains("'mr'"),
                column.getMessage());

        Files.writeString(original.resolve("devset.csv"), "mr,ref\n");
        DataException empty = assertThrows(DataException.class, () -> E2e.load(dir));
        assertTrue(empty.getMessage().startsWith("Empty data set") && empty.getMessage().contains("devset.csv"),
                empty.getMessage());

        Files.writeString(original.resolve("devset.csv"), "mr,ref\n\"name[A], area\",A is here.\n");
        DataException bad = assertThrows(DataException.class, () -> E2e.load(dir));
        assertTrue(bad.getMessage().contains("devset.csv:2"), bad.getMessage());
    }

    @Test
    void webNlgCountsAndSeenUnseenTest() {
        Path folder = TestData.dataset("webnlg2017");
        WebNlg.Data data = WebNlg.load(folder);
        assertEquals(6940, data.train().size());
        assertEquals(872, data.dev().size());
        assertEquals(1862, data.test().size());
        assertEquals(18102, data.train().stream().mapToInt(e -> e.lexicalisations().size()).sum());
        assertEquals(2268, data.dev().stream().mapToInt(e -> e.lexicalisations().size()).sum());
        assertEquals(4928, data.test().stream().mapToInt(e -> e.references().size()).sum());
        assertEquals(10, data.seenCategories().size());
        assertEquals(971, data.testSeen().size());
        assertEquals(891, data.testUnseen().size());
        assertEquals(data.test().size(), data.testSeen().size() + data.testUnseen().size());
        assertTrue(data.dev().stream().allMatch(WebNlg.Entry::seen));

        // The challenge's own unseen test file holds exactly the entries classified as unseen here.
        List<WebNlg.Entry> unseenFile = WebNlg.readFile(folder.resolve("test/testdata_unseen_with_lex.xml"), "u");
        assertEquals(multiset(data.testUnseen()), multiset(unseenFile));

        for (WebNlg.Entry e : data.train()) {
            assertEquals(e.size(), e.triples().size());
            assertTrue(e.size() >= 1 && e.size() <= 7);
        }
        WebNlg.Entry first = data.train().get(0);
        assertEquals(first.triples().size() - 1, first.linearized().split(" \\| ").length - 1);
        assertTrue(first.linearized().matches("[^|]+ : [^|]+ : [^|]+( \\| [^|]+ : [^|]+ : [^|]+)*"),
                first.linearized());
    }

    @Test
    void webNlgMissingFolderIsNamed(@TempDir Path dir) throws IOException {
        DataException e = assertThrows(DataException.class, () -> WebNlg.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("train").toString()), e.getMessage());
        Files.createDirectories(dir.resolve("train/1triples"));
        Files.writeString(dir.resolve("train/1triples/a.xml"), "<benchmark><entries><entry category=\"X\" eid=\"Id1\" "
                + "size=\"1\"><modifiedtripleset><mtriple>only two | parts</mtriple></modifiedtripleset></entry>"
                + "</entries></benchmark>");
        DataException triple = assertThrows(DataException.class, () -> WebNlg.load(dir));
        assertTrue(triple.getMessage().contains("a.xml") && triple.getMessage().contains("subject | predicate"),
                triple.getMessage());
    }

    @Test
    void dartCountsAndJsonEqualsXml() {
        Path folder = TestData.dataset("dart");
        Split<Dart.Entry> dart = Dart.load(folder);
        assertEquals(2768, dart.train().size());
        assertEquals(6980, dart.train().stream().mapToInt(e -> e.annotations().size()).sum());
        assertEquals(5097, dart.test().size());
        // 12,552 references, one of which is an empty <lex> that the reader skips.
        assertEquals(12551, dart.test().stream().mapToInt(e -> e.annotations().size()).sum());
        List<Dart.Entry> devXml = Dart.readXml(folder.resolve(Dart.DEV_XML));
        assertEquals(dart.train().size(), devXml.size());
        for (int i = 0; i < devXml.size(); i++) {
            assertEquals(dart.train().get(i).triples(), devXml.get(i).triples());
            assertEquals(dart.train().get(i).references(), devXml.get(i).references());
        }
        Dart.Entry first = dart.train().get(0);
        assertEquals("Mars Hill College : joined : 1973 | Mars Hill College : location : Mars Hill, North Carolina",
                first.linearized());
    }

    private static Map<String, Integer> multiset(List<WebNlg.Entry> entries) {
        Map<String, Integer> counts = new HashMap<>();
        entries.forEach(e -> counts.merge(e.category() + " " + e.linearized() + " " + e.references(), 1, Integer::sum));
        return counts;
    }
}
