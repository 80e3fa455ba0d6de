package org.softprompt.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Plain-text documents for pretraining a tiny GPT-2 (the backbone of the small-scale Prefix-Tuning runs), from a
 * named list of sources, with a seeded validation hold-out.
 *
 * <p>No source is a test set used elsewhere in the project. SQuAD contexts come only from the articles on the
 * train side of a {@link Squad.ArticleSplit} (the QA dev and test articles are left out). WikiText-2's valid and
 * test files are ordinary pretraining text here: WikiText-2 is not an evaluation set of any notebook (the held-out
 * portion of this corpus is what perplexity is measured on), and none of its articles is a SQuAD article. None of
 * the table-to-text, summarization or classification sets is a source.
 */
public final class TextCorpus {
    /** The sources and the unit each is cut into. */
    public enum Source {
        /** Karpathy's tiny-shakespeare; one document per speech (blank-line separated). */
        TINY_SHAKESPEARE,
        /** WikiText-2 (tokenized) validation file; one document per article. */
        WIKITEXT2_VALID,
        /** WikiText-2 (tokenized) test file; one document per article. */
        WIKITEXT2_TEST,
        /** ABC rural and science news; one document per blank-line separated block. */
        NLTK_ABC,
        /** US State of the Union addresses; one document per address. */
        NLTK_STATE_UNION,
        /** US presidential inaugural addresses; one document per address. */
        NLTK_INAUGURAL,
        /** NLTK webtext: one document per line for the line-per-item files (firefox, singles, wine), per
         * conversation for overheard, per script for grail and pirates. */
        NLTK_WEBTEXT,
        /** Pang &amp; Lee polarity v2.0 movie reviews; one document per review. */
        NLTK_MOVIE_REVIEWS,
        /** SQuAD paragraphs of the train-side articles of a {@link Squad.ArticleSplit}; one per paragraph. */
        SQUAD_CONTEXTS
    }

    /** One document; {@code id} names its file and position. */
    public record Document(Source source, String id, String text) {}

    /** Training documents and the held-out validation documents. */
    public record CorpusSplit(List<Document> train, List<Document> validation, String note) {
        public CorpusSplit {
            train = List.copyOf(train);
            validation = List.copyOf(validation);
        }

        public String splitNote() {
            return note;
        }
    }

    private static final Pattern BLANK_LINES = Pattern.compile("\\n\\s*\\n");
    private static final Pattern WIKITEXT_TITLE = Pattern.compile("^ = [^=].* = $");
    private static final Map<String, String> WEBTEXT_UNITS = Map.of("firefox.txt", "line", "singles.txt", "line",
            "wine.txt", "line", "overheard.txt", "block", "grail.txt", "file", "pirates.txt", "file");

    private final Path root;

    private TextCorpus(Path root) {
        this.root = root;
    }

    public static TextCorpus open() {
        return new TextCorpus(DataDirectory.root());
    }

    /** A folder laid out like the data directory ({@code text/}, {@code nltk/}, {@code squad/}). */
    public static TextCorpus open(Path dataRoot) {
        return new TextCorpus(dataRoot);
    }

    /** All sources except SQuAD, which needs an article split (see {@link #documents(Collection, Squad.ArticleSplit)}). */
    public static final List<Source> WITHOUT_SQUAD = List.of(Source.TINY_SHAKESPEARE, Source.WIKITEXT2_VALID,
            Source.WIKITEXT2_TEST, Source.NLTK_ABC, Source.NLTK_STATE_UNION, Source.NLTK_INAUGURAL, Source.NLTK_WEBTEXT,
            Source.NLTK_MOVIE_REVIEWS);

    /**
     * The documents of {@code sources}, source by source in the given order. SQuAD contexts, if asked for, come
     * from the train articles of {@link Squad#defaultArticleSplit()}.
     */
    public List<Document> documents(Collection<Source> sources) {
        Squad.ArticleSplit split = sources.contains(Source.SQUAD_CONTEXTS)
                ? Squad.open(root.resolve("squad")).defaultArticleSplit() : null;
        return documents(sources, split);
    }

    /** As {@link #documents(Collection)}, SQuAD contexts taken from the train articles of {@code squadSplit}. */
    public List<Document> documents(Collection<Source> sources, Squad.ArticleSplit squadSplit) {
        List<Document> out = new ArrayList<>();
        for (Source source : new LinkedHashSet<>(sources)) {
            out.addAll(switch (source) {
                case TINY_SHAKESPEARE -> blocks(source, root.resolve("text/tinyshakespeare/input.txt"));
                case WIKITEXT2_VALID -> wikitext(source, root.resolve("text/wikitext-2/valid.txt"));
                case WIKITEXT2_TEST -> wikitext(source, root.resolve("text/wikitext-2/test.txt"));
                case NLTK_ABC -> {
                    List<Document> docs = new ArrayList<>(blocks(source, root.resolve("nltk/abc/rural.txt")));
                    docs.addAll(blocks(source, root.resolve("nltk/abc/science.txt")));
                    yield docs;
                }
                case NLTK_STATE_UNION -> files(source, root.resolve("nltk/state_union"));
                case NLTK_INAUGURAL -> files(source, root.resolve("nltk/inaugural"));
                case NLTK_WEBTEXT -> webtext(source, root.resolve("nltk/webtext"));
                case NLTK_MOVIE_REVIEWS -> {
                    List<Document> docs = new ArrayList<>(files(source, root.resolve("nltk/movie_reviews/neg")));
                    docs.addAll(files(source, root.resolve("nltk/movie_reviews/pos")));
                    yield docs;
                }
                case SQUAD_CONTEXTS -> squad(squadSplit);
            });
        }
        return List.copyOf(out);
    }

    /** The texts of some documents. */
    public static List<String> texts(List<Document> documents) {
        return documents.stream().map(Document::text).toList();
    }

    /**
     * Holds out {@code round(n * validationFraction)} documents of every source (so each source is represented in
     * validation), chosen with a seed; the rest, in their original order, are for training.
     */
    public static CorpusSplit holdOut(List<Document> documents, long seed, double validationFraction) {
        Splits.checkFractions(1 - validationFraction, validationFraction);
        List<Document> validation = new ArrayList<>();
        Set<Document> held = new java.util.HashSet<>();
        for (Source source : Source.values()) {
            List<Document> ofSource = documents.stream().filter(d -> d.source() == source).toList();
            int count = (int) Math.round(ofSource.size() * validationFraction);
            List<Document> chosen = Splits.shuffled(ofSource, seed * 31 + source.ordinal()).subList(0, count);
            validation.addAll(chosen);
            held.addAll(chosen);
        }
        List<Document> train = documents.stream().filter(d -> !held.contains(d)).toList();
        String note = String.format("Pretraining corpus: %d documents for training, %d (%.0f%% of each source, "
                + "seed %d) held out for validation.", train.size(), validation.size(), 100 * validationFraction, seed);
        return new CorpusSplit(train, validation, note);
    }

    private static List<Document> blocks(Source source, Path file) {
        String text = DataFiles.readText(file, "plain text with blank lines between documents");
        List<Document> out = new ArrayList<>();
        for (String block : BLANK_LINES.split(text)) {
            add(out, source, file.getFileName() + "#" + out.size(), block);
        }
        return DataFiles.nonEmpty(out, file, "non-blank text");
    }

    private static List<Document> wikitext(Source source, Path file) {
        List<String> lines = DataFiles.readLines(file, "WikiText-2 text with ' = Title = ' article headings");
        List<Document> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            if (WIKITEXT_TITLE.matcher(line).matches() && !current.toString().isBlank()) {
                add(out, source, "wikitext-2/" + file.getFileName() + "#" + out.size(), current.toString());
                current.setLength(0);
            }
            current.append(line).append('\n');
        }
        add(out, source, "wikitext-2/" + file.getFileName() + "#" + out.size(), current.toString());
        return DataFiles.nonEmpty(out, file, "WikiText-2 articles");
    }

    private static List<Document> files(Source source, Path dir) {
        List<Document> out = new ArrayList<>();
        for (Path file : DataFiles.listFiles(dir, ".txt", "one .txt file per document")) {
            add(out, source, dir.getFileName() + "/" + file.getFileName(), DataFiles.readText(file, "a text document"));
        }
        return DataFiles.nonEmpty(out, dir, "non-blank .txt documents");
    }

    private static List<Document> webtext(Source source, Path dir) {
        List<Document> out = new ArrayList<>();
        for (Path file : DataFiles.listFiles(dir, ".txt", "NLTK webtext files")) {
            String name = file.getFileName().toString();
            String unit = WEBTEXT_UNITS.getOrDefault(name, "file");
            String text = DataFiles.readText(file, "NLTK webtext");
            List<String> parts = switch (unit) {
                case "line" -> List.of(text.split("\n"));
                case "block" -> List.of(BLANK_LINES.split(text));
                default -> List.of(text);
            };
            int k = 0;
            for (String part : parts) {
                add(out, source, "webtext/" + name + "#" + k++, part);
            }
        }
        return DataFiles.nonEmpty(out, dir, "NLTK webtext documents");
    }

    private List<Document> squad(Squad.ArticleSplit split) {
        if (split == null) {
            throw new IllegalArgumentException("SQuAD contexts need an article split so that QA test articles stay out");
        }
        Squad squad = Squad.open(root.resolve("squad"));
        Set<String> seen = new LinkedHashSet<>();
        List<Document> out = new ArrayList<>();
        for (Squad.Version version : Squad.Version.values()) {
            if (version == Squad.Version.V2_0 && !java.nio.file.Files.isRegularFile(
                    root.resolve("squad").resolve(version.file))) {
                continue;
            }
            for (Squad.Article article : squad.load(version)) {
                if (!split.train().contains(article.title())) {
                    continue;
                }
                for (Squad.Paragraph paragraph : article.paragraphs()) {
                    if (seen.add(paragraph.context())) {
                        add(out, Source.SQUAD_CONTEXTS, "squad/" + article.title() + "#" + out.size(), paragraph.context());
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static void add(List<Document> out, Source source, String id, String text) {
        String stripped = text.strip();
        if (!stripped.isEmpty()) {
            out.add(new Document(source, id, stripped));
        }
    }
}
