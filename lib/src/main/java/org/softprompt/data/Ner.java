package org.softprompt.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Sequence-labelling sets of P-tuning v2: CoNLL-2003 English, CoNLL04 (entities and relations), WNUT-17 and
 * WikiANN English. Every reader returns tags in IOB2 ("B-X" starts every entity, "I-X" continues it):
 * <ul>
 *   <li>CoNLL-2003 ({@code conll2003/{train,valid,test}.txt}, "token POS chunk NER", -DOCSTART- lines and blank
 *   lines between sentences). The original release tags in IOB1 (I- also starts an entity unless it follows one
 *   of the same type); {@link #toIob2} converts that. This copy is IOB2 already, so the conversion changes no
 *   tag here, but it makes the reader right for either form.</li>
 *   <li>CoNLL04 ({@code conll04/conll04_{train,dev,test}.json}, SpERT's split in TablERT's form: tokens, BILOU
 *   tags, relations between entities numbered in sentence order); entity spans are rebuilt from the BILOU tags and
 *   written back as IOB2.</li>
 *   <li>WNUT-17 ({@code wnut17/}, "token&lt;TAB&gt;tag", IOB2; lines holding only a tab separate sentences) and
 *   WikiANN English ({@code wikiann-en/{train,dev,test}}, "en:token&lt;TAB&gt;tag", IOB2; the "en:" prefix is
 *   removed).</li>
 * </ul>
 */
public final class Ner {
    private final Path root;

    private Ner(Path root) {
        this.root = root;
    }

    public static Ner open() {
        return new Ner(DataDirectory.root());
    }

    /** A folder laid out like the data directory ({@code conll2003/}, {@code conll04/}, ...). */
    public static Ner open(Path dataRoot) {
        return new Ner(dataRoot);
    }

    public enum Part { TRAIN, DEV, TEST }

    /** An entity: tokens {@code [start, end)} of type {@code type}. */
    public record Span(int start, int end, String type) {}

    /** A tagged sentence; tags are IOB2. */
    public record Sentence(List<String> tokens, List<String> tags) {
        public Sentence {
            tokens = List.copyOf(tokens);
            tags = List.copyOf(tags);
            if (tokens.size() != tags.size()) {
                throw new IllegalArgumentException(tokens.size() + " tokens but " + tags.size() + " tags");
            }
        }

        public List<Span> spans() {
            return Ner.spans(tags);
        }
    }

    /** A relation from entity {@code head} to entity {@code tail} (indices into the sentence's entity list). */
    public record Relation(int head, int tail, String type) {}

    /** A CoNLL04 sentence: IOB2 tags, entity spans in sentence order, and relations between them. */
    public record RelationSentence(int origId, List<String> tokens, List<String> tags, List<Span> entities,
            List<Relation> relations) {
        public RelationSentence {
            tokens = List.copyOf(tokens);
            tags = List.copyOf(tags);
            entities = List.copyOf(entities);
            relations = List.copyOf(relations);
        }

        public Sentence sentence() {
            return new Sentence(tokens, tags);
        }
    }

    public List<Sentence> conll2003(Part part) {
        String file = switch (part) {
            case TRAIN -> "train.txt";
            case DEV -> "valid.txt";
            case TEST -> "test.txt";
        };
        return readColumns(root.resolve("conll2003").resolve(file), " ", 4, "", true);
    }

    public List<Sentence> wnut17(Part part) {
        String file = switch (part) {
            case TRAIN -> "wnut17train.conll";
            case DEV -> "emerging.dev.conll";
            case TEST -> "emerging.test.annotated";
        };
        return readColumns(root.resolve("wnut17").resolve(file), "\t", 2, "", true);
    }

    public List<Sentence> wikiannEn(Part part) {
        String file = switch (part) {
            case TRAIN -> "train";
            case DEV -> "dev";
            case TEST -> "test";
        };
        return readColumns(root.resolve("wikiann-en").resolve(file), "\t", 2, "en:", true);
    }

    public List<RelationSentence> conll04(Part part) {
        String name = switch (part) {
            case TRAIN -> "conll04_train.json";
            case DEV -> "conll04_dev.json";
            case TEST -> "conll04_test.json";
        };
        Path file = root.resolve("conll04").resolve(name);
        String expected = "CoNLL04 JSON list of {tokens, tags (BILOU), relations [{head, tail, type}], orig_id}";
        JsonElement json = DataFiles.readJson(file, expected);
        if (!json.isJsonArray()) {
            throw DataException.at(file, 0, "expected a JSON list (" + expected + ")");
        }
        List<RelationSentence> out = new ArrayList<>();
        int index = 0;
        for (JsonElement element : json.getAsJsonArray()) {
            index++;
            String where = "record " + index;
            JsonObject o = element.getAsJsonObject();
            List<String> tokens = strings(o, "tokens", file, where);
            List<String> bilou = strings(o, "tags", file, where);
            if (tokens.size() != bilou.size()) {
                throw DataException.at(file, 0, where + ": " + tokens.size() + " tokens but " + bilou.size() + " tags");
            }
            List<Span> entities;
            try {
                entities = bilouSpans(bilou);
            } catch (IllegalArgumentException e) {
                throw DataException.at(file, 0, where + ": " + e.getMessage());
            }
            List<Relation> relations = new ArrayList<>();
            JsonElement rels = o.get("relations");
            if (rels == null || !rels.isJsonArray()) {
                throw DataException.at(file, 0, where + ": missing list field 'relations'");
            }
            for (JsonElement r : rels.getAsJsonArray()) {
                JsonObject rel = r.getAsJsonObject();
                Relation relation = new Relation(DataFiles.integer(rel, "head", file, 0),
                        DataFiles.integer(rel, "tail", file, 0), DataFiles.string(rel, "type", file, 0));
                if (relation.head() >= entities.size() || relation.tail() >= entities.size()) {
                    throw DataException.at(file, 0, where + ": relation " + relation + " names an entity beyond the "
                            + entities.size() + " in the sentence");
                }
                relations.add(relation);
            }
            int origId = o.has("orig_id") ? o.get("orig_id").getAsInt() : index;
            out.add(new RelationSentence(origId, tokens, iob2FromSpans(entities, tokens.size()), entities, relations));
        }
        return DataFiles.nonEmpty(out, file, expected);
    }

    /** The label set of some sentences: "O" first, then B-/I- tags by type. */
    public static List<String> tagSet(List<Sentence> sentences) {
        Set<String> types = new TreeSet<>();
        sentences.forEach(s -> s.spans().forEach(span -> types.add(span.type())));
        List<String> tags = new ArrayList<>();
        tags.add("O");
        for (String type : types) {
            tags.add("B-" + type);
            tags.add("I-" + type);
        }
        return List.copyOf(tags);
    }

    /**
     * IOB1 or IOB2 to IOB2: an "I-X" that does not continue an entity of type X (first token, after "O" or after
     * another type) starts one and becomes "B-X". IOB2 input comes back unchanged.
     */
    public static List<String> toIob2(List<String> tags) {
        List<String> out = new ArrayList<>(tags.size());
        String previous = "O";
        for (String tag : tags) {
            if (tag.startsWith("I-") && (previous.equals("O") || !previous.substring(2).equals(tag.substring(2)))) {
                out.add("B-" + tag.substring(2));
            } else {
                out.add(tag);
            }
            previous = tag;
        }
        return List.copyOf(out);
    }

    /** Entity spans of IOB2 tags. */
    public static List<Span> spans(List<String> iob2) {
        List<Span> spans = new ArrayList<>();
        int start = -1;
        String type = null;
        for (int i = 0; i <= iob2.size(); i++) {
            String tag = i < iob2.size() ? iob2.get(i) : "O";
            boolean continues = type != null && tag.equals("I-" + type);
            if (!continues && type != null) {
                spans.add(new Span(start, i, type));
                type = null;
            }
            if (tag.startsWith("B-") || (tag.startsWith("I-") && !continues)) {
                start = i;
                type = tag.substring(2);
            }
        }
        return List.copyOf(spans);
    }

    /** IOB2 tags for entity spans over {@code length} tokens. */
    public static List<String> iob2FromSpans(List<Span> spans, int length) {
        List<String> tags = new ArrayList<>(java.util.Collections.nCopies(length, "O"));
        for (Span span : spans) {
            tags.set(span.start(), "B-" + span.type());
            for (int i = span.start() + 1; i < span.end(); i++) {
                tags.set(i, "I-" + span.type());
            }
        }
        return List.copyOf(tags);
    }

    /** Spans of BILOU tags (B-egin, I-nside, L-ast, U-nit, O); malformed sequences are an error. */
    public static List<Span> bilouSpans(List<String> bilou) {
        List<Span> spans = new ArrayList<>();
        int start = -1;
        String type = null;
        for (int i = 0; i < bilou.size(); i++) {
            String tag = bilou.get(i);
            char kind = tag.charAt(0);
            String tagType = tag.length() > 2 ? tag.substring(2) : null;
            boolean inside = type != null;
            switch (kind) {
                case 'O' -> {
                    if (inside) {
                        throw new IllegalArgumentException("entity of type " + type + " not closed before token " + i);
                    }
                }
                case 'U' -> {
                    if (inside) {
                        throw new IllegalArgumentException("U- tag inside an open entity at token " + i);
                    }
                    spans.add(new Span(i, i + 1, tagType));
                }
                case 'B' -> {
                    if (inside) {
                        throw new IllegalArgumentException("B- tag inside an open entity at token " + i);
                    }
                    start = i;
                    type = tagType;
                }
                case 'I', 'L' -> {
                    if (!inside || !type.equals(tagType)) {
                        throw new IllegalArgumentException(tag + " at token " + i + " does not continue an entity");
                    }
                    if (kind == 'L') {
                        spans.add(new Span(start, i + 1, type));
                        type = null;
                    }
                }
                default -> throw new IllegalArgumentException("not a BILOU tag: '" + tag + "' at token " + i);
            }
        }
        if (type != null) {
            throw new IllegalArgumentException("entity of type " + type + " not closed at the end of the sentence");
        }
        return List.copyOf(spans);
    }

    /**
     * CoNLL-style column files: one token per line, the token in the first column and the tag in the last,
     * sentences separated by blank (or whitespace-only) lines, -DOCSTART- lines skipped.
     */
    static List<Sentence> readColumns(Path file, String separator, int columns, String tokenPrefix, boolean toIob2) {
        String expected = columns + " " + (separator.equals("\t") ? "tab" : "space")
                + "-separated columns per token line (token first, tag last), blank lines between sentences";
        List<String> lines = DataFiles.readLines(file, expected);
        List<Sentence> out = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        for (int i = 0; i <= lines.size(); i++) {
            String line = i < lines.size() ? lines.get(i) : "";
            if (line.isBlank() || line.startsWith("-DOCSTART-")) {
                if (!tokens.isEmpty()) {
                    out.add(new Sentence(tokens, toIob2 ? toIob2(tags) : tags));
                    tokens = new ArrayList<>();
                    tags = new ArrayList<>();
                }
                continue;
            }
            String[] parts = line.split(separator, -1);
            if (parts.length != columns) {
                throw DataException.at(file, i + 1, "expected " + expected + ", found '" + line + "'");
            }
            String token = parts[0];
            if (!tokenPrefix.isEmpty()) {
                if (!token.startsWith(tokenPrefix)) {
                    throw DataException.at(file, i + 1, "expected tokens prefixed '" + tokenPrefix + "'");
                }
                token = token.substring(tokenPrefix.length());
            }
            String tag = parts[columns - 1].strip();
            if (!(tag.equals("O") || tag.startsWith("B-") || tag.startsWith("I-"))) {
                throw DataException.at(file, i + 1, "expected a tag O, B-X or I-X, found '" + tag + "'");
            }
            tokens.add(token);
            tags.add(tag);
        }
        return DataFiles.nonEmpty(out, file, expected);
    }

    private static List<String> strings(JsonObject o, String field, Path file, String where) {
        JsonArray array = DataFiles.array(o, field, file, where);
        List<String> out = new ArrayList<>(array.size());
        array.forEach(e -> out.add(e.getAsString()));
        return out;
    }
}
