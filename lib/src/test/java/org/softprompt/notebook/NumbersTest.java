package org.softprompt.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NumbersTest {
    @Test
    void roundsAwayBinaryNoise() {
        assertEquals(0.3, Numbers.round(0.1 + 0.2, 6));
        assertEquals("0.3", Numbers.csv(0.1 + 0.2));
        assertEquals("0.1", Double.toString(Numbers.round(0.1f, 6)));
    }

    @Test
    void csvKeepsSixSignificantDigitsAndADecimalPoint() {
        assertEquals("0.912346", Numbers.csv(0.91234567));
        assertEquals("12345.0", Numbers.csv(12345.0));
        assertEquals("1234570.0", Numbers.csv(1234567.0));
        assertEquals("1.23457E-7", Numbers.csv(1.23456789e-7));
        assertEquals("-2.5", Numbers.csv(-2.5));
        assertEquals("", Numbers.csv(Double.NaN));
    }

    @Test
    void displayUsesPlainNotationInTheReadableRangeOnly() {
        assertEquals("0.69315", Numbers.display(0.6931471805599453));
        assertEquals("1234.6", Numbers.display(1234.5678));
        assertEquals("12346", Numbers.display(12345.6));
        assertEquals("1.2346e+05", Numbers.display(123456.0));
        assertEquals("0.00012346", Numbers.display(0.000123456));
        assertEquals("1.2346e-05", Numbers.display(0.0000123456));
        assertEquals("3", Numbers.display(3.0));
        assertEquals("0", Numbers.display(0.0));
        assertEquals("NaN", Numbers.display(Double.NaN));
        assertEquals("-inf", Numbers.display(Double.NEGATIVE_INFINITY));
    }
}
