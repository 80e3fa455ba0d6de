package org.softprompt.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Tokenizer API around Hugging Face's tokenizer: look-ups, special tokens, decoding, batches with padding and
 * truncation, the checkpoint factory and tokenizer.json round trips. Uses GPT-2's real vocabulary and a small BERT
 * vocabulary written by the test, whose ids are easy to follow.
 */
class TokenizerApiTest {
    /** A BERT vocabulary small enough to reason about: line number = id. */
    private static final List<String> SMALL_BERT_VOCAB = List.of(
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", ",", "!", "the", "cat", "sat",
            "on", "mat", "##s", "a", "b", "c", "d", "e", "Hello", "##a", "##b");

    @TempDir
    Path temp;

    @Test
    void gpt2LooksUpTokensAndSpecialTokens() throws IOException {
        try (Gpt2Tokenizer gpt2 = gpt2()) {
            assertArrayEquals(new int[] {18435, 995}, gpt2.encode(" Hello world"));
            assertEquals(List.of("ĠHello", "Ġworld"), gpt2.tokenize(" Hello world"));
            assertEquals(50257, gpt2.vocabSize());
            assertEquals(OptionalInt.of(50256), gpt2.tokenToId("<|endoftext|>"));
            assertEquals(OptionalInt.of(220), gpt2.tokenToId("Ġ"));
            assertEquals(Optional.of("!"), gpt2.idToToken(0));
            assertEquals(Optional.empty(), gpt2.idToToken(50257));
            assertEquals(OptionalInt.empty(), gpt2.tokenToId("not a token"));
            assertEquals(50256, gpt2.endOfTextId());
            assertEquals(OptionalInt.of(50256), gpt2.specialTokenId(SpecialToken.BOS));
            assertEquals(OptionalInt.empty(), gpt2.specialTokenId(SpecialToken.PAD));
            IllegalStateException noPad = assertThrows(IllegalStateException.class,
                    () -> gpt2.requireSpecialTokenId(SpecialToken.PAD));
            assertTrue(noPad.getMessage().contains("pad_token"), noPad.getMessage());
        }
    }

    @Test
    void gpt2DecodesExactlyAndSkipsSpecialTokensOnRequest() throws IOException {
        try (Gpt2Tokenizer gpt2 = gpt2()) {
            int[] ids = gpt2.encode("Hello<|endoftext|>  world\n");
            assertEquals("Hello<|endoftext|>  world\n", gpt2.decode(ids));
            assertEquals("Hello  world\n", gpt2.decode(ids, true));
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> gpt2.decode(new int[] {15496, 50257}));
            assertTrue(bad.getMessage().contains("50257"), bad.getMessage());
        }
    }

    @Test
    void gpt2BatchPadsWithEndOfTextOnEitherSide() throws IOException {
        try (Gpt2Tokenizer gpt2 = gpt2()) {
            List<String> texts = List.of("Hello world", "Hi", "");
            BatchEncoding right = gpt2.encodeBatch(texts);
            assertArrayEquals(new int[][] {{15496, 995}, {17250, 50256}, {50256, 50256}}, right.inputIds());
            assertArrayEquals(new int[][] {{1, 1}, {1, 0}, {0, 0}}, right.attentionMask());
            BatchEncoding left = gpt2.encodeBatch(texts,
                    EncodeOptions.defaults().withPaddingSide(EncodeOptions.PaddingSide.LEFT));
            assertArrayEquals(new int[][] {{15496, 995}, {50256, 17250}, {50256, 50256}}, left.inputIds());
            assertArrayEquals(new int[][] {{1, 1}, {0, 1}, {0, 0}}, left.attentionMask());
            assertEquals(3, left.batchSize());
            assertEquals(2, left.sequenceLength());
        }
    }

    @Test
    void batchEncodingEqualsEncodingOneByOne() throws IOException {
        List<String> texts = List.of("It's a test.", " Hello world", "東京 🙂", "a  b\n\n", "");
        try (Gpt2Tokenizer gpt2 = gpt2()) {
            BatchEncoding batch = gpt2.encodeBatch(texts,
                    EncodeOptions.defaults().withPadding(EncodeOptions.Padding.NONE));
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(gpt2.encode(texts.get(i)), batch.inputIds()[i]);
            }
            assertThrows(IllegalStateException.class, batch::sequenceLength);
        }
    }

    @Test
    void truncationCutsToMaxLengthAndMaxLengthPaddingFills() throws IOException {
        try (Gpt2Tokenizer gpt2 = gpt2()) {
            String text = "one two three four five six seven";
            int[] full = gpt2.encode(text);
            assertEquals(7, full.length);
            BatchEncoding cut = gpt2.encodeBatch(List.of(text, "one"),
                    EncodeOptions.defaults().truncateTo(4).withPadding(EncodeOptions.Padding.MAX_LENGTH));
            assertArrayEquals(Arrays.copyOf(full, 4), cut.inputIds()[0]);
            assertArrayEquals(new int[] {full[0], 50256, 50256, 50256}, cut.inputIds()[1]);
            assertArrayEquals(new int[] {1, 0, 0, 0}, cut.attentionMask()[1]);
            BatchEncoding padded = gpt2.encodeBatch(List.of("one"),
                    new EncodeOptions(true, 6, EncodeOptions.Padding.MAX_LENGTH, EncodeOptions.PaddingSide.RIGHT));
            assertEquals(6, padded.inputIds()[0].length);
        }
    }

    @Test
    void bertAddsClsAndSepAndTypeIdsForPairs() throws IOException {
        try (BertTokenizer bert = smallBert(true)) {
            assertArrayEquals(new int[] {2, 5, 7, 6, 8, 3}, bert.encode("Hello, WORLD!"));
            assertArrayEquals(new int[] {5, 7, 6, 8}, bert.encode("Hello, WORLD!", false));
            assertEquals(List.of("the", "cat", "##s"), bert.tokenize("The cats"));
            assertArrayEquals(new int[] {2, 1, 3}, bert.encode("dog"));
            Encoding pair = bert.encodePair("the cat", "sat on the mat");
            assertArrayEquals(new int[] {2, 9, 10, 3, 11, 12, 9, 13, 3}, pair.ids());
            assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 1}, pair.typeIds());
            assertArrayEquals(new int[] {1, 0, 0, 1, 0, 0, 0, 0, 1}, pair.specialTokensMask());
            assertEquals(2, bert.clsId());
            assertEquals(3, bert.sepId());
            assertEquals(4, bert.maskId());
            assertEquals(0, bert.padId());
            assertEquals(23, bert.vocabSize());
            // "[MASK]" typed into the text is the mask token, even though the model lower-cases.
            assertArrayEquals(new int[] {2, 9, 4, 3}, bert.encode("the [MASK]"));
        }
    }

    @Test
    void bertCasedKeepsCaseAndDecodesLikeHuggingFace() throws IOException {
        try (BertTokenizer cased = smallBert(false); BertTokenizer uncased = smallBert(true)) {
            assertArrayEquals(new int[] {2, 20, 3}, cased.encode("Hello"));
            assertArrayEquals(new int[] {2, 5, 3}, uncased.encode("Hello"));
            int[] ids = uncased.encode("Hello, the cats!");
            assertEquals("[CLS] hello, the cats! [SEP]", uncased.decode(ids));
            assertEquals("hello, the cats!", uncased.decode(ids, true));
        }
    }

    @Test
    void bertPairTruncationRemovesFromTheLongerTextFirst() throws IOException {
        try (BertTokenizer bert = smallBert(true)) {
            String first = "a b c d e a b c d e";
            String second = "the cat sat";
            int[] a = bert.encode(first, false);
            int[] b = bert.encode(second, false);
            assertEquals(10, a.length);
            BatchEncoding batch = bert.encodePairBatch(List.of(first), List.of(second),
                    EncodeOptions.defaults().truncateTo(10));
            // 10 - 3 special tokens = 7 text tokens: the longer first text is cut until it is no longer longer.
            int[] expected = IntStream.concat(IntStream.concat(IntStream.of(2), Arrays.stream(a, 0, 4)),
                    IntStream.concat(IntStream.of(3), IntStream.concat(Arrays.stream(b), IntStream.of(3))))
                    .toArray();
            assertArrayEquals(expected, batch.inputIds()[0]);
            assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, batch.tokenTypeIds()[0]);
        }
    }

    @Test
    void truncationTooShortForTheSpecialTokensIsRefused() throws IOException {
        try (BertTokenizer bert = smallBert(true)) {
            assertThrows(IllegalArgumentException.class,
                    () -> bert.encodeBatch(List.of("a b a"), EncodeOptions.defaults().truncateTo(1)));
            assertThrows(IllegalArgumentException.class, () -> bert.encodePairBatch(List.of("a b a"), List.of("b"),
                    EncodeOptions.defaults().truncateTo(2)));
            assertArrayEquals(new int[][] {{2, 3}},
                    bert.encodeBatch(List.of("a b a"), EncodeOptions.defaults().truncateTo(2)).inputIds());
            assertArrayEquals(new int[][] {{2, 3, 3}}, bert.encodePairBatch(List.of("a b a"), List.of("b"),
                    EncodeOptions.defaults().truncateTo(3)).inputIds());
        }
    }

    @Test
    void bertBatchPadsWithPadAndZeroTypeIds() throws IOException {
        try (BertTokenizer bert = smallBert(true)) {
            BatchEncoding batch = bert.encodePairBatch(List.of("the cat", "a"), List.of("sat", "b c d"),
                    EncodeOptions.defaults());
            assertArrayEquals(new int[][] {{2, 9, 10, 3, 11, 3, 0}, {2, 15, 3, 16, 17, 18, 3}}, batch.inputIds());
            assertArrayEquals(new int[][] {{0, 0, 0, 0, 1, 1, 0}, {0, 0, 0, 1, 1, 1, 1}}, batch.tokenTypeIds());
            assertArrayEquals(new int[][] {{1, 1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1, 1}}, batch.attentionMask());
        }
    }

    @Test
    void tokenizerJsonRoundTripsThroughTheFactory() throws IOException {
        List<String> texts = List.of("Hello, world! It's 2024.", "東京 café 🙂", "  spaces\tand\nlines  ");
        try (BertTokenizer bert = smallBert(true); Gpt2Tokenizer gpt2 = gpt2()) {
            Path bertFolder = Files.createDirectories(temp.resolve("bert"));
            Files.writeString(bertFolder.resolve("tokenizer.json"), bert.tokenizerJson());
            Path gpt2Folder = Files.createDirectories(temp.resolve("gpt2"));
            Files.writeString(gpt2Folder.resolve("tokenizer.json"), gpt2.tokenizerJson());
            try (Tokenizer bertAgain = Tokenizers.load(bertFolder); Tokenizer gpt2Again = Tokenizers.load(gpt2Folder)) {
                assertInstanceOf(BertTokenizer.class, bertAgain);
                assertInstanceOf(Gpt2Tokenizer.class, gpt2Again);
                for (String text : texts) {
                    assertArrayEquals(bert.encode(text), bertAgain.encode(text));
                    assertArrayEquals(gpt2.encode(text), gpt2Again.encode(text));
                }
                assertEquals(OptionalInt.of(4), bertAgain.specialTokenId(SpecialToken.MASK));
                assertEquals(OptionalInt.of(50256), gpt2Again.specialTokenId(SpecialToken.EOS));
            }
        }
    }

    @Test
    void factoryReadsVocabTxtWithTokenizerConfig() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("cased-checkpoint"));
        Files.write(folder.resolve("vocab.txt"), SMALL_BERT_VOCAB);
        Files.writeString(folder.resolve("tokenizer_config.json"),
                "{\"do_lower_case\": false, \"mask_token\": {\"content\": \"[MASK]\", \"__type\": \"AddedToken\"}}");
        try (Tokenizer tokenizer = Tokenizers.load(folder)) {
            assertInstanceOf(BertTokenizer.class, tokenizer);
            assertArrayEquals(new int[] {2, 20, 3}, tokenizer.encode("Hello"));
            assertEquals(OptionalInt.of(4), tokenizer.specialTokenId(SpecialToken.MASK));
        }
        Files.writeString(folder.resolve("tokenizer_config.json"), "{}");
        try (Tokenizer tokenizer = Tokenizers.load(folder)) {
            assertArrayEquals(new int[] {2, 5, 3}, tokenizer.encode("Hello"), "do_lower_case defaults to true");
        }
    }

    @Test
    void factoryHonoursAPadTokenFromSpecialTokensMap() throws IOException {
        Path shared = RealVocabularies.gpt2Folder();
        Path folder = Files.createDirectories(temp.resolve("gpt2-with-pad"));
        Files.copy(shared.resolve("vocab.json"), folder.resolve("vocab.json"));
        Files.copy(shared.resolve("merges.txt"), folder.resolve("merges.txt"));
        Files.writeString(folder.resolve("special_tokens_map.json"), "{\"pad_token\": \"!\"}");
        try (HuggingFaceBackedTokenizer tokenizer = Tokenizers.load(folder)) {
            assertEquals(OptionalInt.of(0), tokenizer.specialTokenId(SpecialToken.PAD));
            assertEquals(OptionalInt.of(0), tokenizer.paddingId());
            assertArrayEquals(new int[][] {{15496, 995}, {17250, 0}},
                    tokenizer.encodeBatch(List.of("Hello world", "Hi")).inputIds());
        }
    }

    @Test
    void missingOrMalformedFilesAreNamed() throws IOException {
        Path missing = temp.resolve("nothing-here");
        assertNamesFile(missing, () -> Tokenizers.load(missing));

        Path empty = Files.createDirectories(temp.resolve("empty"));
        assertNamesFile(empty, () -> Tokenizers.load(empty));

        Path notJson = Files.writeString(temp.resolve("vocab.json"), "{\"a\": 0, ");
        Path merges = Files.writeString(temp.resolve("merges.txt"), "#version: 0.2\na b\n");
        assertNamesFile(notJson, () -> Gpt2Tokenizer.fromVocabAndMerges(notJson, merges));

        Path badId = Files.writeString(temp.resolve("bad-id.json"), "{\"a\": \"zero\"}");
        assertNamesFile(badId, () -> Gpt2Tokenizer.fromVocabAndMerges(badId, merges));

        Path vocab = Files.writeString(temp.resolve("good-vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Path badMerges = Files.writeString(temp.resolve("bad-merges.txt"), "#version: 0.2\na b\na  b\n");
        TokenizerFileException e = assertNamesFile(badMerges, () -> Gpt2Tokenizer.fromVocabAndMerges(vocab, badMerges));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());

        Path unknownSymbol = Files.writeString(temp.resolve("unknown-merges.txt"), "#version: 0.2\na c\n");
        assertNamesFile(unknownSymbol, () -> Gpt2Tokenizer.fromVocabAndMerges(vocab, unknownSymbol));

        Path missingMerges = temp.resolve("absent-merges.txt");
        assertNamesFile(missingMerges, () -> Gpt2Tokenizer.fromVocabAndMerges(vocab, missingMerges));

        Path emptyVocabTxt = Files.writeString(temp.resolve("empty-vocab.txt"), "");
        assertNamesFile(emptyVocabTxt, () -> BertTokenizer.fromVocabTxt(emptyVocabTxt, true));

        Path noCls = Files.write(temp.resolve("no-cls-vocab.txt"), List.of("[PAD]", "[UNK]", "[SEP]", "hello"));
        TokenizerFileException e2 = assertNamesFile(noCls, () -> BertTokenizer.fromVocabTxt(noCls, true));
        assertTrue(e2.getMessage().contains("[CLS]"), e2.getMessage());

        Path unigram = Files.createDirectories(temp.resolve("unigram"));
        Path unigramJson = Files.writeString(unigram.resolve("tokenizer.json"),
                "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}}");
        assertNamesFile(unigramJson, () -> Tokenizers.load(unigram));

        Path onlyMerges = Files.createDirectories(temp.resolve("only-merges"));
        Files.writeString(onlyMerges.resolve("merges.txt"), "#version: 0.2\n");
        assertNamesFile(onlyMerges.resolve("vocab.json"), () -> Tokenizers.load(onlyMerges));
    }

    @Test
    void batchEncodingBecomesInt64Arrays() throws IOException {
        try (BertTokenizer bert = smallBert(true);
                ai.djl.ndarray.NDManager manager = org.softprompt.Engines.newManager()) {
            BatchEncoding batch = bert.encodeBatch(List.of("the cat", "hello"));
            ai.djl.ndarray.NDList arrays = batch.toNDList(manager);
            assertEquals(new ai.djl.ndarray.types.Shape(2, 4), arrays.get(0).getShape());
            assertEquals(ai.djl.ndarray.types.DataType.INT64, arrays.get(0).getDataType());
            assertArrayEquals(new long[] {2, 9, 10, 3, 2, 5, 3, 0}, arrays.get(0).toLongArray());
            assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, arrays.get(1).toLongArray());
            assertEquals("token_type_ids", arrays.get(2).getName());
        }
    }

    private interface Loader {
        void load() throws IOException;
    }

    private static TokenizerFileException assertNamesFile(Path file, Loader loader) {
        TokenizerFileException e = assertThrows(TokenizerFileException.class, loader::load);
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e;
    }

    private Gpt2Tokenizer gpt2() throws IOException {
        Path folder = RealVocabularies.gpt2Folder();
        return Gpt2Tokenizer.fromVocabAndMerges(folder.resolve("vocab.json"), folder.resolve("merges.txt"));
    }

    private BertTokenizer smallBert(boolean lowerCase) throws IOException {
        Path vocab = temp.resolve("small-vocab-" + lowerCase + ".txt");
        Files.write(vocab, SMALL_BERT_VOCAB);
        return BertTokenizer.fromVocabTxt(vocab, lowerCase);
    }
}
