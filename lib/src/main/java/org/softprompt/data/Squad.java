package org.softprompt.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * SQuAD v1.1 and v2.0 development sets (rebuilt with the official counts) for P-tuning v2's extractive QA.
 * Reads {@code squad/dev-v1.1.rebuilt.json} and {@code squad/dev-v2.0.rebuilt.json}: articles, paragraphs,
 * questions with answers (and {@code is_impossible} in v2.0).
 *
 * <p>No SQuAD training set is available, so {@link #articleSplit} cuts the articles into train/dev/test with a
 * seed. The split is made over the titles of both versions together (v2.0's 35 dev articles are among v1.1's 48),
 * so an article is on the same side in both versions, and {@link TextCorpus} can leave the test and dev
 * articles out of pretraining text.
 */
public final class Squad {
    public static final long DEFAULT_SEED = 0;
    public static final double DEFAULT_TRAIN_FRACTION = 0.7;
    public static final double DEFAULT_DEV_FRACTION = 0.1;

    private final Path folder;

    private Squad(Path folder) {
        this.folder = folder;
    }

    public static Squad open() {
        return new Squad(DataFiles.dataset("squad"));
    }

    public static Squad open(Path squadFolder) {
        return new Squad(squadFolder);
    }

    public enum Version {
        V1_1("dev-v1.1.rebuilt.json"), V2_0("dev-v2.0.rebuilt.json");

        final String file;

        Version(String file) {
            this.file = file;
        }
    }

    /** {@code start} is a character offset into the context (the first occurrence of the text, see SOURCE.txt). */
    public record Answer(String text, int start) {}

    public record Question(String id, String question, List<Answer> answers, boolean impossible) {
        public Question {
            answers = List.copyOf(answers);
        }
    }

    public record Paragraph(String context, List<Question> questions) {
        public Paragraph {
            questions = List.copyOf(questions);
        }
    }

    public record Article(String title, List<Paragraph> paragraphs) {
        public Article {
            paragraphs = List.copyOf(paragraphs);
        }
    }

    /** One question with its context, the unit a QA model trains and is scored on. */
    public record Example(String id, String title, String context, String question, List<Answer> answers,
            boolean impossible) {
        public Example {
            answers = List.copyOf(answers);
        }
    }

    /** Which article titles go to train, dev and test. */
    public record ArticleSplit(Set<String> train, Set<String> dev, Set<String> test, long seed, String note) {
        public ArticleSplit {
            train = Set.copyOf(train);
            dev = Set.copyOf(dev);
            test = Set.copyOf(test);
        }
    }

    public List<Article> load(Version version) {
        Path file = folder.resolve(version.file);
        String expected = "SQuAD JSON {data: [{title, paragraphs: [{context, qas: [{id, question, answers}]}]}]}";
        JsonElement root = DataFiles.readJson(file, expected);
        if (!root.isJsonObject() || !root.getAsJsonObject().has("data")) {
            throw DataException.at(file, 0, "missing top-level field 'data' (" + expected + ")");
        }
        List<Article> articles = new ArrayList<>();
        for (JsonElement a : root.getAsJsonObject().getAsJsonArray("data")) {
            JsonObject article = a.getAsJsonObject();
            String title = DataFiles.string(article, "title", file, 0);
            List<Paragraph> paragraphs = new ArrayList<>();
            for (JsonElement p : DataFiles.array(article, "paragraphs", file, "article " + title)) {
                JsonObject paragraph = p.getAsJsonObject();
                String context = DataFiles.string(paragraph, "context", file, 0);
                List<Question> questions = new ArrayList<>();
                for (JsonElement q : DataFiles.array(paragraph, "qas", file, "article " + title)) {
                    questions.add(question(q.getAsJsonObject(), context, file, version));
                }
                paragraphs.add(new Paragraph(context, questions));
            }
            articles.add(new Article(title, paragraphs));
        }
        return DataFiles.nonEmpty(articles, file, expected);
    }

    /**
     * A seeded split of the articles: the titles of every version present are pooled and sorted, shuffled with
     * {@code seed}, and cut by fractions (test gets the rest).
     */
    public ArticleSplit articleSplit(long seed, double trainFraction, double devFraction) {
        Set<String> titles = new TreeSet<>();
        for (Version version : Version.values()) {
            if (Files.isRegularFile(folder.resolve(version.file))) {
                load(version).forEach(a -> titles.add(a.title()));
            }
        }
        if (titles.isEmpty()) {
            throw DataException.missingFile(folder.resolve(Version.V1_1.file), "a SQuAD dev set to split by article");
        }
        Split<String> split = Splits.byFractions(List.copyOf(titles), seed, trainFraction, devFraction, "-");
        String note = String.format("SQuAD has no train set here: its dev articles (%d titles over v1.1 and v2.0) "
                + "are split by article %d train / %d dev / %d test (seed %d).", titles.size(), split.train().size(),
                split.dev().size(), split.test().size(), seed);
        return new ArticleSplit(Set.copyOf(split.train()), Set.copyOf(split.dev()), Set.copyOf(split.test()), seed,
                note);
    }

    /** {@link #articleSplit} with the defaults (seed 0, 70/10/20 of the articles). */
    public ArticleSplit defaultArticleSplit() {
        return articleSplit(DEFAULT_SEED, DEFAULT_TRAIN_FRACTION, DEFAULT_DEV_FRACTION);
    }

    /** The articles of one version, assigned by {@code split}; an article the split does not know is an error. */
    public Split<Article> split(Version version, ArticleSplit split) {
        List<Article> train = new ArrayList<>();
        List<Article> dev = new ArrayList<>();
        List<Article> test = new ArrayList<>();
        for (Article article : load(version)) {
            if (split.train().contains(article.title())) {
                train.add(article);
            } else if (split.dev().contains(article.title())) {
                dev.add(article);
            } else if (split.test().contains(article.title())) {
                test.add(article);
            } else {
                throw new IllegalArgumentException("Article '" + article.title() + "' is in none of the split's parts");
            }
        }
        String note = split.note() + " " + version + ": " + train.size() + "/" + dev.size() + "/" + test.size()
                + " articles.";
        return new Split<>(train, dev, test, note);
    }

    /** Every question of some articles with its context, in file order. */
    public static List<Example> examples(List<Article> articles) {
        List<Example> out = new ArrayList<>();
        for (Article article : articles) {
            for (Paragraph paragraph : article.paragraphs()) {
                for (Question q : paragraph.questions()) {
                    out.add(new Example(q.id(), article.title(), paragraph.context(), q.question(), q.answers(),
                            q.impossible()));
                }
            }
        }
        return List.copyOf(out);
    }

    private static Question question(JsonObject q, String context, Path file, Version version) {
        String id = DataFiles.string(q, "id", file, 0);
        String where = "question " + id;
        boolean impossible = q.has("is_impossible") && q.get("is_impossible").getAsBoolean();
        List<Answer> answers = new ArrayList<>();
        for (JsonElement a : DataFiles.array(q, "answers", file, where)) {
            JsonObject answer = a.getAsJsonObject();
            String text = DataFiles.string(answer, "text", file, 0);
            int start = DataFiles.integer(answer, "answer_start", file, 0);
            if (start < 0 || start + text.length() > context.length()
                    || !context.regionMatches(start, text, 0, text.length())) {
                throw DataException.at(file, 0, where + ": answer '" + text + "' is not at offset " + start
                        + " of its context");
            }
            answers.add(new Answer(text, start));
        }
        if (!impossible && answers.isEmpty()) {
            throw DataException.at(file, 0, where + ": no answers but not marked is_impossible (" + version + ")");
        }
        return new Question(id, DataFiles.string(q, "question", file, 0), answers, impossible);
    }
}
