package org.softprompt.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * BBC News (Greene &amp; Cunningham 2006), the small stand-in for XSUM in Prefix-Tuning's summarization
 * extrapolation experiments: generate the headline from the article body. Reads {@code bbc-news/bbc_headline.jsonl}
 * ({"id", "category", "title", "document"}; 2,223 articles in business, entertainment, politics, sport, tech).
 *
 * <p>The release repeats 111 article bodies within their category (the known BBC duplicates); {@link #load()}
 * keeps the first occurrence of each body (by file order), so a random dev split cannot leak an article into its
 * own training set. Both extrapolation splits are by category, as Prefix-Tuning's are by XSUM topic:
 * <ul>
 *   <li>{@link #newsToSports}: train on business, entertainment, politics, tech; test on sport.</li>
 *   <li>{@link #withinNews}: sport left out; train on the hard-news categories business and politics (XSUM's
 *   "world, UK, business" side), test on the other news categories entertainment and tech (XSUM's "health,
 *   technology, ..." side).</li>
 * </ul>
 * In both, a seeded {@code devFraction} of the training categories is held out as dev; test is every article of
 * the test categories.
 */
public final class BbcNews {
    public static final String FILE = "bbc_headline.jsonl";
    public static final List<String> CATEGORIES = List.of("business", "entertainment", "politics", "sport", "tech");

    private BbcNews() {}

    /** One article: its headline ({@code title}) is the summary target, {@code document} the body. */
    public record Article(String id, String category, String title, String document) {}

    /** All articles in file order, duplicate bodies dropped (first kept). */
    public static List<Article> load() {
        return load(DataFiles.dataset("bbc-news").resolve(FILE));
    }

    public static List<Article> load(Path file) {
        return dedupe(readAll(file));
    }

    /** Every record of the file, duplicates included. */
    public static List<Article> readAll(Path file) {
        String expected = "BBC News JSON lines with fields id, category, title, document";
        List<Article> articles = new ArrayList<>();
        for (DataFiles.JsonLine line : DataFiles.readJsonLines(file, expected)) {
            String category = line.string("category");
            if (!CATEGORIES.contains(category)) {
                throw DataException.at(file, line.line(), "category '" + category + "' is not one of " + CATEGORIES);
            }
            articles.add(new Article(line.string("id"), category, line.string("title").strip(),
                    line.string("document").strip()));
        }
        return DataFiles.nonEmpty(articles, file, expected);
    }

    static List<Article> dedupe(List<Article> articles) {
        Set<String> bodies = new HashSet<>();
        return articles.stream().filter(a -> bodies.add(a.document())).toList();
    }

    /** News to sports: train on the four non-sport categories, test on sport. */
    public static Split<Article> newsToSports(List<Article> articles, long seed, double devFraction) {
        return byCategories(articles, Set.of("business", "entertainment", "politics", "tech"), Set.of("sport"),
                seed, devFraction, "news-to-sports");
    }

    /** Within news: train on business and politics, test on entertainment and tech (sport unused). */
    public static Split<Article> withinNews(List<Article> articles, long seed, double devFraction) {
        return byCategories(articles, Set.of("business", "politics"), Set.of("entertainment", "tech"), seed,
                devFraction, "within-news");
    }

    /** Train/dev from {@code trainCategories} (dev a seeded fraction of them), test = all of {@code testCategories}. */
    public static Split<Article> byCategories(List<Article> articles, Set<String> trainCategories,
            Set<String> testCategories, long seed, double devFraction, String name) {
        Set<String> overlap = new TreeSet<>(trainCategories);
        overlap.retainAll(testCategories);
        if (!overlap.isEmpty()) {
            throw new IllegalArgumentException("Categories both in train and test: " + overlap);
        }
        List<Article> pool = articles.stream().filter(a -> trainCategories.contains(a.category())).toList();
        List<Article> test = articles.stream().filter(a -> testCategories.contains(a.category())).toList();
        if (pool.isEmpty() || test.isEmpty()) {
            throw new IllegalArgumentException("No articles for train categories " + trainCategories
                    + " or test categories " + testCategories);
        }
        Split<Article> trainDev = Splits.byFractions(pool, seed, 1.0 - devFraction, devFraction, "-");
        String note = String.format("BBC News %s (stand-in for XSUM): train on %s (%d train + %d dev "
                + "articles, dev drawn with seed %d), test on %s (%d articles); duplicate bodies removed.", name, new TreeSet<>(trainCategories),
                trainDev.train().size(), trainDev.dev().size(), seed, new TreeSet<>(testCategories), test.size());
        return new Split<>(trainDev.train(), trainDev.dev(), test, note);
    }
}
