package org.softprompt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.data.TextCorpus.Document;
import org.softprompt.data.TextCorpus.Source;

class TextCorpusTest {

    @Test
    void documentCountsPerSource() {
        TestData.dataset("text");
        TestData.dataset("nltk");
        TextCorpus corpus = TextCorpus.open(TestData.root());
        List<Document> docs = corpus.documents(TextCorpus.WITHOUT_SQUAD);
        Map<Source, Integer> counts = new EnumMap<>(Source.class);
        docs.forEach(d -> counts.merge(d.source(), 1, Integer::sum));
        assertEquals(7222, counts.get(Source.TINY_SHAKESPEARE));
        assertEquals(60, counts.get(Source.WIKITEXT2_VALID));
        assertEquals(62, counts.get(Source.WIKITEXT2_TEST));
        assertEquals(3189, counts.get(Source.NLTK_ABC));
        assertEquals(65, counts.get(Source.NLTK_STATE_UNION));
        assertEquals(59, counts.get(Source.NLTK_INAUGURAL));
        assertEquals(14517, counts.get(Source.NLTK_WEBTEXT));
        assertEquals(2000, counts.get(Source.NLTK_MOVIE_REVIEWS));
        assertEquals(docs.size(), docs.stream().map(Document::id).distinct().count());
        assertTrue(docs.stream().allMatch(d -> !d.text().isBlank() && d.text().equals(d.text().strip())));
        assertTrue(docs.get(0).text().startsWith("First Citizen:"));
        Document lobster = docs.stream().filter(d -> d.source() == Source.WIKITEXT2_VALID).findFirst().orElseThrow();
        assertTrue(lobster.text().startsWith("= Homarus gammarus ="), lobster.text().substring(0, 40));
    }

    @Test
    void squadContextsLeaveOutQaDevAndTestArticles() {
        Path root = TestData.root();
        TestData.dataset("squad");
        Squad squad = Squad.open(root.resolve("squad"));
        Squad.ArticleSplit split = squad.defaultArticleSplit();
        List<Document> docs = TextCorpus.open(root).documents(List.of(Source.SQUAD_CONTEXTS), split);
        Set<String> corpus = new HashSet<>(TextCorpus.texts(docs));
        Set<String> heldOut = new HashSet<>();
        Set<String> train = new HashSet<>();
        for (Squad.Version version : Squad.Version.values()) {
            Split<Squad.Article> s = squad.split(version, split);
            s.dev().forEach(a -> a.paragraphs().forEach(p -> heldOut.add(p.context().strip())));
            s.test().forEach(a -> a.paragraphs().forEach(p -> heldOut.add(p.context().strip())));
            s.train().forEach(a -> a.paragraphs().forEach(p -> train.add(p.context().strip())));
        }
        assertTrue(heldOut.stream().noneMatch(corpus::contains));
        assertEquals(train, corpus);
        assertEquals(docs, TextCorpus.open(root).documents(List.of(Source.SQUAD_CONTEXTS)));
    }

    @Test
    void holdOutIsSeededDisjointAndPerSource() {
        TestData.dataset("text");
        TestData.dataset("nltk");
        List<Document> docs = TextCorpus.open(TestData.root())
                .documents(List.of(Source.TINY_SHAKESPEARE, Source.NLTK_INAUGURAL, Source.NLTK_MOVIE_REVIEWS));
        TextCorpus.CorpusSplit split = TextCorpus.holdOut(docs, 1, 0.1);
        assertEquals(722 + 6 + 200, split.validation().size());
        assertEquals(docs.size(), split.train().size() + split.validation().size());
        Set<Document> train = new HashSet<>(split.train());
        assertTrue(split.validation().stream().noneMatch(train::contains));
        assertEquals(split, TextCorpus.holdOut(docs, 1, 0.1));
        assertNotEquals(split.validation(), TextCorpus.holdOut(docs, 2, 0.1).validation());
        assertTrue(split.splitNote().contains("seed 1"));
    }

    @Test
    void missingSourceFilesAreNamed(@TempDir Path dir) {
        TextCorpus corpus = TextCorpus.open(dir);
        String m = assertThrows(DataException.class, () -> corpus.documents(List.of(Source.TINY_SHAKESPEARE)))
                .getMessage();
        assertTrue(m.contains("input.txt"), m);
        m = assertThrows(DataException.class, () -> corpus.documents(List.of(Source.NLTK_INAUGURAL))).getMessage();
        assertTrue(m.contains("inaugural"), m);
        assertThrows(IllegalArgumentException.class, () -> corpus.documents(List.of(Source.SQUAD_CONTEXTS), null));
    }
}
