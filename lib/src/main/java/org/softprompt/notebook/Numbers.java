package org.softprompt.notebook;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * How softprompt writes floating-point numbers for people and for result files.
 *
 * <p>Tables on screen use {@link #DISPLAY_DIGITS} significant digits; result CSVs use {@link #CSV_DIGITS}. Rounding to
 * significant digits (not decimals) keeps both a loss of 2.3e-5 and a perplexity of 1234.5 readable, and it removes
 * binary noise such as {@code 0.30000000000000004}, so that two runs that agree to six digits write identical files.
 */
final class Numbers {
    /** Significant digits shown in notebook tables and progress lines. */
    static final int DISPLAY_DIGITS = 5;
    /** Significant digits written to result CSVs: enough for regression checks, short of float32 noise. */
    static final int CSV_DIGITS = 6;

    private Numbers() {}

    /** Rounds to {@code digits} significant digits (half-even); NaN and infinities pass through unchanged. */
    static double round(double value, int digits) {
        if (!Double.isFinite(value) || value == 0.0) {
            return value;
        }
        return new BigDecimal(value).round(new MathContext(digits, RoundingMode.HALF_EVEN)).doubleValue();
    }

    /**
     * A float widened through its shortest decimal form, so that {@code 0.1f} becomes 0.1 and not
     * 0.10000000149011612, then rounded like a double.
     */
    static double round(float value, int digits) {
        if (!Float.isFinite(value)) {
            return value;
        }
        return round(Double.parseDouble(Float.toString(value)), digits);
    }

    /**
     * For people: at most {@code digits} significant digits, no trailing zeros, plain notation for magnitudes from
     * 1e-4 up to 10^digits and scientific notation ({@code 1.2346e-07}) outside, so that no digit is ever invented.
     */
    static String format(double value, int digits) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0.0) {
            return "0";
        }
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(digits, RoundingMode.HALF_EVEN))
                .stripTrailingZeros();
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent >= -4 && exponent < digits) {
            return rounded.toPlainString();
        }
        BigDecimal mantissa = rounded.movePointLeft(exponent);
        String sign = exponent < 0 ? "-" : "+";
        int magnitude = Math.abs(exponent);
        return mantissa.toPlainString() + "e" + sign + (magnitude < 10 ? "0" : "") + magnitude;
    }

    /** {@link #format(double, int)} with {@link #DISPLAY_DIGITS}. */
    static String display(double value) {
        return format(value, DISPLAY_DIGITS);
    }

    /**
     * For result CSVs: rounded to {@link #CSV_DIGITS} and written as Java writes a double ({@code 0.3},
     * {@code 12345.0}, {@code 1.23457E-7}). The decimal point is always there, so readers such as Tablesaw read the
     * column back as floating point even when every value happens to be whole. Empty for NaN (a missing value).
     */
    static String csv(double value) {
        if (Double.isNaN(value)) {
            return "";
        }
        return Double.toString(round(value, CSV_DIGITS));
    }
}
