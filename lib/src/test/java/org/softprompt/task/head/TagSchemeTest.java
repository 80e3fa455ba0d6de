package org.softprompt.task.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.softprompt.metric.SeqEval;

class TagSchemeTest {

    private static List<String> tags(String line) {
        return List.of(line.split(" "));
    }

    private static List<Span> fromSeqEval(List<SeqEval.Entity> entities) {
        List<Span> spans = new ArrayList<>();
        entities.forEach(e -> spans.add(new Span(e.type(), e.start(), e.end())));
        return spans;
    }

    @Test
    void bioDecodesWellFormedAndRepairsMalformedTagsAsSeqEval() {
        assertEquals(List.of(new Span("PER", 0, 2), new Span("LOC", 3, 4)),
                TagScheme.BIO.spans(tags("B-PER I-PER O B-LOC")));
        // I- without B-: seqeval's default mode starts a span there
        assertEquals(List.of(new Span("PER", 1, 3)), TagScheme.BIO.spans(tags("O I-PER I-PER O")));
        // a type change inside a span ends it and starts another
        assertEquals(List.of(new Span("PER", 0, 1), new Span("LOC", 1, 2)), TagScheme.BIO.spans(tags("B-PER I-LOC")));
        // strict IOB2 drops the ill-formed ones
        assertEquals(List.of(), TagScheme.BIO.strictSpans(tags("O I-PER I-PER O")));
        assertEquals(List.of(new Span("PER", 0, 1)), TagScheme.BIO.strictSpans(tags("B-PER I-LOC")));
        for (String line : List.of("B-PER I-PER O B-LOC", "O I-PER I-PER O", "B-PER I-LOC", "I-MISC B-MISC I-ORG O",
                "B-A B-A I-A I-B O I-A")) {
            assertEquals(fromSeqEval(SeqEval.entities(List.of(tags(line))).get(0)), TagScheme.BIO.spans(tags(line)),
                    line);
        }
    }

    @Test
    void bilouDecodesWellFormedAsSeqEvalStrictAndRepairsMalformed() {
        List<String> wellFormed = tags("U-PER O B-LOC I-LOC L-LOC B-ORG L-ORG");
        List<Span> expected = List.of(new Span("PER", 0, 1), new Span("LOC", 2, 5), new Span("ORG", 5, 7));
        assertEquals(expected, TagScheme.BILOU.spans(wellFormed));
        assertEquals(expected, TagScheme.BILOU.strictSpans(wellFormed));
        assertEquals(expected, fromSeqEval(SeqEval.entities(List.of(wellFormed), SeqEval.Scheme.BILOU).get(0)));
        // B- never closed by L-: lenient keeps it, strict drops it
        assertEquals(List.of(new Span("PER", 0, 2)), TagScheme.BILOU.spans(tags("B-PER I-PER O")));
        assertEquals(List.of(), TagScheme.BILOU.strictSpans(tags("B-PER I-PER O")));
        // I-/L- without B-
        assertEquals(List.of(new Span("LOC", 1, 3)), TagScheme.BILOU.spans(tags("O I-LOC L-LOC")));
        assertEquals(List.of(new Span("LOC", 1, 2)), TagScheme.BILOU.spans(tags("O L-LOC O")));
    }

    @Test
    void tagsRoundTripThroughSpans() {
        List<Span> spans = List.of(new Span("PER", 0, 1), new Span("LOC", 2, 5), new Span("ORG", 5, 7));
        assertEquals(tags("U-PER O B-LOC I-LOC L-LOC B-ORG L-ORG"), TagScheme.BILOU.tags(spans, 7));
        assertEquals(tags("B-PER O B-LOC I-LOC I-LOC B-ORG I-ORG"), TagScheme.BIO.tags(spans, 7));
        for (TagScheme scheme : TagScheme.values()) {
            assertEquals(spans, scheme.spans(scheme.tags(spans, 8)));
            assertEquals(spans, scheme.strictSpans(scheme.tags(spans, 8)));
        }
        assertThrows(IllegalArgumentException.class,
                () -> TagScheme.BIO.tags(List.of(new Span("A", 0, 2), new Span("B", 1, 3)), 4));
        assertEquals(List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC"), TagScheme.BIO.labels(List.of("PER", "LOC")));
        assertEquals(List.of("O", "B-X", "I-X", "L-X", "U-X"), TagScheme.BILOU.labels(List.of("X")));
    }
}
