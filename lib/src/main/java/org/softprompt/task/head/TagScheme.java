package org.softprompt.task.head;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.softprompt.metric.SeqEval;

/**
 * Word tags to spans and back for BIO (IOB2) and BILOU tagging, reading spans exactly as
 * {@link org.softprompt.metric.SeqEval} does, so decoded predictions are the spans the metric scores.
 *
 * <ul>
 *   <li>{@link #spans} is seqeval's default mode: ill-formed sequences are repaired, not dropped. An {@code I-}
 *       without a preceding {@code B-} of its type starts a span ({@code O I-PER I-PER} is one PER span), and a type
 *       change inside a span ends it. For BILOU, {@code L-} and {@code U-} are read as seqeval's {@code E-} and
 *       {@code S-} (IOBES), which seqeval's default mode understands.</li>
 *   <li>{@link #strictSpans} is seqeval's {@code mode='strict'} with scheme IOB2 or BILOU: only well-formed spans
 *       count (e.g. BILOU's {@code B-PER O} yields nothing).</li>
 * </ul>
 */
public enum TagScheme {
    BIO(List.of("B", "I"), SeqEval.Scheme.IOB2),
    BILOU(List.of("B", "I", "L", "U"), SeqEval.Scheme.BILOU);

    public static final String OUTSIDE = "O";

    private final List<String> prefixes;
    private final SeqEval.Scheme strictScheme;

    TagScheme(List<String> prefixes, SeqEval.Scheme strictScheme) {
        this.prefixes = prefixes;
        this.strictScheme = strictScheme;
    }

    /** The label list a head predicts: "O", then each type's tags (BIO: B-, I-; BILOU: B-, I-, L-, U-). */
    public List<String> labels(List<String> types) {
        List<String> labels = new ArrayList<>();
        labels.add(OUTSIDE);
        for (String type : types) {
            for (String prefix : prefixes) {
                labels.add(prefix + "-" + type);
            }
        }
        return Collections.unmodifiableList(labels);
    }

    /** Spans as seqeval's default mode reads them (ill-formed sequences repaired). */
    public List<Span> spans(List<String> tags) {
        List<String> read = this == BILOU ? asIobes(tags) : tags;
        return toSpans(SeqEval.entities(List.of(read)).get(0));
    }

    /** Spans well-formed in this scheme, as seqeval's strict mode reads them. */
    public List<Span> strictSpans(List<String> tags) {
        return toSpans(SeqEval.entities(List.of(tags), strictScheme).get(0));
    }

    /** The tags of {@code spans} over {@code length} words; spans must not overlap. */
    public List<String> tags(List<Span> spans, int length) {
        String[] tags = new String[length];
        java.util.Arrays.fill(tags, OUTSIDE);
        for (Span span : spans) {
            if (span.end() > length) {
                throw new IllegalArgumentException(span + " ends beyond the " + length + " words");
            }
            for (int i = span.start(); i < span.end(); i++) {
                if (!tags[i].equals(OUTSIDE)) {
                    throw new IllegalArgumentException(span + " overlaps another span at word " + i);
                }
                tags[i] = prefixAt(span, i) + "-" + span.type();
            }
        }
        return List.of(tags);
    }

    private String prefixAt(Span span, int i) {
        if (this == BIO) {
            return i == span.start() ? "B" : "I";
        }
        if (span.end() - span.start() == 1) {
            return "U";
        }
        return i == span.start() ? "B" : i == span.end() - 1 ? "L" : "I";
    }

    private static List<String> asIobes(List<String> tags) {
        List<String> read = new ArrayList<>(tags.size());
        for (String tag : tags) {
            if (tag != null && (tag.startsWith("L") || tag.startsWith("U"))
                    && (tag.length() == 1 || tag.charAt(1) == '-')) {
                read.add((tag.charAt(0) == 'L' ? "E" : "S") + tag.substring(1));
            } else {
                read.add(tag);
            }
        }
        return read;
    }

    private static List<Span> toSpans(List<SeqEval.Entity> entities) {
        List<Span> spans = new ArrayList<>(entities.size());
        for (SeqEval.Entity entity : entities) {
            spans.add(new Span(entity.type(), entity.start(), entity.end()));
        }
        spans.sort(java.util.Comparator.comparingInt(Span::start).thenComparingInt(Span::end));
        return spans;
    }
}
