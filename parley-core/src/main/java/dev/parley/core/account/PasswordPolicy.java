package dev.parley.core.account;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The password rules at registration, after NIST SP 800-63B (5.1.1.2): a minimum length, a
 * maximum that bounds the hashing cost, and a check against a list of the most common passwords
 * and against the username. No composition rules (digits, symbols), which the guideline advises
 * against. Lengths count Unicode code points, not counting leading and trailing whitespace, so
 * that eight spaces are not a password. Login applies none of these rules: a stored hash is
 * simply checked.
 *
 * <p>Thread-safe and immutable; the list (the resource {@code common-passwords.txt} beside this
 * class) is read once.
 */
public final class PasswordPolicy {
    /** Fewest characters of a new password, leading and trailing whitespace not counted. */
    public static final int MIN_LENGTH = 8;
    /** Most characters of a new password: bounds what one registration costs to hash. */
    public static final int MAX_LENGTH = 128;

    private static final String COMMON_RESOURCE = "common-passwords.txt";

    private final Set<String> common;

    private PasswordPolicy(Set<String> common) {
        this.common = Set.copyOf(common);
    }

    /** The policy with the bundled list of common passwords. */
    public static PasswordPolicy standard() {
        return Holder.STANDARD;
    }

    /** How many common passwords the policy refuses (for tests and diagnostics). */
    public int commonPasswordCount() {
        return common.size();
    }

    /**
     * Throws {@code INVALID_PASSWORD} for a password of the wrong length and {@code WEAK_PASSWORD}
     * for a common one or one equal to the username (case-insensitively); returns normally otherwise.
     */
    public void check(String username, String password) {
        if (password == null) {
            throw new ParleyException(ErrorCode.INVALID_PASSWORD, "password is required");
        }
        String core = password.strip();
        int length = core.codePointCount(0, core.length());
        if (length < MIN_LENGTH || password.codePointCount(0, password.length()) > MAX_LENGTH) {
            throw new ParleyException(ErrorCode.INVALID_PASSWORD, "password must be " + MIN_LENGTH + " to "
                    + MAX_LENGTH + " characters (leading and trailing spaces do not count)");
        }
        String folded = core.toLowerCase(Locale.ROOT);
        if (common.contains(folded)) {
            throw new ParleyException(ErrorCode.WEAK_PASSWORD,
                    "this password is one of the most commonly used ones; choose another (a few unrelated words work well)");
        }
        if (username != null && folded.equals(username.toLowerCase(Locale.ROOT))) {
            throw new ParleyException(ErrorCode.WEAK_PASSWORD, "the password must not be the username");
        }
    }

    private static final class Holder {
        static final PasswordPolicy STANDARD = new PasswordPolicy(load());

        private static Set<String> load() {
            Set<String> out = new HashSet<>();
            try (InputStream in = PasswordPolicy.class.getResourceAsStream(COMMON_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + COMMON_RESOURCE + " is missing from the classpath");
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line; (line = reader.readLine()) != null; ) {
                    String w = line.strip();
                    if (!w.isEmpty() && !w.startsWith("#")) {
                        out.add(w.toLowerCase(Locale.ROOT));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + COMMON_RESOURCE, e);
            }
            return out;
        }
    }
}
