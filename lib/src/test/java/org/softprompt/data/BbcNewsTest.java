package org.softprompt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BbcNewsTest {

    @Test
    void countsPerCategoryAndDuplicates() {
        Path file = TestData.dataset("bbc-news").resolve(BbcNews.FILE);
        List<BbcNews.Article> all = BbcNews.readAll(file);
        assertEquals(2223, all.size());
        assertEquals(Map.of("business", 509, "entertainment", 386, "politics", 417, "sport", 510, "tech", 401),
                FewShot.counts(all, BbcNews.Article::category));
        List<BbcNews.Article> unique = BbcNews.load(file);
        assertEquals(unique.size(), unique.stream().map(BbcNews.Article::document).distinct().count());
        assertEquals(all.stream().map(BbcNews.Article::document).distinct().count(), unique.size());
        assertTrue(unique.stream().allMatch(a -> !a.title().isBlank() && !a.document().isBlank()));
    }

    @Test
    void extrapolationSplitsAreByCategoryDisjointAndSeeded() {
        List<BbcNews.Article> articles = BbcNews.load(TestData.dataset("bbc-news").resolve(BbcNews.FILE));
        Split<BbcNews.Article> sports = BbcNews.newsToSports(articles, 7, 0.1);
        assertTrue(sports.test().stream().allMatch(a -> a.category().equals("sport")));
        assertTrue(sports.train().stream().noneMatch(a -> a.category().equals("sport")));
        assertEquals(articles.size(), sports.train().size() + sports.dev().size() + sports.test().size());
        assertDisjoint(sports);

        Split<BbcNews.Article> news = BbcNews.withinNews(articles, 7, 0.1);
        Set<String> trainCats = new HashSet<>();
        news.train().forEach(a -> trainCats.add(a.category()));
        news.dev().forEach(a -> trainCats.add(a.category()));
        Set<String> testCats = new HashSet<>();
        news.test().forEach(a -> testCats.add(a.category()));
        assertEquals(Set.of("business", "politics"), trainCats);
        assertEquals(Set.of("entertainment", "tech"), testCats);
        assertDisjoint(news);
        assertTrue(news.splitNote().contains("seed 7"), news.splitNote());

        assertEquals(news, BbcNews.withinNews(articles, 7, 0.1));
        assertTrue(!news.dev().equals(BbcNews.withinNews(articles, 8, 0.1).dev()));
    }

    @Test
    void badFilesAreNamed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve(BbcNews.FILE);
        assertTrue(assertThrows(DataException.class, () -> BbcNews.load(file)).getMessage().contains(file.toString()));
        Files.writeString(file, "{\"id\":\"a\",\"category\":\"sport\",\"document\":\"x\"}\n");
        String message = assertThrows(DataException.class, () -> BbcNews.load(file)).getMessage();
        assertTrue(message.contains(file + ":1") && message.contains("'title'"), message);
        Files.writeString(file, "\n");
        assertTrue(assertThrows(DataException.class, () -> BbcNews.load(file)).getMessage().startsWith("Empty"));
    }

    static <T> void assertDisjoint(Split<T> split) {
        Set<T> seen = new HashSet<>();
        for (List<T> part : List.of(split.train(), split.dev(), split.test())) {
            for (T item : part) {
                assertTrue(seen.add(item), "item in two parts: " + item);
            }
        }
    }
}
