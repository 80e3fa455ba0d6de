package org.softprompt.task.head;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.tokenize.BertTokenizer;

class WordPieceAlignmentTest {
    private static final int I = CrossEntropy.IGNORE_INDEX;

    @Test
    void firstSubwordGetsTheLabelAndPredictionsReadBack(@TempDir Path dir) throws Exception {
        Path vocab = dir.resolve("vocab.txt");
        Files.write(vocab, List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "john", "lives", "in", "york",
                "##shire", "##s", ".", "new"));
        try (BertTokenizer tokenizer = BertTokenizer.fromVocabTxt(vocab, true)) {
            List<String> words = List.of("John", "lives", "in", "Yorkshire", ".");
            WordPieceAlignment a = WordPieceAlignment.of(tokenizer, words, 0);
            // the same pieces as tokenizing the joined sentence
            assertArrayEquals(tokenizer.encode(String.join(" ", words)), a.ids());
            assertArrayEquals(new int[] {2, 5, 6, 7, 8, 9, 11, 3}, a.ids());
            assertArrayEquals(new int[] {-1, 0, 1, 2, 3, 3, 4, -1}, a.wordIds());
            // B-PER O O B-LOC O as 1 0 0 3 0
            assertArrayEquals(new int[] {I, 1, 0, 0, 3, I, 0, I}, a.labels(new int[] {1, 0, 0, 3, 0}));
            assertArrayEquals(new int[] {1, 0, 0, 3, 0}, a.wordPredictions(new int[] {9, 1, 0, 0, 3, 4, 0, 9, 9}, -1));

            // truncation to 5 tokens keeps [CLS] + 3 pieces + [SEP]; words 3 (partly cut) and 4 are lost
            WordPieceAlignment cut = WordPieceAlignment.of(tokenizer, words, 5);
            assertArrayEquals(new int[] {2, 5, 6, 7, 3}, cut.ids());
            assertEquals(5, cut.wordCount());
            assertArrayEquals(new int[] {I, 1, 0, 0, I}, cut.labels(new int[] {1, 0, 0, 3, 0}));
            assertArrayEquals(new int[] {1, 0, 0, -1, -1}, cut.wordPredictions(new int[] {0, 1, 0, 0, 0}, -1));
        }
    }
}
