package org.softprompt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.data.Squad.Version;

class SquadTest {

    @Test
    void officialDevCounts() {
        Squad squad = Squad.open(TestData.dataset("squad"));
        List<Squad.Article> v1 = squad.load(Version.V1_1);
        assertEquals(48, v1.size());
        assertEquals(2067, v1.stream().mapToInt(a -> a.paragraphs().size()).sum());
        List<Squad.Example> e1 = Squad.examples(v1);
        assertEquals(10570, e1.size());
        assertTrue(e1.stream().noneMatch(Squad.Example::impossible));

        List<Squad.Article> v2 = squad.load(Version.V2_0);
        assertEquals(35, v2.size());
        assertEquals(1204, v2.stream().mapToInt(a -> a.paragraphs().size()).sum());
        List<Squad.Example> e2 = Squad.examples(v2);
        assertEquals(11873, e2.size());
        assertEquals(5945, e2.stream().filter(Squad.Example::impossible).count());
        assertTrue(e2.stream().allMatch(e -> e.impossible() == e.answers().isEmpty()));
        Set<String> v1Titles = new HashSet<>();
        v1.forEach(a -> v1Titles.add(a.title()));
        assertTrue(v2.stream().allMatch(a -> v1Titles.contains(a.title())));
    }

    @Test
    void articleSplitIsSeededDisjointAndSharedByBothVersions() {
        Squad squad = Squad.open(TestData.dataset("squad"));
        Squad.ArticleSplit split = squad.articleSplit(5, 0.7, 0.1);
        assertEquals(34, split.train().size());
        assertEquals(5, split.dev().size());
        assertEquals(9, split.test().size());
        Set<String> all = new HashSet<>(split.train());
        all.addAll(split.dev());
        all.addAll(split.test());
        assertEquals(48, all.size());
        assertEquals(split, squad.articleSplit(5, 0.7, 0.1));
        assertNotEquals(split.test(), squad.articleSplit(6, 0.7, 0.1).test());

        for (Version version : Version.values()) {
            Split<Squad.Article> s = squad.split(version, split);
            BbcNewsTest.assertDisjoint(s);
            assertEquals(squad.load(version).size(), s.train().size() + s.dev().size() + s.test().size());
            assertTrue(s.test().stream().allMatch(a -> split.test().contains(a.title())));
            assertTrue(s.train().stream().allMatch(a -> split.train().contains(a.title())));
        }
        assertTrue(split.note().contains("seed 5"), split.note());
    }

    @Test
    void answersMustSitAtTheirOffsets(@TempDir Path dir) throws IOException {
        Squad squad = Squad.open(dir);
        String m = assertThrows(DataException.class, () -> squad.load(Version.V1_1)).getMessage();
        assertTrue(m.contains("dev-v1.1.rebuilt.json"), m);
        Files.writeString(dir.resolve("dev-v1.1.rebuilt.json"), "{\"data\":[{\"title\":\"T\",\"paragraphs\":[{\"context\":"
                + "\"Paris is in France.\",\"qas\":[{\"id\":\"q1\",\"question\":\"Where?\",\"answers\":[{\"text\":"
                + "\"France\",\"answer_start\":3}]}]}]}]}");
        m = assertThrows(DataException.class, () -> squad.load(Version.V1_1)).getMessage();
        assertTrue(m.contains("q1") && m.contains("offset 3"), m);
        Files.writeString(dir.resolve("dev-v1.1.rebuilt.json"), "{\"data\":[{\"title\":\"T\",\"paragraphs\":[{\"context\":"
                + "\"Paris is in France.\",\"qas\":[{\"id\":\"q1\",\"answers\":[]}]}]}]}");
        m = assertThrows(DataException.class, () -> squad.load(Version.V1_1)).getMessage();
        assertTrue(m.contains("'question'") || m.contains("no answers"), m);
    }
}
