package org.softprompt.task.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.tokenize.SpecialToken;
import org.softprompt.tokenize.Tokenizer;

class TemplateTest {
    private static Tokenizer bert;
    private static Tokenizer gpt2;

    @BeforeAll
    static void load() throws Exception {
        bert = RealTokenizers.bertCased();
        gpt2 = RealTokenizers.gpt2();
    }

    @AfterAll
    static void close() {
        if (bert != null) {
            bert.close();
        }
        if (gpt2 != null) {
            gpt2.close();
        }
    }

    @Test
    void parsesFieldsPseudoTokensAnchorsAndTheMask() {
        Template t = Template.parse("[P][P:great] {premise} [MASK] , {hypothesis} [P]");
        assertEquals(List.of(
                new TemplatePart.Pseudo(0, null), new TemplatePart.Pseudo(1, "great"),
                new TemplatePart.Field("premise", true), new TemplatePart.Mask(true),
                new TemplatePart.Text(",", true), new TemplatePart.Field("hypothesis", true),
                new TemplatePart.Pseudo(2, null)), t.parts());
        assertEquals(List.of("premise", "hypothesis"), t.fields());
        assertEquals(3, t.pseudoCount());
        assertEquals(Arrays.asList(null, "great", null), t.pseudoInitWords());
    }

    @Test
    void needsExactlyOneMask() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Template.parse("{x} is nice"))
                .getMessage().contains("exactly one [MASK]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Template.parse("[MASK] {x} [MASK]"))
                .getMessage().contains("found 2"));
    }

    @Test
    void manualPromptRendersAsTheWholeSentenceTokenizedAtOnce() {
        Template t = Template.parse("{sentence} It was [MASK] .");
        String sentence = "A gripping, beautifully shot film about Montréal's jazz clubs.";
        RenderedPrompt r = t.render(Map.of("sentence", sentence), bert, AnswerSlot.MASK_TOKEN, 0);
        assertArrayEquals(bert.encode(sentence + " It was [MASK] ."), r.ids());
        assertEquals(bert.requireSpecialTokenId(SpecialToken.MASK), r.ids()[r.answerPosition()]);
        assertEquals(0, r.truncatedTokens());
    }

    @Test
    void causalTemplateKeepsGpt2SpacesAndAnswersAfterTheLastToken() {
        Template t = Template.parse("{sentence} It was [MASK]");
        String sentence = "The plot is thin";
        RenderedPrompt r = t.render(Map.of("sentence", sentence), gpt2, AnswerSlot.NEXT_TOKEN, 0);
        assertArrayEquals(gpt2.encode(sentence + " It was"), r.ids());
        assertEquals(r.length() - 1, r.answerPosition());
        assertTrue(t.answerSpaceBefore());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Template.parse("[MASK] {x}")
                .render(Map.of("x", "a"), gpt2, AnswerSlot.NEXT_TOKEN, 0)).getMessage().contains("must end"));
    }

    @Test
    void pseudoTokensBecomeNegativeSlotIdsWhereverTheyStand() {
        Template t = Template.parse("[P][P][P] [MASK] [P][P][P] {x} [P][P][P]");
        RenderedPrompt r = t.render(Map.of("x", "Dante Alighieri"), bert, AnswerSlot.MASK_TOKEN, 0);
        int[] x = bert.encode("Dante Alighieri", false);
        int cls = bert.requireSpecialTokenId(SpecialToken.CLS);
        int sep = bert.requireSpecialTokenId(SpecialToken.SEP);
        int mask = bert.requireSpecialTokenId(SpecialToken.MASK);
        List<Integer> expected = new ArrayList<>(List.of(cls, -1, -2, -3, mask, -4, -5, -6));
        Arrays.stream(x).forEach(expected::add);
        expected.addAll(List.of(-7, -8, -9, sep));
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), r.ids());
        assertEquals(4, r.answerPosition());
        for (int k = 0; k < 9; k++) {
            assertEquals(RenderedPrompt.pseudoId(k), r.ids()[r.pseudoPositions()[k]]);
            assertEquals(k, RenderedPrompt.slotOf(r.ids()[r.pseudoPositions()[k]]));
        }
    }

    @Test
    void missingFieldAndTooShortMaximumAreNamed() {
        Template t = Template.parse("{premise} [MASK] {hypothesis}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.render(Map.of("premise", "a"), bert,
                AnswerSlot.MASK_TOKEN, 0)).getMessage().contains("{hypothesis}"));
        // [CLS] [MASK] [SEP] are fixed: 3 tokens cannot fit in 2
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.render(Map.of("premise", "a",
                "hypothesis", "b"), bert, AnswerSlot.MASK_TOKEN, 2)).getMessage().contains("needs 3 tokens"));
    }

    /**
     * Random templates, field texts and maximum lengths: the rendering never exceeds the maximum, always keeps
     * [MASK] and every pseudo token, keeps a prefix of each field, and cuts the longest fields first (the kept
     * lengths of the cut fields differ by at most one and no uncut field is longer than them).
     */
    @Test
    void truncationAlwaysKeepsTheMaskAndCutsTheLongestFieldFirst() {
        Random random = new Random(7);
        String[] words = {"the", "capital", "of", "France", "is", "Paris", "unbelievably", "Montréal", "jazz", ",",
            "1984", "hyper-parameter", "réservé", "a", "cat", "sat", "antidisestablishmentarianism"};
        String[][] templates = {
            {"{a} [MASK]", "MASK_TOKEN"},
            {"[P][P][P] [MASK] [P][P][P] {a} [P][P][P]", "MASK_TOKEN"},
            {"{a} [MASK] {b}", "MASK_TOKEN"},
            {"[P] {a} ? [MASK] , {b} [P] {c} .", "MASK_TOKEN"},
            {"{a} It was [P][P] {b} [MASK]", "NEXT_TOKEN"},
            {"[P:great] {a} {b} {c} [MASK]", "NEXT_TOKEN"},
        };
        int checked = 0;
        for (int trial = 0; trial < 400; trial++) {
            String[] spec = templates[trial % templates.length];
            Template t = Template.parse(spec[0]);
            AnswerSlot slot = AnswerSlot.valueOf(spec[1]);
            Tokenizer tokenizer = slot == AnswerSlot.MASK_TOKEN ? bert : gpt2;
            Map<String, String> values = new LinkedHashMap<>();
            for (String field : t.fields()) {
                int n = random.nextInt(random.nextBoolean() ? 4 : 40);
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    text.append(i == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
                }
                values.put(field, text.toString());
            }
            RenderedPrompt full = t.render(values, tokenizer, slot, 0);
            Map<String, String> empty = new LinkedHashMap<>();
            t.fields().forEach(f -> empty.put(f, ""));
            int fixed = t.render(empty, tokenizer, slot, 0).length();
            for (int max = fixed; max <= full.length() + 1; max += 1 + random.nextInt(3)) {
                RenderedPrompt r = t.render(values, tokenizer, slot, max);
                checkTruncation(t, values, tokenizer, slot, full, r, max);
                checked++;
            }
        }
        assertTrue(checked > 2000, "checked " + checked);
    }

    private static void checkTruncation(Template t, Map<String, String> values, Tokenizer tokenizer, AnswerSlot slot,
            RenderedPrompt full, RenderedPrompt r, int max) {
        String where = t + " " + values + " max " + max;
        assertEquals(Math.min(max, full.length()), r.length(), where);
        assertEquals(full.length() - r.length(), r.truncatedTokens(), where);
        if (slot == AnswerSlot.MASK_TOKEN) {
            assertEquals(tokenizer.requireSpecialTokenId(SpecialToken.MASK), r.ids()[r.answerPosition()], where);
        } else {
            assertEquals(r.length() - 1, r.answerPosition(), where);
        }
        for (int k = 0; k < t.pseudoCount(); k++) {
            assertEquals(RenderedPrompt.pseudoId(k), r.ids()[r.pseudoPositions()[k]], where);
        }
        // Where each piece lies in the untruncated rendering, from lengths computed here piece by piece.
        int prefix = slot == AnswerSlot.MASK_TOKEN ? 1 : 0; // BERT's [CLS]; GPT-2 adds nothing
        List<int[]> fieldRanges = new ArrayList<>();
        int at = prefix;
        for (TemplatePart part : t.parts()) {
            int length;
            if (part instanceof TemplatePart.Field f) {
                String value = values.get(f.name()).strip();
                length = value.isEmpty() ? 0 : tokenizer.encode((f.spaceBefore() ? " " : "") + value, false).length;
                fieldRanges.add(new int[] {at, length});
            } else if (part instanceof TemplatePart.Text x) {
                length = tokenizer.encode((x.spaceBefore() ? " " : "") + x.text(), false).length;
            } else if (part instanceof TemplatePart.Pseudo) {
                length = 1;
            } else {
                length = slot == AnswerSlot.MASK_TOKEN ? 1 : 0;
            }
            at += length;
        }
        assertEquals(full.length(), at + (slot == AnswerSlot.MASK_TOKEN ? 1 : 0), "piece lengths " + where);
        // Longest-first truncation in closed form: fields are cut down to a level L; of the fields longer than L,
        // the last ones in template order keep L + 1 (ties are cut first-field-first).
        int[] original = fieldRanges.stream().mapToInt(range -> range[1]).toArray();
        int budget = Math.min(max, full.length()) - (full.length() - Arrays.stream(original).sum());
        int level = 0;
        while (sumCapped(original, level + 1) <= budget && level < Arrays.stream(original).max().orElse(0)) {
            level++;
        }
        int extra = budget - sumCapped(original, level);
        int[] kept = new int[original.length];
        for (int i = original.length - 1; i >= 0; i--) {
            kept[i] = Math.min(original[i], level);
            if (original[i] > level && extra > 0) {
                kept[i]++;
                extra--;
            }
        }
        List<Integer> expected = new ArrayList<>();
        int field = 0;
        for (int i = 0; i < full.length(); i++) {
            while (field < fieldRanges.size() && i >= fieldRanges.get(field)[0] + fieldRanges.get(field)[1]) {
                field++;
            }
            boolean inField = field < fieldRanges.size() && i >= fieldRanges.get(field)[0];
            if (!inField || i - fieldRanges.get(field)[0] < kept[field]) {
                expected.add(full.ids()[i]);
            }
        }
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), r.ids(), where);
    }

    private static int sumCapped(int[] lengths, int cap) {
        return Arrays.stream(lengths).map(length -> Math.min(length, cap)).sum();
    }
}
