package org.softprompt.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer against lib/src/test/python/bpe_trainer_reference.py (the same rule, recounting every pair on every
 * step), and the trained vocabulary run through Hugging Face's BPE.
 */
class ByteLevelBpeTrainerTest {
    @TempDir
    Path temp;

    @Test
    void learnsTheReferenceMergesOnTheSmallCorpus() throws Exception {
        BpeVocabulary trained = new ByteLevelBpeTrainer(400, 2, List.of(Gpt2Tokenizer.END_OF_TEXT))
                .trainOnFiles(List.of(resource("bpe-corpus.txt")));
        Path expected = resource("bpe-expected-small");
        assertEquals(VocabularyFiles.readMerges(expected.resolve("merges.txt")), trained.merges());
        assertEquals(VocabularyFiles.readVocabJson(expected.resolve("vocab.json")), trained.vocab());
        assertEquals(400, trained.size());
        assertEquals(399, trained.vocab().get(Gpt2Tokenizer.END_OF_TEXT));
    }

    @Test
    void learnsTheReferenceMergesOnTinyShakespeare() throws Exception {
        String shared = System.getProperty("softprompt.shared");
        assumeTrue(shared != null, "system property softprompt.shared is not set");
        Path corpus = Path.of(shared, "data", "text", "tinyshakespeare", "input.txt");
        assumeTrue(Files.exists(corpus), "tiny-shakespeare not found at " + corpus);
        long start = System.nanoTime();
        BpeVocabulary trained = ByteLevelBpeTrainer.withVocabSize(1000).trainOnFiles(List.of(corpus));
        long millis = (System.nanoTime() - start) / 1_000_000;
        Path expected = resource("bpe-expected-tinyshakespeare");
        assertEquals(VocabularyFiles.readMerges(expected.resolve("merges.txt")), trained.merges());
        assertEquals(VocabularyFiles.readVocabJson(expected.resolve("vocab.json")), trained.vocab());
        System.out.println("[tokenize] tiny-shakespeare: " + trained.merges().size() + " merges learned in " + millis
                + " ms, equal to the Python reference");
    }

    /** Hugging Face's BPE on the trained files segments the corpus exactly as replaying the merges in order does. */
    @Test
    void huggingFaceSegmentsLikeTheLearnedMerges() throws Exception {
        Path corpus = resource("bpe-corpus.txt");
        String text = Files.readString(corpus);
        BpeVocabulary trained = new ByteLevelBpeTrainer(400, 2, List.of(Gpt2Tokenizer.END_OF_TEXT))
                .trainOnFiles(List.of(corpus));
        Path folder = temp.resolve("trained");
        trained.save(folder);

        List<String> replayed = new ArrayList<>();
        for (String piece : ByteLevel.split(text)) {
            replayed.addAll(replay(ByteLevel.toByteChars(piece), trained.merges()));
        }
        try (Tokenizer fromFiles = Tokenizers.load(folder); Tokenizer inMemory = trained.toTokenizer()) {
            assertEquals(replayed, fromFiles.tokenize(text));
            assertEquals(replayed, inMemory.tokenize(text));
            int[] ids = fromFiles.encode(text);
            for (int i = 0; i < ids.length; i++) {
                assertEquals(trained.vocab().get(replayed.get(i)), ids[i]);
            }
            assertEquals(text, fromFiles.decode(ids));
            assertEquals(400, fromFiles.vocabSize());
            assertEquals(399, fromFiles.requireSpecialTokenId(SpecialToken.EOS));
            assertEquals(399, fromFiles.encode("a" + Gpt2Tokenizer.END_OF_TEXT)[1]);
        }
    }

    @Test
    void unseenCharactersStillRoundTripThroughTheByteAlphabet() throws Exception {
        BpeVocabulary trained = new ByteLevelBpeTrainer(300, 2, List.of(Gpt2Tokenizer.END_OF_TEXT))
                .train(List.of("aaa bbb aaa bbb aaa", "ab ab ab"));
        try (Tokenizer tokenizer = trained.toTokenizer()) {
            String unseen = "Zebra Ω 🙂 \t\n 東京 ab";
            assertEquals(unseen, tokenizer.decode(tokenizer.encode(unseen)));
        }
    }

    @Test
    void stopsWhenNoPairIsFrequentEnough() {
        BpeVocabulary trained = new ByteLevelBpeTrainer(1000, 3, List.of()).train(List.of("ab ab ab cd cd"));
        // Pairs: "a b" x3 and "Ġ a" x2, "c d" x2, "Ġ c" x2 ... only "a b" reaches 3, then "Ġ ab" has 2.
        assertEquals(List.of(new Merge("a", "b")), trained.merges());
        assertEquals(257, trained.size());
    }

    @Test
    void trainingTwiceGivesTheSameVocabulary() throws Exception {
        Path corpus = resource("bpe-corpus.txt");
        ByteLevelBpeTrainer trainer = new ByteLevelBpeTrainer(380, 2, List.of(Gpt2Tokenizer.END_OF_TEXT, "<|pad|>"));
        BpeVocabulary first = trainer.trainOnFiles(List.of(corpus));
        BpeVocabulary second = trainer.trainOnFiles(List.of(corpus));
        assertEquals(first, second);
        assertEquals(Map.of(Gpt2Tokenizer.END_OF_TEXT, 378, "<|pad|>", 379),
                Map.of(Gpt2Tokenizer.END_OF_TEXT, first.vocab().get(Gpt2Tokenizer.END_OF_TEXT),
                        "<|pad|>", first.vocab().get("<|pad|>")));
    }

    @Test
    void rejectsImpossibleSettings() {
        assertThrows(IllegalArgumentException.class, () -> new ByteLevelBpeTrainer(256, 2, List.of("<|endoftext|>")));
        assertThrows(IllegalArgumentException.class, () -> new ByteLevelBpeTrainer(300, 0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ByteLevelBpeTrainer(300, 2, List.of("x", "x")));
    }

    /** Applies the merges to one piece in the order they were learned. */
    private static List<String> replay(String piece, List<Merge> merges) {
        List<String> symbols = new ArrayList<>();
        piece.chars().forEach(c -> symbols.add(String.valueOf((char) c)));
        for (Merge merge : merges) {
            for (int i = 0; i + 1 < symbols.size(); i++) {
                if (symbols.get(i).equals(merge.left()) && symbols.get(i + 1).equals(merge.right())) {
                    symbols.set(i, merge.merged());
                    symbols.remove(i + 1);
                }
            }
        }
        return symbols;
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ByteLevelBpeTrainerTest.class.getResource("/tokenize/" + name).toURI());
    }
}
