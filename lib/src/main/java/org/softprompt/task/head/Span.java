package org.softprompt.task.head;

/**
 * A typed span of words, with {@link org.softprompt.metric.SeqEval.Entity}'s conventions.
 *
 * @param type the entity type ("_" for untyped tags such as a bare "B")
 * @param start the first word
 * @param end one past the last word
 */
public record Span(String type, int start, int end) {
    public Span {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("a span needs 0 <= start < end, got [" + start + ", " + end + ")");
        }
    }
}
