package org.softprompt.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level scheme: text is split into pieces by GPT-2's regular expression, each piece's UTF-8 bytes are
 * written as one printable character per byte, and BPE then works on those characters. Because all 256 bytes have a
 * character, any text can be encoded without an unknown token.
 */
public final class ByteLevel {
    /**
     * GPT-2's pre-tokenization pattern (contractions, letter runs, number runs, other runs, each optionally preceded by
     * one space; whitespace runs leave their last space to the next piece). UNICODE_CHARACTER_CLASS makes {@code \s}
     * mean Unicode white space, as in the Python and Rust implementations.
     */
    public static final Pattern PATTERN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final int[] BYTE_ORDER = new int[256];
    private static final char[] BYTE_TO_CHAR = new char[256];

    static {
        // Bytes that are printable Latin-1 stand for themselves; the others get U+0100 onwards, in byte order.
        // BYTE_ORDER lists the bytes in the order GPT-2's vocabulary gives them ids 0..255.
        int position = 0;
        boolean[] printable = new boolean[256];
        for (int b = 0; b < 256; b++) {
            printable[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            if (printable[b]) {
                BYTE_TO_CHAR[b] = (char) b;
                BYTE_ORDER[position++] = b;
            }
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            if (!printable[b]) {
                BYTE_TO_CHAR[b] = (char) next++;
                BYTE_ORDER[position++] = b;
            }
        }
    }

    private ByteLevel() {}

    /** The printable character that stands for byte {@code b} (0..255). */
    public static char charForByte(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The 256 byte characters, in the order GPT-2's vocabulary numbers them (id 0 is "!", id 220 is "Ġ"). */
    public static List<String> alphabet() {
        List<String> alphabet = new ArrayList<>(256);
        for (int b : BYTE_ORDER) {
            alphabet.add(String.valueOf(BYTE_TO_CHAR[b]));
        }
        return alphabet;
    }

    /** A piece of text written in byte characters, one per UTF-8 byte. */
    public static String toByteChars(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /** Splits text into GPT-2's pre-tokenization pieces (as text; apply {@link #toByteChars} for BPE). */
    public static List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher matcher = PATTERN.matcher(text);
        while (matcher.find()) {
            pieces.add(matcher.group());
        }
        return pieces;
    }
}
